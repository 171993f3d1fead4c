"""Money: the one rounding rule of formarche, and strict parsing of decimal input.

Rounding rule (sigma.md, "Rounding"): every amount a document shows is rounded **to the cent,
half up** (ties away from zero, the everyday commercial rule: 0,005 → 0,01 and −0,005 → −0,01),
**at the line where it is shown**; totals are sums of those rounded lines; rates stay exact until
they are displayed, and are displayed with the same rule (2 places, half up).

Two entry points apply that single rule:

- :func:`round_cents` rounds a ``Decimal`` that is already exact (a product or a sum of decimals);
- :func:`round_cents_of_ratio` rounds the exact quotient ``numerator / denominator`` without ever
  materialising an intermediate, inexact quotient (used for rates and for the advance resorption,
  whose exact values are fractions such as 1/3).

No floats anywhere: ``Decimal`` in, ``Decimal`` out.  Pure Python, no Django import.
"""

from __future__ import annotations

import decimal
import re
from decimal import ROUND_HALF_UP, Decimal

__all__ = [
    "CENT",
    "exact_context",
    "ROUNDING_MODE",
    "ZERO",
    "DecimalParseError",
    "has_places",
    "parse_decimal",
    "percent",
    "round_cents",
    "round_cents_fast",
    "round_cents_of_ratio",
    "round_places",
    "round_units",
]

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
# The one rounding mode, for the APIs that take a mode rather than a value (e.g. DRF's
# ``DecimalField(rounding=ROUNDING_MODE)``): elsewhere call the functions below.
ROUNDING_MODE = ROUND_HALF_UP
_HUNDRED = Decimal(100)
_TWO = Decimal(2)
_ONE = Decimal(1)


def round_cents(value: Decimal) -> Decimal:
    """Round ``value`` to the cent, half up (ties away from zero).

    >>> round_cents(Decimal("5365.074999"))
    Decimal('5365.07')
    >>> round_cents(Decimal("0.005")), round_cents(Decimal("-0.005"))
    (Decimal('0.01'), Decimal('-0.01'))
    """
    rounded = value.quantize(CENT, rounding=ROUND_HALF_UP)
    return rounded if rounded else ZERO  # never a "-0.00"


def exact_context(precision: int) -> decimal.Context:
    """A decimal context wide enough for exact products and sums (``precision`` digits, huge
    exponents): the engines compute exactly in it and round only through this module.  Its own
    rounding mode (half even, the IEEE default) only matters if a result exceeds ``precision``
    digits, which the engines' input bounds rule out."""
    return decimal.Context(prec=precision, rounding=decimal.ROUND_HALF_EVEN, Emax=999_999, Emin=-999_999)


def round_cents_fast(value: Decimal) -> Decimal:
    """:func:`round_cents` without the ``-0.00`` guard, for the engine's inner loop.

    Only for values known to be non-negative or already guarded by the caller; same rounding.
    """
    return _quantize(value, CENT, ROUND_HALF_UP)


_quantize = Decimal.quantize


def round_places(value: Decimal, places: int) -> Decimal:
    """Round ``value`` to ``places`` digits after the point, half up (the same rule as the cent).

    >>> round_places(Decimal("12.345"), 2), round_places(Decimal("2.5"), 0)
    (Decimal('12.35'), Decimal('3'))
    """
    quantum = _PLACES.get(places)
    if quantum is None:
        quantum = Decimal(1).scaleb(-places)
    rounded = _quantize(value, quantum, ROUND_HALF_UP)
    return rounded if rounded else rounded.copy_abs()


# the quanta of round_places, built once (the BPF rounds every trainee's hours: issue #16)
_PLACES = {places: Decimal(1).scaleb(-places) for places in range(7)}


def round_units(value: Decimal) -> int:
    """Round to the unit, half up, as an ``int`` (BPF euros and hours are whole numbers)."""
    return int(value.quantize(_ONE, rounding=ROUND_HALF_UP))


def has_places(value: Decimal, places: int = 2) -> bool:
    """True when ``value`` has no more than ``places`` significant digits after the point."""
    return value == value.quantize(Decimal(1).scaleb(-places))


def percent(numerator: Decimal, denominator: Decimal) -> Decimal:
    """``numerator / denominator × 100`` rounded to the cent, half up; ``0.00`` when the
    denominator is zero (a rate of nothing is shown as 0 %).

    The realisation rate of an action, C × p / A × 100 (sigma.md), is ``percent(C × p, A)``.

    >>> percent(Decimal("20445.47"), Decimal("21489.60"))
    Decimal('95.14')
    """
    if not denominator:
        return ZERO
    return round_cents_of_ratio(numerator * _HUNDRED, denominator)


def round_cents_of_ratio(numerator: Decimal, denominator: Decimal) -> Decimal:
    """Round the exact quotient ``numerator / denominator`` to the cent, half up.

    Same rule as :func:`round_cents`, applied to a quotient that may have no finite decimal
    expansion (for instance 11 564 × 1/3): the quotient is never computed to a limited precision,
    so a tie is recognised exactly.  Both arguments must be exact decimals (products of decimals
    are exact as long as they fit in the context precision, 28 digits by default).

    >>> round_cents_of_ratio(Decimal("1"), Decimal("3"))
    Decimal('0.33')
    >>> round_cents_of_ratio(Decimal("1"), Decimal("8"))  # 0.125, a tie
    Decimal('0.13')
    """
    if denominator < 0:
        numerator, denominator = -numerator, -denominator
    elif not denominator:
        raise ZeroDivisionError("division par zéro dans un arrondi au centime")
    scaled = numerator * _HUNDRED
    if scaled >= 0:
        quotient, remainder = divmod(scaled, denominator)
        if remainder * _TWO >= denominator:
            quotient += 1
        return quotient.scaleb(-2)
    quotient, remainder = divmod(-scaled, denominator)
    if remainder * _TWO >= denominator:
        quotient += 1
    return (-quotient).scaleb(-2) if quotient else ZERO


class DecimalParseError(ValueError):
    """A text is not a decimal number written the strict way (message in French)."""


_DECIMAL_RE = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")


def parse_decimal(
    value: object,
    *,
    max_places: int | None = None,
    minimum: Decimal | None = None,
    maximum: Decimal | None = None,
    allow_int: bool = True,
) -> Decimal:
    """Parse a decimal written strictly: ``[-]digits[.digits]``, a point as decimal separator.

    Accepts a ``str``, a ``Decimal`` (e.g. from ``json.loads(parse_float=Decimal)``) or, when
    ``allow_int``, an ``int``; refuses floats, booleans, exponents, spaces, thousands separators,
    a decimal comma, ``NaN`` and infinities.  ``max_places`` limits the digits after the point;
    ``minimum``/``maximum`` are inclusive bounds.  Raises :class:`DecimalParseError` with a French
    message that does not name the field (the caller adds it).
    """
    if isinstance(value, bool) or isinstance(value, float):
        raise DecimalParseError('doit être un nombre décimal écrit entre guillemets, par exemple "12.50"')
    if isinstance(value, int):
        if not allow_int:
            raise DecimalParseError('doit être un nombre décimal, par exemple "12.50"')
        number = Decimal(value)
    elif isinstance(value, Decimal):
        if not value.is_finite():
            raise DecimalParseError("doit être un nombre fini")
        number = value
    elif isinstance(value, str):
        if not _DECIMAL_RE.fullmatch(value):
            if "," in value:
                raise DecimalParseError(
                    f"« {value} » n'est pas un nombre : utilisez le point décimal (12.50)"
                )
            raise DecimalParseError(f"« {value} » n'est pas un nombre décimal (format attendu : 1234.56)")
        number = Decimal(value)
    else:
        raise DecimalParseError('doit être un nombre décimal, par exemple "12.50"')
    if max_places is not None and number.as_tuple().exponent < -max_places:
        raise DecimalParseError(f"au plus {max_places} chiffre(s) après la virgule")
    if minimum is not None and number < minimum:
        if minimum == 0:
            raise DecimalParseError("ne peut pas être négatif")
        raise DecimalParseError(f"doit être supérieur ou égal à {minimum}")
    if maximum is not None and number > maximum:
        raise DecimalParseError(f"doit être inférieur ou égal à {maximum}")
    return number

"""French display formats, pure functions (no Django, no locale module).

Conventions, chosen once for the whole project (the table CLI, the templates and the PDFs use
these functions):

- **Thousands separator: U+202F NARROW NO-BREAK SPACE** (``THOUSANDS_SEPARATOR``), the French
  typographic rule and the CLDR ``fr`` grouping symbol; it never breaks a number across lines.
  The seed's OCR shows a plain space ("35 400,00"): it is the same character to a reader.
- Decimal separator: a comma.  Negative amounts keep the seed's hyphen-minus: ``-6 198,93``.
- Percent sign: preceded by the same U+202F (``95,14 %``).
- Amounts and hours are shown with 2 decimals, rates (percentages) with 2 decimals; a value with
  more places is first rounded half up (:func:`formarche.utils.money.round_cents`).
- Month names capitalised as in the seed: "Avril 2023".
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

from formarche.utils.money import round_cents

__all__ = [
    "MONTHS_FR",
    "THOUSANDS_SEPARATOR",
    "format_amount",
    "format_date",
    "format_hours",
    "format_month",
    "format_rate",
    "parse_month",
]

THOUSANDS_SEPARATOR = "\u202f"

MONTHS_FR = (
    "Janvier",
    "Février",
    "Mars",
    "Avril",
    "Mai",
    "Juin",
    "Juillet",
    "Août",
    "Septembre",
    "Octobre",
    "Novembre",
    "Décembre",
)

_MONTH_RE = re.compile(r"([0-9]{4})-([0-9]{2})")


def _group(digits: str) -> str:
    head = len(digits) % 3 or 3
    parts = [digits[:head]]
    parts.extend(digits[i : i + 3] for i in range(head, len(digits), 3))
    return THOUSANDS_SEPARATOR.join(parts)


def _two_places(value: Decimal) -> str:
    text = f"{round_cents(value):f}"
    sign = ""
    if text.startswith("-"):
        sign, text = "-", text[1:]
    whole, _, cents = text.partition(".")
    return f"{sign}{_group(whole)},{cents}"


def format_amount(value: Decimal) -> str:
    """``Decimal("35400")`` → ``"35 400,00"`` (U+202F between thousands); ``-6198.93`` → ``"-6 198,93"``."""
    return _two_places(value)


def format_hours(value: Decimal) -> str:
    """Hours with 2 decimals, as the seed's volume tables: ``Decimal("4662")`` → ``"4 662,00"``."""
    return _two_places(value)


def format_rate(value: Decimal) -> str:
    """A percentage (``95.14`` means 95,14 %) → ``"95,14 %"`` (U+202F before the sign)."""
    return f"{_two_places(value)}{THOUSANDS_SEPARATOR}%"


def format_date(value: date) -> str:
    """``date(2023, 8, 8)`` → ``"08/08/2023"``."""
    return f"{value.day:02d}/{value.month:02d}/{value.year:04d}"


def parse_month(value: str) -> date:
    """``"2023-04"`` → ``date(2023, 4, 1)``; raises ``ValueError`` (French message) otherwise."""
    match = _MONTH_RE.fullmatch(value) if isinstance(value, str) else None
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise ValueError(f"« {value} » n'est pas un mois au format AAAA-MM (par exemple 2023-04)")
    return date(int(match.group(1)), int(match.group(2)), 1)


def format_month(period: date | str) -> str:
    """A period (a ``date``, any day of the month, or ``"YYYY-MM"``) → ``"Avril 2023"``."""
    if isinstance(period, str):
        period = parse_month(period)
    return f"{MONTHS_FR[period.month - 1]} {period.year}"

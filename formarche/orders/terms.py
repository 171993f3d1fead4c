"""From an Order row to the statement engine's OrderTerms (the only bridge between them)."""

from decimal import Decimal, InvalidOperation
from fractions import Fraction

from formarche.billing.engine import DEFAULT_RESORPTION_BANDS, OrderTerms, ResorptionBand, contracted_hours


def parse_bands(raw) -> tuple[ResorptionBand, ...]:
    """``[["10","20","1/3"], …]`` → bands; empty → the seed's default bands. ValueError in French."""
    if not raw:
        return DEFAULT_RESORPTION_BANDS
    if not isinstance(raw, list):
        raise ValueError("Les tranches doivent être une liste de [de %, à %, fraction].")
    bands = []
    for index, item in enumerate(raw, start=1):
        try:
            start, end, fraction = item
            bands.append(ResorptionBand(Decimal(str(start)), Decimal(str(end)), Fraction(str(fraction))))
        except (TypeError, ValueError, InvalidOperation, ZeroDivisionError) as exc:
            raise ValueError(
                f'Tranche {index} illisible : attendu [de %, à %, fraction] comme ["10","20","1/3"].'
            ) from exc
    return tuple(bands)


def order_terms(order) -> OrderTerms:
    dispositif = order.dispositif
    return OrderTerms(
        amount=order.amount,
        unit_price=order.unit_price,
        duration_months=order.duration_months,
        vat_rate=dispositif.vat_rate,
        advance_rate=dispositif.advance_rate if order.advance_paid else Decimal(0),
        cap_rate=dispositif.cap_rate,
        resorption_bands=parse_bands(dispositif.resorption_bands),
    )


def order_contracted_hours(order) -> Decimal:
    return contracted_hours(order_terms(order))

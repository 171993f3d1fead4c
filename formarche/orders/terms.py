"""From an Order row to the statement engine's OrderTerms (the only bridge between them)."""

from decimal import Decimal, InvalidOperation
from fractions import Fraction

from formarche.billing.engine import (
    DEFAULT_RESORPTION_BANDS,
    OrderTerms,
    ResorptionBand,
    TermsAmendment,
    contracted_hours,
)


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


def order_terms(order, *, amendments=None) -> OrderTerms:
    """The order's terms for the engine. ``advance_paid`` False → α = 0 (no advance deducted).

    With avenants (ADR 0020) the Order row holds the *current* terms; the engine gets the initial
    ones (the first avenant's « avant ») and one step per month in which avenants take effect (the
    last avenant of a month wins). ``amendments``: the order's avenants when the caller has them
    (a list of ``Amendment``); otherwise ``order.amendments.all()`` (prefetched or one query)."""
    dispositif = order.dispositif
    if amendments is None:
        amendments = order.amendments.all() if order.pk else ()
    amendments = sorted(amendments, key=lambda a: a.number)
    amount, price, duration = order.amount, order.unit_price, order.duration_months
    steps: dict = {}
    if amendments:
        first = amendments[0]
        amount, price, duration = first.amount_before, first.unit_price_before, first.duration_months_before
        for amendment in amendments:
            steps[amendment.effective_month] = TermsAmendment(
                number=amendment.number,
                from_period=amendment.effective_month,
                amount=amendment.amount_after,
                unit_price=amendment.unit_price_after,
                duration_months=amendment.duration_months_after,
            )
    return OrderTerms(
        amount=amount,
        unit_price=price,
        duration_months=duration,
        vat_rate=dispositif.vat_rate,
        advance_rate=dispositif.advance_rate if order.advance_paid else Decimal(0),
        cap_rate=dispositif.cap_rate,
        resorption_bands=parse_bands(dispositif.resorption_bands),
        amendments=tuple(steps[month] for month in sorted(steps)),
    )


def order_contracted_hours(order) -> Decimal:
    return contracted_hours(order_terms(order))

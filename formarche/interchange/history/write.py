"""Writing the billing history of the orders just created, by the pipeline's bulk writer."""

from __future__ import annotations

from datetime import timedelta

from formarche.billing import engine
from formarche.billing.models import Adjustment, Payment, PaymentKind, Period, PeriodStatus, Solde, Statement
from formarche.billing.selectors import solde_frozen_data
from formarche.imports.pipeline.bulk import bulk_insert
from formarche.interchange.history.parse import _noon


def write_history(parsed_orders: dict, orders: dict) -> dict:
    """Advance payments, periods and their statements, penalties and bonuses, soldes, for the
    orders just created (``orders``: number → Order), each kind inserted by ``bulk_create`` in
    batches. Returns {number: Solde}, {(order number, month): Period} and counts."""
    advances = []
    periods: dict = {}  # (order number, month) → Period
    adjustments: dict = {}  # order number → [Adjustment]
    dated = []  # (Adjustment, created_at given by the document)
    for number, entry in parsed_orders.items():
        history = entry["history"]
        order = orders[number]
        if history["advance"]:
            a = history["advance"]
            advances.append(
                Payment(
                    order=order,
                    kind=PaymentKind.ADVANCE,
                    date=a["date"],
                    amount=a["amount"],
                    reference=a["reference"],
                )
            )
        for p in sorted(history["periods"], key=lambda p: p["month"]):
            periods[number, p["month"]] = _period(order, p)
        rows = adjustments[number] = []
        for a in history["adjustments"]:
            row = Adjustment(
                order=order, kind=a["kind"], label=a["label"], amount=a["amount"], reason=a["reason"]
            )
            rows.append(row)
            if a["created_at"] is not None:
                dated.append((row, a["created_at"]))
    bulk_insert(Payment, advances)
    bulk_insert(Period, list(periods.values()))
    bulk_insert(
        Statement,
        [
            Statement.from_engine(periods[number, month], st)
            for number, entry in parsed_orders.items()
            for month, st in sorted(entry["statements"].items())
        ],
    )
    bulk_insert(Adjustment, [row for rows in adjustments.values() for row in rows])
    if dated:
        # « saisie le » is set to now on insertion (auto_now_add): the document's date replaces it
        for row, when in dated:
            row.created_at = when
        Adjustment.objects.bulk_update([row for row, _ in dated], ["created_at"], batch_size=1000)
    soldes = _soldes(parsed_orders, orders, periods, adjustments)
    bulk_insert(Solde, list(soldes.values()))
    counts = {
        "periods": len(periods),
        "adjustments": sum(len(rows) for rows in adjustments.values()),
        "soldes": len(soldes),
        "advances": len(advances),
    }
    return {"soldes": soldes, "periods": periods, "counts": counts}


def period_validated_at(p: dict):
    """When a period of the document was validated: its ``validated_at``, or, when the document
    does not say, noon on the first day of the next month."""
    return p["validated_at"] or _noon((p["month"].replace(day=28) + timedelta(days=4)).replace(day=1))


def _period(order, p: dict) -> Period:
    """A validated period with its frozen hours (validated at :func:`period_validated_at`)."""
    validated_at = period_validated_at(p)
    return Period(
        order=order,
        month=p["month"],
        status=PeriodStatus.VALIDATED,
        is_final=p["is_final"],
        validated_at=validated_at,
        realised_hours=p["realised_hours"],
        counted_unrealised_hours=p["counted_unrealised_hours"],
        realised_correction_hours=p["realised_correction_hours"],
        counted_unrealised_correction_hours=p["counted_unrealised_correction_hours"],
    )


def _soldes(parsed_orders: dict, orders: dict, periods: dict, adjustments: dict) -> dict:
    """The engine's soldes (checked equal to the document's) as rows, by order number."""
    soldes = {}
    for number, entry in parsed_orders.items():
        solde: engine.Solde | None = entry.get("engine_solde")
        if solde is None:
            continue
        order = orders[number]
        s = entry["history"]["solde"]
        statements = [entry["statements"][m] for m in sorted(entry["statements"])]
        soldes[number] = Solde(
            order=order,
            final_period=periods[number, s["final_period"]],
            amount_due=solde.amount_due,
            bonus=solde.bonus,
            penalties=solde.penalties,
            advance=solde.advance,
            instalments_paid=solde.instalments_paid,
            total_paid=solde.total_paid,
            balance_ht=solde.balance_ht,
            vat=solde.vat,
            balance_ttc=solde.balance_ttc,
            is_repayment_order=solde.is_repayment_order,
            data=solde_frozen_data(order, solde, statements, adjustments[number], statements[-1].vat_rate),
            issued_on=s["issued_on"],
            repayment_received_on=s["repayment_received_on"],
            repayment_reference=s["repayment_reference"],
        )
    return soldes

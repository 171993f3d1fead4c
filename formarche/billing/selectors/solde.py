"""Reading the solde (VSF): the advance the terms expect, the solde the engine computes over the
frozen statements, the figures frozen at issuance, the titre de reversement's context."""

from __future__ import annotations

from dataclasses import fields as dataclass_fields
from decimal import Decimal

from django.db.models import Q
from django.utils import timezone

from formarche.attendance.selectors import order_month_totals
from formarche.billing import engine
from formarche.billing.models import (
    Adjustment,
    AdjustmentKind,
    Invoice,
    InvoiceStatus,
    Payment,
    Period,
    PeriodStatus,
    Solde,
)
from formarche.orders.models import OrderStatus
from formarche.orders.terms import order_terms
from formarche.utils.formatting import format_date
from formarche.utils.money import ZERO

REOPENED = (
    "L'action est rouverte par la Région : le solde sera disponible quand l'organisme l'aura "
    "corrigée et fermée de nouveau."
)


def advance_expected(order) -> Decimal:
    """The advance of the order's terms, as the engine computes it (round(α × base), on the
    initial terms: an avenant does not change it, ADR 0020). 0 for an order « sans avance »."""
    return engine.advance_amount(order_terms(order))[0]


def validated_periods_with_statements(order) -> list[Period]:
    return list(
        Period.objects.filter(order=order, status=PeriodStatus.VALIDATED)
        .select_related("statement")
        .order_by("month")
    )


def _solde_missing(periods):
    """``(final_period, cref_invoice, missing)``: the CRE final and its invoice, or why not yet."""
    final = next((p for p in periods if p.is_final), None)
    if final is None:
        return (
            None,
            None,
            [
                "Le CRE final n'est pas validé : fermez l'action, puis validez la dernière période comme "
                "CRE final (Validation / Facturation)."
            ],
        )
    cref_invoice = Invoice.objects.live().filter(period=final).first()
    if cref_invoice is None:
        return (
            final,
            None,
            [f"La facture du CRE final ({final.label}) n'est pas émise : émettez-la (onglet A facturer)."],
        )
    return final, cref_invoice, []


def solde_correction_hours(order, periods) -> Decimal:
    """Hours recorded now minus hours frozen by the validated ``periods`` (signed): after the CRE
    final, the rectificatif of an action reopened by the Région (ADR 0021); 0 otherwise, since a
    closed action takes no hours."""
    recorded = sum((h.total for h in order_month_totals(order).values()), ZERO)
    billed = sum((p.hours for p in periods), ZERO)
    return recorded - billed


def solde_compute(order):
    """``(engine.Solde | None, final_period, cref_invoice, missing)`` — the engine's solde over the
    frozen statements of the validated periods, with today's penalties and bonuses.

    ``missing`` (French sentences) says why the solde is not available yet: the CRE final must be
    validated and its invoice issued (« Le CREF est le dernier acompte avant le solde » [seed]).
    """
    periods = validated_periods_with_statements(order)
    final, cref_invoice, missing = _solde_missing(periods)
    if not missing and order.status == OrderStatus.OPEN:
        missing = [REOPENED]
    if missing:
        return None, final, cref_invoice, missing
    bonus, penalties = Adjustment.objects.filter(order=order).totals()
    statements = [p.statement.as_engine() for p in periods]
    try:
        solde = engine.compute_solde(
            order_terms(order),
            statements,
            bonus=bonus,
            penalties=penalties,
            correction_hours=solde_correction_hours(order, periods),
        )
    except engine.EngineInputError as exc:
        return None, final, cref_invoice, [f"Le solde ne peut pas être calculé : {exc.reason}"]
    return solde, final, cref_invoice, []


def solde_frozen_data(order, solde: engine.Solde, statements, adjustments, vat_percent) -> dict:
    """What a solde keeps of its computation (JSON): the engine's figures, the statements, the
    penalties and bonuses — the solde's page, its invoice and its titre de reversement read it."""
    data = {f.name: str(getattr(solde, f.name)) for f in dataclass_fields(engine.Solde)}
    data["is_repayment_order"] = solde.is_repayment_order
    data["correction_hours"] = str(solde.correction_hours)
    data["correction_billable"] = str(solde.correction_billable)
    data["order_amount"] = str(order.amount)
    data["cumulative_billable"] = str(statements[-1].cumulative_billable)
    data["cumulative_hours"] = str(statements[-1].cumulative_hours)
    data["vat_rate_percent"] = str(vat_percent)
    data["statements"] = [
        {"period": st.period.isoformat(), "kind": str(st.kind), "total_ht": str(st.total_ht)}
        for st in statements
    ]
    data["adjustments"] = [
        {"kind": a.kind, "label": a.label, "amount": str(a.amount), "reason": a.reason} for a in adjustments
    ]
    return data


def repayment_order_context(solde: Solde) -> dict:
    """What the titre de reversement shows (a document, not an invoice)."""
    order = solde.order
    return {
        "solde": solde,
        "order": order,
        "adjustments": adjustment_rows(solde.data.get("adjustments", [])),
        "statements": solde.data.get("statements", []),
        "cumulative_billable": Decimal(solde.data["cumulative_billable"]),
        "order_amount": Decimal(solde.data["order_amount"]),
        "generated_at": timezone.now(),
    }


def order_solde(order, *, with_users: bool = False) -> Solde | None:
    """The solde of the action, once issued."""
    soldes = Solde.objects.filter(order=order)
    if with_users:
        soldes = soldes.select_related("issued_by", "repayment_recorded_by")
    return soldes.first()


def solde_payment_refusal(order) -> str | None:
    """Why the solde of ``order`` is settled (French), or None while nothing of it was paid: a
    payment recorded on a solde invoice, or the titre de reversement received (ADR 0021)."""
    solde = Solde.objects.filter(order=order).first()
    if solde is None:
        return None
    if solde.repayment_received_on:
        return (
            f"Le reversement du solde a été reçu le {format_date(solde.repayment_received_on)} : "
            "le solde est réglé."
        )
    paid = (
        Invoice.objects.filter(solde=solde)
        .filter(
            Q(status__in=[InvoiceStatus.PAID, InvoiceStatus.PARTIALLY_PAID])
            | Q(pk__in=Payment.objects.filter(invoice__solde=solde).values("invoice_id"))
        )
        .first()
    )
    if paid is not None:
        return f"La facture du solde n° {paid.number} est payée : le solde est réglé."
    return None


def solde_issued(order) -> bool:
    return Solde.objects.filter(order=order).exists()


def solde_invoices(solde: Solde) -> list[Invoice]:
    """The invoices of a solde (rejected ones included), oldest first."""
    return list(Invoice.objects.filter(solde=solde).select_related("rejection").order_by("sequence"))


def order_adjustments(order) -> list[Adjustment]:
    """The penalties and bonuses of the action, in the order they were entered."""
    return list(Adjustment.objects.filter(order=order).order_by("created_at", "pk"))


def order_adjustments_shown(queryset, order) -> list[Adjustment]:
    """The Pénalités / Bonus page's rows (``queryset`` already scoped to the tenant)."""
    return list(queryset.filter(order=order).select_related("created_by").order_by("created_at", "pk"))


def adjustment_rows(items) -> list[dict]:
    """Penalties and bonuses as the solde's pages show them: ``kind``, ``label``, ``amount``,
    ``reason`` and ``is_bonus`` (``items``: rows or the dicts frozen in a solde's data)."""
    rows = []
    for item in items:
        row = (
            dict(item)
            if isinstance(item, dict)
            else {
                "kind": item.kind,
                "label": item.label,
                "amount": item.amount,
                "reason": item.reason,
            }
        )
        row["is_bonus"] = row["kind"] == AdjustmentKind.BONUS
        rows.append(row)
    return rows


def order_adjustments_queryset(order):
    """The penalties and bonuses of the action, not evaluated (the caller scopes them)."""
    return Adjustment.objects.filter(order=order)

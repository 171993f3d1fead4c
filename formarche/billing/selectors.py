"""Reading billing data: hours of a period to freeze, the rows of the four tabs, the Région's
list, the audit trail. One query per kind of row, whatever the number of periods or invoices."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import F, Prefetch
from django.utils import timezone

from formarche.attendance.selectors import order_month_totals
from formarche.billing.models import (
    Adjustment,
    Invoice,
    InvoiceStatus,
    Payment,
    PaymentKind,
    Period,
    PeriodStatus,
    Rejection,
    Solde,
    Statement,
)
from formarche.utils.dates import month_bounds, months_between
from formarche.utils.money import ZERO

# --------------------------------------------------------------------------------------------
# Hours of a period
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PeriodHours:
    """What validating ``month`` would freeze.

    ``realised``/``counted_unrealised`` = hours through the month − hours billed by earlier
    validated periods (so corrections of earlier months flow in); ``*_correction`` = the part of
    them that is not dated in the month itself (the rectificatif).
    """

    month: date
    realised: Decimal
    counted_unrealised: Decimal
    realised_correction: Decimal
    counted_unrealised_correction: Decimal
    pending_months: tuple[date, ...] = ()  # earlier months with hours, not validated, after the last period

    @property
    def total(self) -> Decimal:
        return self.realised + self.counted_unrealised


def period_hours(order, month: date, *, month_totals=None, validated=None) -> PeriodHours:
    """Hours of ``month`` for its statement (two queries, or none when the caller passes them)."""
    if month_totals is None:
        month_totals = order_month_totals(order)
    if validated is None:
        validated = list(Period.objects.filter(order=order, status=PeriodStatus.VALIDATED, month__lt=month))
    else:
        validated = [p for p in validated if p.month < month]
    billed_realised = sum((p.realised_hours for p in validated), ZERO)
    billed_counted = sum((p.counted_unrealised_hours for p in validated), ZERO)
    through_realised = sum((h.realised for m, h in month_totals.items() if m <= month), ZERO)
    through_counted = sum((h.counted_unrealised for m, h in month_totals.items() if m <= month), ZERO)
    own = month_totals.get(month)
    own_realised = own.realised if own else ZERO
    own_counted = own.counted_unrealised if own else ZERO
    last_validated = max((p.month for p in validated), default=None)
    pending = tuple(
        m
        for m, h in sorted(month_totals.items())
        if m < month and (last_validated is None or m > last_validated) and h.total
    )
    realised = through_realised - billed_realised
    counted = through_counted - billed_counted
    return PeriodHours(
        month=month,
        realised=realised,
        counted_unrealised=counted,
        realised_correction=realised - own_realised,
        counted_unrealised_correction=counted - own_counted,
        pending_months=pending,
    )


# --------------------------------------------------------------------------------------------
# Tabs of Validation / Facturation
# --------------------------------------------------------------------------------------------


@dataclass
class ValidationRow:
    month: date
    realised: Decimal
    counted_unrealised: Decimal
    period: Period | None
    statement: Statement | None
    can_validate: bool = False
    controls: str = ""
    blocking: list[str] = field(default_factory=list)

    @property
    def total(self) -> Decimal:
        return self.realised + self.counted_unrealised


def controls_for(order, month):
    """The attendance controls of the month: ``(label, blocking messages, warning count)``.

    Without the attendance controls module: ``("Non disponibles", [], 0)``.
    """
    try:
        from formarche.attendance.controls import run_controls
    except ImportError:  # pragma: no cover - the attendance app provides it
        return "Non disponibles", [], 0
    report = run_controls(order, month)
    warnings = sum(1 for issue in report.warnings if issue.month <= month)
    if report.can_validate(month):
        label = f"Conformes ({warnings} alerte{'s' if warnings > 1 else ''})" if warnings else "Conformes"
        return label, [], warnings
    blocking = [issue.message for issue in report.blocking_for(month)]
    return "Anomalies bloquantes", blocking, warnings


def validation_rows(order, *, today: date | None = None) -> list[ValidationRow]:
    """Suivi des validations: every month of the action, its hours, its period and statement."""
    today = today or timezone.localdate()
    month_totals = order_month_totals(order)
    periods = {
        p.month: p for p in Period.objects.filter(order=order).select_related("statement", "validated_by")
    }
    end = order.real_end or order.planned_end
    months = months_between(order.planned_start, end)
    extra = sorted(set(month_totals) | set(periods))
    months = sorted(set(months) | set(extra))
    last_validated = max((m for m, p in periods.items() if p.is_validated), default=None)
    final_done = any(p.is_validated and p.is_final for p in periods.values())
    next_candidate = None
    for month in months:
        if last_validated is not None and month <= last_validated:
            continue
        if month_totals.get(month) and month_totals[month].total or month == months[-1]:
            next_candidate = month
            break
    rows = []
    for month in months:
        hours = month_totals.get(month)
        period = periods.get(month)
        statement = getattr(period, "statement", None) if period and period.is_validated else None
        row = ValidationRow(
            month=month,
            realised=hours.realised if hours else ZERO,
            counted_unrealised=hours.counted_unrealised if hours else ZERO,
            period=period,
            statement=statement,
        )
        if period is None or not period.is_validated:
            if month == next_candidate and not final_done and month_bounds(month)[1] < today:
                row.controls, row.blocking, _ = controls_for(order, month)
                row.can_validate = not row.blocking
            elif month_bounds(month)[1] >= today:
                row.controls = "Période en cours"
            else:
                row.controls = "—"
        else:
            row.controls = "Validée"
        rows.append(row)
    return rows


def _payments_prefetch():
    return Prefetch("payments", queryset=Payment.objects.order_by("date", "pk"))


def order_invoices(order):
    """Every invoice of the action with its payments, rejection and period (constant queries)."""
    return list(
        Invoice.objects.filter(order=order)
        .with_labels()
        .select_related("rejection", "rejection__rejected_by", "replaces")
        .prefetch_related(_payments_prefetch())
        .order_by(F("period__month").asc(nulls_last=True), "sequence")
    )


def periods_to_invoice(order):
    """A facturer: validated periods with a statement and no live invoice."""
    return list(
        Period.objects.filter(order=order, status=PeriodStatus.VALIDATED, statement__isnull=False)
        .exclude(pk__in=Invoice.objects.live().values("period_id"))
        .select_related("statement", "order__provider")
        .order_by("month")
    )


def order_advance(order) -> Payment | None:
    return Payment.objects.filter(order=order, kind=PaymentKind.ADVANCE).select_related("recorded_by").first()


@dataclass
class InvoiceLine:
    """An invoice with what the lists show: paid so far, last payment, deadline, late interest."""

    invoice: Invoice
    paid: Decimal
    last_payment: date | None
    due_date: date | None
    late_interest: Decimal
    days_late: int

    @property
    def remaining(self) -> Decimal:
        return self.invoice.payable_ttc - self.paid if self.invoice.status != InvoiceStatus.REJECTED else ZERO


def invoice_lines(invoices, *, today: date | None = None) -> list[InvoiceLine]:
    today = today or timezone.localdate()
    lines = []
    for invoice in invoices:
        payments = list(invoice.payments.all())
        interest, days = invoice.late_interest(payments, today)
        lines.append(
            InvoiceLine(
                invoice=invoice,
                paid=sum((p.amount for p in payments), ZERO),
                last_payment=max((p.date for p in payments), default=None),
                due_date=invoice.payment_due_date,
                late_interest=interest,
                days_late=days,
            )
        )
    return lines


STATUS_FILTERS = {
    "a-valider": [InvoiceStatus.SIGNED],
    "a-signer": [InvoiceStatus.ISSUED],
    "a-payer": [InvoiceStatus.VALIDATED, InvoiceStatus.PARTIALLY_PAID],
    "payees": [InvoiceStatus.PAID],
    "rejetees": [InvoiceStatus.REJECTED],
}


def tenant_invoices_queryset(queryset, status_filter: str | None):
    """The invoices list (``factures/``), already scoped by the caller, not evaluated (the page
    paginates it); constant queries. ``pk`` last: a stable order from one page to the next.

    Only the action and the period are joined: the list shows nothing else of the related rows
    (the seller's name is frozen on the invoice); the other joins of ``with_labels`` (provider,
    Région, lot, statement, solde) were built into ~350 objects for a page of 50 (issue #8)."""
    qs = (
        queryset.select_related("order", "period")
        .prefetch_related(_payments_prefetch())
        .order_by("received_on", "issue_date", "sequence", "pk")
    )
    if status_filter in STATUS_FILTERS:
        qs = qs.filter(status__in=STATUS_FILTERS[status_filter])
    return qs


def tenant_invoices(queryset, status_filter: str | None):
    """:func:`tenant_invoices_queryset` as a list."""
    return list(tenant_invoices_queryset(queryset, status_filter))


# --------------------------------------------------------------------------------------------
# Audit trail
# --------------------------------------------------------------------------------------------


@dataclass
class AuditEntry:
    when: object
    who: str
    what: str
    changes: list[tuple[str, str, str]]  # (field label, before, after)


_AUDIT_SKIP = {"id", "data", "seller", "buyer", "signature_report", "document", "signed_file", "computed_at"}


def _history_entries(records, label) -> list[AuditEntry]:
    entries = []
    previous = None
    for record in records:
        who = str(record.history_user) if record.history_user_id else "système"
        if previous is None:
            what = f"{label} : création" if record.history_type == "+" else f"{label} : modification"
            changes = [
                (f.verbose_name, "", _display(record, f.name))
                for f in record.instance._meta.concrete_fields
                if f.name
                in {
                    "status",
                    "amount",
                    "number",
                    "payable_ttc",
                    "reason",
                    "realised_hours",
                    "counted_unrealised_hours",
                    "total_ttc",
                    "last_number",
                    "date",
                    "is_final",
                }
            ]
        else:
            what = f"{label} : modification"
            delta = record.diff_against(previous)
            changes = [
                (
                    record.instance._meta.get_field(change.field).verbose_name,
                    _display(previous, change.field),
                    _display(record, change.field),
                )
                for change in delta.changes
                if change.field not in _AUDIT_SKIP
            ]
            if not changes:
                previous = record
                continue
        entries.append(AuditEntry(when=record.history_date, who=who, what=what, changes=changes))
        previous = record
    return entries


def _display(record, name):
    field_ = record.instance._meta.get_field(name)
    if getattr(field_, "related_model", None) is not None:
        if getattr(record, f"{name}_id", None) is None:
            return "—"
        try:
            return str(getattr(record, name))
        except Exception:  # the related row is gone: its id is all history keeps
            return str(getattr(record, f"{name}_id"))
    value = getattr(record, name, None)
    if field_.choices:
        return dict(field_.flatchoices).get(value, value)
    if value is None or value == "":
        return "—"
    from formarche.ui.templatetags.fm import date_fr, euros

    if isinstance(value, Decimal):
        return euros(value)
    if isinstance(value, date):
        return date_fr(value)
    if isinstance(value, bool):
        return "oui" if value else "non"
    return str(value)


def invoice_audit(invoice: Invoice) -> list[AuditEntry]:
    """Who did what on the invoice, its payments, its rejection and its period, oldest first."""
    entries = _history_entries(
        invoice.history.select_related("history_user").order_by("history_date", "history_id"), "Facture"
    )
    for payment in invoice.payments.all():
        entries += _history_entries(
            payment.history.select_related("history_user").order_by("history_date", "history_id"), "Paiement"
        )
    rejection = Rejection.objects.filter(invoice=invoice).first()
    if rejection:
        entries += _history_entries(
            rejection.history.select_related("history_user").order_by("history_date", "history_id"), "Rejet"
        )
    if invoice.period_id:
        entries += _history_entries(
            invoice.period.history.select_related("history_user").order_by("history_date", "history_id"),
            "Période",
        )
    return sorted(entries, key=lambda e: e.when)


def order_audit(order) -> list[AuditEntry]:
    """The action's billing history: periods, invoices, payments (newest first)."""
    entries = []
    model_labels = (
        (Period, "Période"),
        (Invoice, "Facture"),
        (Payment, "Paiement"),
        (Adjustment, "Pénalité / bonus"),
        (Solde, "Solde"),
    )
    for model, label in model_labels:
        history = (
            model.history.filter(order_id=order.pk)
            .select_related("history_user")
            .order_by("id", "history_date", "history_id")
        )
        by_object = {}
        for record in history:
            by_object.setdefault(record.id, []).append(record)
        for records in by_object.values():
            name = label
            first = records[-1]
            if model is Period:
                from formarche.utils.formatting import format_month

                name = f"Période {format_month(first.month)}"
            elif model is Invoice:
                name = f"Facture {first.number}"
            entries += _history_entries(records, name)
    return sorted(entries, key=lambda e: e.when, reverse=True)

"""The audit trail of an invoice and of an action: who did what, from the change history."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from formarche.billing.models import Adjustment, CreditNote, Invoice, Payment, Period, Rejection, Solde
from formarche.ui.templatetags.fm import date_fr, euros
from formarche.utils.formatting import format_month

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
    credit_note = CreditNote.objects.filter(invoice=invoice).first()
    if credit_note:
        entries += _history_entries(
            credit_note.history.select_related("history_user").order_by("history_date", "history_id"),
            f"Avoir {credit_note.number}",
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
        (CreditNote, "Avoir"),
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
                name = f"Période {format_month(first.month)}"
            elif model is Invoice:
                name = f"Facture {first.number}"
            elif model is CreditNote:
                name = f"Avoir {first.number}"
            entries += _history_entries(records, name)
    return sorted(entries, key=lambda e: e.when, reverse=True)

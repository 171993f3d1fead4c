"""Periods, their frozen statements, invoices, their numbering, payments and rejections.

- A :class:`Period` is one calendar month of an order. Validating it (``services.period_validate``)
  freezes its hours (``realised_hours`` …, the part that is a correction of earlier months kept
  apart) and stores the statement engine's output in a :class:`Statement` row, so that pages,
  PDFs and Factur-X XML all show the same figures, never recomputed.
- An :class:`Invoice` is issued from a validated period (``services.invoice_issue``) with the
  next number of its organisation's :class:`InvoiceCounter` for the year, taken inside the issuing
  transaction. It goes émise → signée (signed PDF uploaded, then locked) → validée by the Région
  (or rejetée, with a :class:`Rejection` and the :class:`CreditNote` (avoir) that cancels it,
  issued in the same transaction and numbered in the same sequence; the OF then issues a
  corrected invoice for the same period) → partiellement payée → payée (:class:`Payment`). An advance payment is a
  :class:`Payment` of kind « avance » with no invoice.

Every model carries ``history = HistoricalRecords()``: who changed what and when (the audit trail
shown on the invoice and action pages). Every QuerySet has ``for_tenant``. One module per
subject; this package re-exports them all.
"""

from formarche.billing.models.credit_notes import CreditNote, CreditNoteQuerySet
from formarche.billing.models.group import MemberStatement
from formarche.billing.models.invoices import (
    INVOICE_SUPPORTS,
    LIVE_STATUSES,
    SUPPORT_SOLDE,
    Invoice,
    InvoiceCounter,
    InvoiceQuerySet,
    InvoiceStatus,
    Rejection,
    late_interest_rate,
    payment_delay_days,
)
from formarche.billing.models.payments import Payment, PaymentKind
from formarche.billing.models.periods import (
    Period,
    PeriodStatus,
    Statement,
    statement_from_json,
    statement_to_json,
)
from formarche.billing.models.solde import Adjustment, AdjustmentKind, Solde

__all__ = [
    "INVOICE_SUPPORTS",
    "LIVE_STATUSES",
    "SUPPORT_SOLDE",
    "Adjustment",
    "AdjustmentKind",
    "CreditNote",
    "CreditNoteQuerySet",
    "Invoice",
    "InvoiceCounter",
    "InvoiceQuerySet",
    "InvoiceStatus",
    "MemberStatement",
    "Payment",
    "PaymentKind",
    "Period",
    "PeriodStatus",
    "Rejection",
    "Solde",
    "Statement",
    "late_interest_rate",
    "payment_delay_days",
    "statement_from_json",
    "statement_to_json",
]

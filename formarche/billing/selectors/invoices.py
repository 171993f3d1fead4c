"""Reading the invoices: the tabs' invoices and payments, the Région's list, the parties frozen on
an invoice, the expected name of the signed file. One query per kind of row."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.db.models import F, Prefetch
from django.utils import timezone

from formarche.billing import signatures
from formarche.billing.models import Invoice, InvoiceStatus, Payment, PaymentKind, Period, PeriodStatus
from formarche.utils.money import ZERO


def _payments_prefetch():
    return Prefetch("payments", queryset=Payment.objects.order_by("date", "pk"))


def order_invoices(order):
    """Every invoice of the action with its payments, rejection and period (constant queries)."""
    return list(
        Invoice.objects.filter(order=order)
        .with_labels()
        .select_related("rejection", "rejection__rejected_by", "replaces", "credit_note")
        .prefetch_related(_payments_prefetch())
        .order_by(F("period__month").asc(nulls_last=True), "sequence")
    )


def periods_to_invoice(order):
    """A facturer: validated periods with a statement and no live invoice.

    The live invoices are those of this order's periods only: a solde invoice has no period, and
    one NULL in ``NOT IN (…)`` makes the whole test unknown in SQL — the tab was empty as soon as
    any live solde invoice existed anywhere."""
    live = Invoice.objects.live().filter(order=order, period__isnull=False).values("period_id")
    return list(
        Period.objects.filter(order=order, status=PeriodStatus.VALIDATED, statement__isnull=False)
        .exclude(pk__in=live)
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
    can_upload_signed: bool = False  # set by the view (billing.perms)
    offers_payment: bool = False  # set by the view (billing.perms)

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
        queryset.select_related("order", "period", "credit_note")
        .prefetch_related(_payments_prefetch())
        .order_by("received_on", "issue_date", "sequence", "pk")
    )
    if status_filter in STATUS_FILTERS:
        qs = qs.filter(status__in=STATUS_FILTERS[status_filter])
    return qs


def tenant_invoices(queryset, status_filter: str | None):
    """:func:`tenant_invoices_queryset` as a list."""
    return list(tenant_invoices_queryset(queryset, status_filter))


def period_rejected_invoices(order) -> dict:
    """The rejected invoices of the action, by period id (A facturer shows their motive)."""
    return {
        inv.period_id: inv
        for inv in Invoice.objects.filter(order=order, status=InvoiceStatus.REJECTED).select_related(
            "rejection", "credit_note"
        )
    }


def period_live_invoice(period) -> Invoice | None:
    """The invoice of ``period`` that is not rejected, if any (one live invoice per period)."""
    return Invoice.objects.live().filter(period=period).first()


def invoice_for_tenant():
    """The invoices a detail page reaches (the caller scopes them to the tenant)."""
    return Invoice.objects.with_labels().select_related(
        "rejection", "rejection__rejected_by", "replaces", "credit_note"
    )


def invoice_party_data(organisation, *, seller: bool) -> dict:
    """The seller's (or buyer's) identity frozen on an invoice at issuance."""
    data = {
        "name": organisation.name,
        "siret": organisation.siret,
        "address_lines": [organisation.address] if organisation.address else [],
        "postcode": organisation.postcode,
        "city": organisation.city,
    }
    if seller:
        data["vat_number"] = organisation.vat_number or None
        data["activity_declaration_number"] = organisation.nda or None
        data["activity_declaration_region"] = organisation.nda_region or None
        data["provider_code"] = organisation.provider_code
    return data


def invoice_expected_filename(invoice: Invoice) -> str:
    """``N° BDC_ORGANISME_CRE AVRIL 2023.pdf``, ``…_CRE FINAL.pdf`` [seed], ``…_SOLDE.pdf`` [design]."""
    return signatures.expected_signed_filename(
        invoice.order.number,
        invoice.seller["name"],
        invoice.support,
        invoice.period.month if invoice.period_id else None,
    )


def invoice_not_issued_message(invoice: Invoice) -> str:
    """Why a signed file cannot be deposited on ``invoice`` any more (French)."""
    if invoice.status == InvoiceStatus.REJECTED:
        if invoice.is_solde:
            return "La facture du solde a été rejetée : émettez-la de nouveau (page VSF / Solde)."
        return f"La facture {invoice.period.label} a été rejetée : émettez une nouvelle facture pour cette période."
    return (
        f"La facture signée de la période {invoice.period_label} est déjà enregistrée : "
        "la facture ne peut plus être modifiée. En cas d'erreur, demandez son rejet à votre référent Région."
    )


DEFAULT_MAX_SIGNED_BYTES = 10 * 1024 * 1024


def signed_invoice_max_bytes() -> int:
    """The largest signed PDF accepted (``FORMARCHE_SIGNED_INVOICE_MAX_BYTES``, 10 Mo by default)."""
    return int(getattr(settings, "FORMARCHE_SIGNED_INVOICE_MAX_BYTES", DEFAULT_MAX_SIGNED_BYTES))


def signed_invoice_trust_roots() -> list[bytes]:
    """Certificates (PEM or DER bytes) of the accepted certification authorities.

    ``FORMARCHE_SIGNATURE_TRUST_ROOTS``: a path to a PEM/DER file or to a directory (every
    ``.pem``, ``.crt``, ``.cer``, ``.der`` in it), or a list of such paths; a path that does not
    exist is skipped. Default: none, so every signature is refused as "non reconnue" until roots
    are configured.
    """
    configured = getattr(settings, "FORMARCHE_SIGNATURE_TRUST_ROOTS", None) or []
    if isinstance(configured, str | Path):
        configured = [configured]
    roots = []
    for entry in configured:
        path = Path(entry)
        if not path.exists():  # e.g. the demo CA before `formarche demo` created it
            continue
        files = (
            sorted(p for p in path.iterdir() if p.suffix.lower() in {".pem", ".crt", ".cer", ".der"})
            if path.is_dir()
            else [path]
        )
        roots.extend(p.read_bytes() for p in files)
    return roots

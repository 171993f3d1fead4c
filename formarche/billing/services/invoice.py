"""Issuing an invoice (Emettre la facture) and the Région's decisions on it (validate, reject).

:func:`invoice_issue` takes the next number of the organisation's yearly counter inside the
transaction (row locked) and builds the Factur-X PDF/A-3; one live invoice per period.
:func:`invoice_create` is the one place an invoice row and its PDF are made (the solde's invoice
too)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from formarche.billing import facturx, notifications
from formarche.billing.models import Invoice, InvoiceStatus, Period, Rejection, Statement
from formarche.billing.selectors import invoice_document, invoice_party_data, period_live_invoice
from formarche.billing.services._common import (
    BillingError,
    as_user,
    lock_invoice,
    require_not_archived,
    store_file,
)
from formarche.billing.services.credit_note import credit_note_issue
from formarche.billing.services.numbering import invoice_counter_lock, invoice_number_take


def invoice_create(
    *,
    order,
    user,
    today: dt.date,
    replaces: Invoice | None,
    what: str,
    filename_suffix: str = "",
    provider=None,
    **figures,
) -> Invoice:
    """Number, build, store and announce a new invoice of ``order`` (inside the caller's transaction).

    ``figures`` are the invoice's own fields (period or solde, support, amounts); ``what`` names the
    invoice in the refusal (« La facture », « La facture du solde »). ``provider`` is the issuer
    when it is not the order's provider: a co-traitant of a group (ADR 0018).
    """
    provider = provider or order.provider
    seller, buyer = invoice_party_data(provider, seller=True), invoice_party_data(order.region, seller=False)
    sequence, number = invoice_number_take(organisation=provider, year=today.year)
    invoice = Invoice(
        order=order,
        organisation=provider,
        year=today.year,
        sequence=sequence,
        number=number,
        status=InvoiceStatus.ISSUED,
        issue_date=today,
        issued_by=user,
        seller=seller,
        buyer=buyer,
        replaces=replaces,
        **figures,
    )
    try:
        pdf = facturx.build_facturx_pdf(invoice_document(invoice))
    except (facturx.InvoiceDataError, ValueError) as exc:
        raise BillingError(f"{what} ne peut pas être établie : {exc}") from exc
    store_file(
        invoice.document, f"{number}_{order.number}{filename_suffix}.pdf", pdf, what="le PDF de la facture"
    )
    as_user(invoice, user).save()
    transaction.on_commit(lambda: notifications.invoice_issued(invoice))
    return invoice


def _issuable_period_statement_checks(period: Period) -> Statement:
    """The period is validated and has its statement (whoever issues the invoice)."""
    label = period.label
    if not period.is_validated:
        raise BillingError(f"La période {label} n'est pas validée : validez-la avant d'émettre la facture.")
    try:
        statement = period.statement
    except Statement.DoesNotExist:
        raise BillingError(
            f"La période {label} n'a pas de relevé : elle ne peut pas être facturée."
        ) from None
    return statement


def _issuable_statement(period: Period) -> Statement:
    label = period.label
    statement = _issuable_period_statement_checks(period)
    live = period_live_invoice(period)
    if live:
        raise BillingError(f"La facture de la période {label} est déjà émise (n° {live.number}).")
    return statement


@transaction.atomic
def invoice_issue(*, period: Period, user, today: dt.date | None = None) -> Invoice:
    """Issue the invoice of a validated period (Emettre la facture)."""
    today = today or timezone.localdate()
    # of=("self",): only the period row — not the order, its organisations and lot that the join
    # reads (locking the organisation rows made a concurrent rejection wait on them, ADR 0025)
    period = (
        Period.objects.select_for_update(of=("self",))
        .select_related("order__provider", "order__region", "order__lot")
        .get(pk=period.pk)
    )
    require_not_archived(period.order, "aucune facture ne peut plus être émise.")
    if period.order.members.exists():
        raise BillingError(
            "Cette action est réalisée en groupement : chaque membre émet la facture de sa part depuis "
            "la page « Groupement » de l'action."
        )
    statement = _issuable_statement(period)
    rejected = Invoice.objects.filter(
        period=period, status=InvoiceStatus.REJECTED, replaced_by__isnull=True
    ).first()
    return invoice_create(
        order=period.order,
        user=user,
        today=today,
        replaces=rejected,
        what="La facture",
        period=period,
        support=statement.kind,
        billed_ht=statement.billable,
        billed_ttc=statement.billed_ttc,
        payable_ht=statement.total_ht,
        vat=statement.vat,
        payable_ttc=statement.total_ttc,
    )


@transaction.atomic
def invoice_validate(*, invoice: Invoice, user) -> Invoice:
    """The Région validates a signed invoice (paid at once when nothing is to pay)."""
    invoice = lock_invoice(invoice)
    require_not_archived(invoice.order, "ses factures ne peuvent plus être validées.")
    if invoice.status in {InvoiceStatus.VALIDATED, InvoiceStatus.PARTIALLY_PAID, InvoiceStatus.PAID}:
        raise BillingError(f"La facture {invoice.number} est déjà validée : rien n'a été modifié.")
    if invoice.status != InvoiceStatus.SIGNED:
        raise BillingError("Seule une facture signée, en attente de validation, peut être validée.")
    invoice.status = InvoiceStatus.VALIDATED if invoice.payable_ttc > 0 else InvoiceStatus.PAID
    invoice.decided_at = timezone.now()
    invoice.decided_by = user
    as_user(invoice, user).save()
    return invoice


@transaction.atomic
def invoice_reject(*, invoice: Invoice, user, reason: str, today: dt.date | None = None) -> Invoice:
    """The Région rejects an issued or signed invoice, with a reason the organisation reads; the
    avoir cancelling it is issued in the same transaction (:func:`credit_note_issue`, ADR 0019)."""
    reason = (reason or "").strip()
    if not reason:
        raise BillingError("Indiquez le motif du rejet : l'organisme le lira pour corriger sa facture.")
    invoice = lock_invoice(invoice)
    require_not_archived(invoice.order, "ses factures ne peuvent plus être rejetées.")
    if invoice.status not in {InvoiceStatus.ISSUED, InvoiceStatus.SIGNED}:
        raise BillingError(
            "Cette facture ne peut plus être rejetée : elle est déjà validée, payée ou rejetée."
        )
    # the avoir's counter before any write: the lock order of every issuance (ADR 0019, 0025)
    avoir_year = max(today or timezone.localdate(), invoice.issue_date).year
    invoice_counter_lock(organisation=invoice.organisation, year=avoir_year)
    invoice.status = InvoiceStatus.REJECTED
    invoice.decided_at = timezone.now()
    invoice.decided_by = user
    as_user(invoice, user).save()
    rejection = as_user(Rejection(invoice=invoice, reason=reason, rejected_by=user), user)
    rejection.save()
    credit_note_issue(invoice=invoice, user=user, reason=reason, today=today)
    transaction.on_commit(lambda: notifications.invoice_rejected(invoice, rejection))
    return invoice

"""The avoir (credit note) that cancels a rejected invoice (ADR 0019).

:func:`credit_note_issue` is called by :func:`formarche.billing.services.invoice.invoice_reject`
inside its transaction: the rejection, the avoir (next number of the organisation's yearly
counter, the same sequence as its invoices) and the avoir's Factur-X PDF are written together or
not at all. A rejected invoice therefore always has its avoir; the period (or the solde) can then
be invoiced again."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from formarche.billing import facturx
from formarche.billing.models import CreditNote, Invoice, InvoiceStatus
from formarche.billing.selectors import credit_note_document
from formarche.billing.services._common import BillingError, as_user, store_file
from formarche.billing.services.numbering import invoice_number_take


@transaction.atomic
def credit_note_issue(*, invoice: Invoice, user, reason: str, today: dt.date | None = None) -> CreditNote:
    """Issue the avoir cancelling ``invoice`` (already rejected, in the caller's transaction)."""
    if invoice.status != InvoiceStatus.REJECTED:
        raise BillingError("Un avoir n'annule qu'une facture rejetée.")
    existing = CreditNote.objects.filter(invoice=invoice).first()
    if existing is not None:
        raise BillingError(
            f"La facture {invoice.number} est déjà annulée par l'avoir n° {existing.number} : rien n'a été modifié."
        )
    today = max(today or timezone.localdate(), invoice.issue_date)
    organisation = invoice.organisation
    sequence, number = invoice_number_take(organisation=organisation, year=today.year)
    credit_note = CreditNote(
        invoice=invoice,
        order=invoice.order,
        organisation=organisation,
        year=today.year,
        sequence=sequence,
        number=number,
        issue_date=today,
        issued_by=user,
        reason=reason,
        billed_ht=invoice.billed_ht,
        billed_ttc=invoice.billed_ttc,
        payable_ht=invoice.payable_ht,
        vat=invoice.vat,
        payable_ttc=invoice.payable_ttc,
    )
    try:
        document = credit_note_document(credit_note)
        pdf = facturx.build_facturx_pdf(document)
    except (facturx.InvoiceDataError, ValueError) as exc:
        raise BillingError(
            f"L'avoir annulant la facture {invoice.number} ne peut pas être établi : {exc}"
        ) from exc
    if (
        document.amount_due != invoice.payable_ttc
    ):  # the frozen statement no longer gives the invoice's figures
        raise BillingError(
            f"L'avoir annulant la facture {invoice.number} ne peut pas être établi : son montant "
            f"({document.amount_due}) diffère de celui de la facture ({invoice.payable_ttc})."
        )
    store_file(
        credit_note.document,
        f"{number}_avoir_{invoice.number}_{invoice.order.number}.pdf",
        pdf,
        what="le PDF de l'avoir",
    )
    as_user(credit_note, user).save()
    return credit_note

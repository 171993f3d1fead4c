"""The avoir (credit note) of a rejected invoice: its PDF (Factur-X PDF/A-3 as issued) and its
Factur-X XML, extracted from that PDF (the bytes issued, never rebuilt). Reached through the
cancelled invoice, so the invoice's tenancy applies (OF: its invoices; Région: the ones it
ordered; 404 otherwise)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils.http import content_disposition_header

from formarche.accounts.tenancy import tenant_required
from formarche.billing import signed_check
from formarche.billing.views._common import file_response, invoice_or_404
from formarche.utils.storage import StorageUnavailable, StoredFileMissing, file_read

NO_CREDIT_NOTE = "Cette facture n'est pas annulée : aucun avoir n'a été établi."
NO_DOCUMENT = (
    "L'avoir n° {number} a été importé d'un autre système sans son PDF : formarche ne peut pas le "
    "télécharger."
)


def _credit_note_or_redirect(request, invoice_id):
    invoice = invoice_or_404(request, invoice_id)
    credit_note = getattr(invoice, "credit_note", None) if invoice.is_rejected else None
    if credit_note is None:
        messages.info(request, NO_CREDIT_NOTE)
        return invoice, None
    if not credit_note.document:  # imported (interchange format): the PDF does not travel
        messages.info(request, NO_DOCUMENT.format(number=credit_note.number))
        return invoice, None
    return invoice, credit_note


@tenant_required()
def credit_note_pdf(request, invoice_id):
    invoice, credit_note = _credit_note_or_redirect(request, invoice_id)
    if credit_note is None:
        return redirect("billing:invoice", invoice_id=invoice.pk)
    return file_response(
        request, credit_note.document, f"Avoir_{credit_note.number}_{invoice.order.number}.pdf"
    )


@tenant_required()
def credit_note_xml(request, invoice_id):
    invoice, credit_note = _credit_note_or_redirect(request, invoice_id)
    if credit_note is None:
        return redirect("billing:invoice", invoice_id=invoice.pk)
    try:
        pdf = file_read(credit_note.document)
    except (StoredFileMissing, StorageUnavailable):
        # the same French 404 / 503 pages as every stored file
        return file_response(request, credit_note.document, "factur-x.xml")
    xml = signed_check.embedded_facturx_xml(pdf)
    if xml is None:
        messages.error(
            request, "Le PDF de l'avoir ne contient pas de XML Factur-X : prévenez l'administrateur."
        )
        return redirect("billing:invoice", invoice_id=invoice.pk)
    response = HttpResponse(xml, content_type="application/xml")
    response["Content-Disposition"] = content_disposition_header(
        True, f"Avoir_{credit_note.number}_factur-x.xml"
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response

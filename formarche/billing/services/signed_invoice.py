"""The signed invoice (Ajouter une facture signée): the PDF is checked (content, size, name,
signature, and that it is the invoice issued: :mod:`formarche.billing.signed_check`) before
anything is stored; then the invoice is locked."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from formarche.billing import notifications, signatures, signed_check
from formarche.billing.models import Invoice, InvoiceStatus
from formarche.billing.selectors import (
    invoice_expected_filename,
    invoice_not_issued_message,
    signed_invoice_max_bytes,
    signed_invoice_trust_roots,
)
from formarche.billing.services._common import BillingError, as_user, require_not_archived, store_file
from formarche.utils.storage import StorageUnavailable, StoredFileMissing, file_read


def _report_json(report, *, checked: bool) -> dict:
    return {
        "checked": checked,
        "ok": report.ok if report else None,
        "filename": report.filename if report else "",
        "signer": report.signer_common_name if report else None,
        "signing_time": report.signing_time.isoformat() if report and report.signing_time else None,
        "covers_whole_file": report.covers_whole_file if report else None,
        "chain_valid": report.chain_valid if report else None,
        "signatures": [
            {
                "field": s.field_name,
                "signer": s.signer_common_name,
                "subject": s.signer_subject,
                "intact": s.intact,
                "valid": s.valid,
                "coverage": s.coverage,
                "chain_valid": s.chain_valid,
            }
            for s in (report.signatures if report else [])
        ],
        "checked_at": timezone.now().isoformat(),
    }


def _checked_report(data: bytes, filename: str, expected: str):
    # Checked before the transaction: pyHanko's validation takes time, no lock is held meanwhile.
    report = signatures.check_signed_pdf(
        data,
        filename,
        expected_filename=expected,
        max_bytes=signed_invoice_max_bytes(),
        trust_roots=signed_invoice_trust_roots(),
    )
    if not report.ok:
        raise BillingError("La facture signée n'a pas été enregistrée.", errors=report.errors, report=report)
    return report


def _require_issued_invoice(invoice: Invoice, data: bytes) -> None:
    """The signed file must be the PDF formarche issued, signed: same embedded Factur-X XML (the
    fields that differ are named), and the issued bytes as its first revision."""
    try:
        issued = file_read(invoice.document)
    except StorageUnavailable as exc:
        raise BillingError(
            f"Impossible de relire la facture émise pour la comparer au fichier signé ({exc.cause}) : "
            "rien n'a été modifié. Réessayez plus tard ; si cela se reproduit, prévenez l'administrateur."
        ) from exc
    except StoredFileMissing as exc:
        raise BillingError(
            f"Le PDF émis de la facture n° {invoice.number} est introuvable dans le stockage : le fichier "
            "signé ne peut pas lui être comparé. Rien n'a été modifié ; prévenez l'administrateur."
        ) from exc
    errors = signed_check.compare_signed_with_issued(
        signed_pdf=data, issued_pdf=issued, number=invoice.number
    )
    if errors:
        raise BillingError("La facture signée n'a pas été enregistrée.", errors=errors)


def invoice_upload_signed(
    *,
    invoice: Invoice,
    data: bytes,
    filename: str,
    user,
    today: dt.date | None = None,
    skip_signature_check_for_demo: bool = False,
) -> Invoice:
    """Store the signed invoice (Ajouter une facture signée) once every check passed; lock it.

    ``skip_signature_check_for_demo`` is for the demo world only (no certificate there): the
    file is stored unchecked and its report says so.
    """
    today = today or timezone.localdate()
    require_not_archived(invoice.order, "aucune facture signée ne peut plus être déposée.")
    if invoice.status != InvoiceStatus.ISSUED:
        raise BillingError(invoice_not_issued_message(invoice))
    expected = invoice_expected_filename(invoice)
    report = None if skip_signature_check_for_demo else _checked_report(data, filename, expected)
    with transaction.atomic():
        locked = Invoice.objects.select_for_update().select_related("order").get(pk=invoice.pk)
        require_not_archived(locked.order, "aucune facture signée ne peut plus être déposée.")
        if locked.status != InvoiceStatus.ISSUED:
            raise BillingError(invoice_not_issued_message(locked))
        _require_issued_invoice(locked, data)
        store_file(locked.signed_file, expected, data, what="la facture signée")
        locked.signed_filename = filename.replace("\\", "/").rsplit("/", 1)[-1]
        locked.signature_report = _report_json(report, checked=not skip_signature_check_for_demo)
        locked.status = InvoiceStatus.SIGNED
        locked.received_on = today
        locked.signed_by = user
        as_user(locked, user).save()
        transaction.on_commit(lambda: notifications.invoice_signed(locked))
    return locked

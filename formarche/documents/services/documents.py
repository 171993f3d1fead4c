"""Documents of an action: the upload, checked on its bytes before anything is stored."""

from __future__ import annotations

import hashlib

from django.db import transaction

from formarche.documents.checks import DocumentRejected, check_file, check_size, clean_name
from formarche.documents.models import Document, DocumentType
from formarche.orders.models import Order, write_refusal
from formarche.utils.storage import StorageUnavailable, file_delete, file_save


def _read(uploaded) -> bytes:
    """The bytes of an ``UploadedFile`` (size checked before reading), or ``bytes`` as given."""
    if isinstance(uploaded, bytes | bytearray):
        return bytes(uploaded)
    size = getattr(uploaded, "size", None)
    if size is not None:
        check_size(size)
    chunks = []
    for chunk in uploaded.chunks() if hasattr(uploaded, "chunks") else [uploaded.read()]:
        chunks.append(chunk)
    return b"".join(chunks)


def _require_not_archived(order_id: int, *, lock: bool = False) -> None:
    """An archived action is read-only; a closed one may still receive proofs."""
    queryset = Order.objects.filter(pk=order_id)
    if lock:
        queryset = queryset.select_for_update(no_key=True)
    refusal = write_refusal(
        queryset.values_list("status", flat=True).get(),
        "aucun document ne peut plus y être déposé.",
        allow_closed=True,
    )
    if refusal:
        raise DocumentRejected(refusal)


def document_upload(
    *,
    order,
    uploaded,
    doc_type: str,
    name: str | None = None,
    enrolment=None,
    description: str = "",
    by=None,
) -> Document:
    """Check ``uploaded`` (an UploadedFile, or bytes with ``name``) and store it as a document of ``order``.

    All checks (type by content, extension, size, virus-scan hook) run before anything is stored;
    a refusal raises :class:`DocumentRejected` with a French message and stores nothing.
    Refused on an archived action (a closed one still receives its proofs).
    """
    _require_not_archived(order.pk)
    if doc_type not in DocumentType.values:
        raise DocumentRejected("Choisissez le type de document.")
    if enrolment is not None and enrolment.order_id != order.pk:
        raise DocumentRejected("Ce stagiaire n'est pas inscrit sur cette action.")
    name = clean_name(name if name is not None else getattr(uploaded, "name", ""))
    data = _read(uploaded)
    kind = check_file(data, name)
    document = Document(
        order=order,
        enrolment=enrolment,
        doc_type=doc_type,
        description=(description or "").strip()[:250],
        original_name=name,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        content_type=kind.content_type,
        uploaded_by=by,
    )
    document._history_user = by
    try:
        file_save(document.file, name, data)
    except StorageUnavailable as exc:
        raise DocumentRejected(
            f"Le document n'a pas été enregistré ({exc.cause}) : rien n'a été modifié. "
            "Réessayez plus tard ; si cela se reproduit, prévenez l'administrateur."
        ) from exc
    try:
        with transaction.atomic():
            _require_not_archived(order.pk, lock=True)  # an archiving under way waits, or wins
            document.save()
    except Exception:
        file_delete(document.file.storage, document.file.name)  # no object without its row
        raise
    return document

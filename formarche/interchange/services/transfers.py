"""Starting an interchange export or import from « Gestion organisme »: checked here (French
refusal, nothing stored), run as a background job (``formarche.interchange.jobs``)."""

from __future__ import annotations

import uuid
from datetime import date

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from formarche.interchange import perms
from formarche.interchange.selectors import EXPORT_KIND, IMPORT_KIND, own_organisation
from formarche.jobs.registry import job_kind
from formarche.jobs.services import job_create
from formarche.utils.storage import STORAGE_ERRORS, storage_cause

MAX_UPLOAD_BYTES = 200 * 1024 * 1024  # the biggest benchmark document is ~60 MB
NOT_ALLOWED = "Seul le responsable d'un organisme de formation exporte ou importe ses données."


class TransferRefused(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _start(tenant, user, kind: str, params: dict):
    entry = job_kind(kind)
    params = {**params, "tenant_role": tenant.role}
    return job_create(
        organisation=own_organisation(tenant), user=user, kind=kind, params=params, title=entry.title(params)
    )


def transfer_export_start(*, tenant, user, start: date, end: date):
    """The export of the tenant's own organisation over [start, end], as a job."""
    if not perms.can_transfer(tenant):
        raise TransferRefused(NOT_ALLOWED)
    if end < start:
        raise TransferRefused("La date de fin précède la date de début : rien n'a été lancé.")
    return _start(tenant, user, EXPORT_KIND, {"start": start.isoformat(), "end": end.isoformat()})


def transfer_import_start(*, tenant, user, file_name: str, content: bytes):
    """Store the uploaded document and start its import into the tenant's own organisation."""
    if not perms.can_transfer(tenant):
        raise TransferRefused(NOT_ALLOWED)
    if not content:
        raise TransferRefused("Le fichier est vide : rien n'a été importé.")
    if len(content) > MAX_UPLOAD_BYTES:
        raise TransferRefused("Le fichier dépasse 200 Mo : rien n'a été importé.")
    if not file_name.lower().endswith(".json"):
        raise TransferRefused("Le document d'échange est un fichier JSON (.json) : rien n'a été importé.")
    name = file_name.rsplit("/", 1)[-1][-100:]
    try:
        path = default_storage.save(
            f"echange/{tenant.organisation_id}/{uuid.uuid4().hex}.json", ContentFile(content)
        )
    except STORAGE_ERRORS as exc:
        raise TransferRefused(
            f"Le fichier n'a pas été enregistré ({storage_cause(exc)}) : rien n'a été importé. Réessayez plus tard."
        ) from exc
    return _start(tenant, user, IMPORT_KIND, {"path": path, "file_name": name})

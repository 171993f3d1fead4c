"""Reads of the interchange pages: the organisation's interchange jobs (through ``scoped``)."""

from __future__ import annotations

from django.shortcuts import get_object_or_404

from formarche.accounts.tenancy import scoped
from formarche.jobs.models import Job
from formarche.organisations.models import Organisation
from formarche.utils.storage import STORAGE_ERRORS, StorageUnavailable, StoredFileMissing, file_read

EXPORT_KIND = "echange_export"
IMPORT_KIND = "echange_import"
KINDS = (EXPORT_KIND, IMPORT_KIND)
RECENT = 10


def recent_transfers(tenant) -> list[Job]:
    return list(scoped(Job, tenant).filter(kind__in=KINDS).select_related("created_by")[:RECENT])


def transfer_of(tenant, transfer_id) -> Job:
    """One interchange job of the tenant's organisation (404 otherwise, whoever owns it)."""
    return get_object_or_404(
        scoped(Job, tenant).filter(kind__in=KINDS).select_related("created_by"), pk=transfer_id
    )


def own_organisation(tenant) -> Organisation:
    return get_object_or_404(scoped(Organisation, tenant), pk=tenant.organisation_id)


def import_report_lines(job) -> list[str]:
    """The French report of a finished import (its result file, one line each)."""
    if job.kind != IMPORT_KIND or not job.is_done or not job.result:
        return []
    try:
        return file_read(job.result).decode("utf-8").splitlines()
    except (StoredFileMissing, StorageUnavailable, *STORAGE_ERRORS, UnicodeDecodeError):
        return ["Le compte rendu n'a pas pu être relu (stockage indisponible) ; l'import, lui, est fait."]

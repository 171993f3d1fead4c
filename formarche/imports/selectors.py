"""Reads of the imports: the jobs a tenant may see, the last import of the same file."""

from __future__ import annotations

from formarche.accounts.tenancy import get_scoped_or_404, scoped
from formarche.imports.models import ImportJob, ImportStatus
from formarche.organisations.models import Organisation

#: Jobs listed on the Imports page.
RECENT_JOBS = 20


def recent_jobs(tenant) -> list[ImportJob]:
    return scoped(ImportJob, tenant).select_related("created_by")[:RECENT_JOBS]


def job_of(tenant, job_id, *, with_author: bool = False) -> ImportJob:
    """One job of the tenant's organisation (404 for another's)."""
    qs = ImportJob.objects.select_related("created_by") if with_author else ImportJob
    return get_scoped_or_404(qs, tenant, pk=job_id)


def tenant_organisation(tenant) -> Organisation:
    return get_scoped_or_404(Organisation, tenant, pk=tenant.organisation_id)


def previous_done_job(*, organisation, file_hash: str, kind: str) -> ImportJob | None:
    """The last successful import of the same file (same content, same kind) by this organisation."""
    return (
        ImportJob.objects.filter(
            organisation=organisation, file_hash=file_hash, kind=kind, status=ImportStatus.DONE
        )
        .order_by("-created_at")
        .first()
    )

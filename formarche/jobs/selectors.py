"""Reads of the jobs: the jobs a tenant may see."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404

from formarche.accounts.tenancy import get_scoped_or_404, scoped
from formarche.jobs.models import Job
from formarche.organisations.models import Organisation

#: Jobs listed on the jobs page.
RECENT_JOBS = 30


def recent_jobs(tenant) -> list[Job]:
    return list(scoped(Job, tenant).select_related("created_by")[:RECENT_JOBS])


def job_of(tenant, export_id) -> Job:
    """One job of the tenant's organisation: 404 for an OF asking for another's; 403 for a Région
    asking for any job not its own, existing or not (the jobs of the OFs are OF pages, refused to
    Régions as the other OF-only pages are)."""
    try:
        return get_scoped_or_404(Job.objects.select_related("created_by"), tenant, pk=export_id)
    except Http404:
        if tenant is not None and tenant.is_region:
            raise PermissionDenied("Ce travail n'est pas celui de votre Région.") from None
        raise


def tenant_organisation(tenant) -> Organisation:
    return get_scoped_or_404(Organisation, tenant, pk=tenant.organisation_id)

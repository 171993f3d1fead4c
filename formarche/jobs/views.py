"""The jobs page (« Travaux en arrière-plan »): the exports a tenant may start, its recent jobs,
one job's page with its state and progress bar (polled by htmx), and its file once done."""

from __future__ import annotations

from django.contrib import messages
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from formarche.accounts.tenancy import tenant_required
from formarche.jobs import perms, selectors
from formarche.jobs.forms import StartForm, month_or_none
from formarche.jobs.recovery import job_recover_if_stale
from formarche.jobs.registry import job_kind, kinds_for
from formarche.jobs.services import job_create


def _offers(tenant) -> list[dict]:
    return [
        {
            "kind": k.kind,
            "label": k.label,
            "param": k.param,
            "choices": k.choices(tenant) if k.choices else None,
        }
        for k in kinds_for(tenant)
    ]


def _params(kind, value: str, tenant) -> dict | None:
    if kind.param == "month":
        month = month_or_none(value)
        return {"month": month} if month else None
    allowed = {str(v) for v, _ in (kind.choices(tenant) if kind.choices else [])}
    return {kind.param: int(value)} if value in allowed else None


@tenant_required()
@require_http_methods(["GET", "POST"])
def index(request):
    tenant = request.tenant
    if request.method == "POST":
        form = StartForm(request.POST)
        kind = job_kind(form.data.get("kind", ""))
        if not form.is_valid() or kind is None or not perms.can_start(tenant, kind.kind):
            messages.error(request, "Ce travail ne peut pas être lancé.")
            return redirect("jobs:index")
        params = _params(kind, form.cleaned_data["value"], tenant)
        if params is None:
            messages.error(request, "Période invalide : choisissez un mois (AAAA-MM) ou une année proposée.")
            return redirect("jobs:index")
        job = job_create(
            organisation=selectors.tenant_organisation(tenant),
            user=request.user,
            kind=kind.kind,
            params={**params, "tenant_role": tenant.role},
            title=kind.title(params) if kind.title else kind.label,
        )
        return redirect("jobs:job", export_id=job.pk)
    context = {"nav": "jobs", "jobs": selectors.recent_jobs(tenant), "offers": _offers(tenant)}
    return render(request, "jobs/index.html", context)


def _progress_context(job) -> dict:
    return {
        "job": job,
        "poll_url": reverse("jobs:job_status", kwargs={"export_id": job.pk}),
        "page_url": reverse("jobs:job", kwargs={"export_id": job.pk}),
        "may_download": perms.can_download(job),
    }


@tenant_required()
def job_detail(request, export_id):
    job = selectors.job_of(request.tenant, export_id)
    return render(request, "jobs/job.html", {"nav": "jobs", **_progress_context(job)})


@tenant_required()
def job_status(request, export_id):
    """The progress partial, polled by htmx every second while the job runs; a job whose worker
    died is handed over here too (the recovery, formarche/jobs/recovery.py)."""
    job = selectors.job_of(request.tenant, export_id)
    job_recover_if_stale(job=job)
    response = render(request, "jobs/_job_status.html", _progress_context(job))
    if job.is_finished and request.headers.get("HX-Request"):
        response["HX-Refresh"] = "true"
    return response


@tenant_required()
def job_file(request, export_id):
    """The produced file, streamed after the tenancy check (never a public URL)."""
    job = selectors.job_of(request.tenant, export_id)
    if not perms.can_download(job):
        raise Http404("Aucun fichier pour ce travail.")
    try:
        handle = job.result.open("rb")
    except FileNotFoundError as exc:
        raise Http404("Fichier introuvable.") from exc
    response = FileResponse(handle, as_attachment=True, filename=job.result_name)
    response["X-Content-Type-Options"] = "nosniff"
    return response

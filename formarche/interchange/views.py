"""« Échange de données » from Gestion organisme: start an export or an import of the
organisation's interchange document (background jobs), follow its progress bar, read its report."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from formarche.accounts.tenancy import tenant_required
from formarche.interchange import perms, selectors
from formarche.interchange.forms import ExportForm, ImportForm
from formarche.interchange.services import TransferRefused, transfer_export_start, transfer_import_start


def organisation_section(request):
    """The section of « Gestion organisme » (accounts' port): for the OF's manager only."""
    tenant = getattr(request, "tenant", None)
    if not perms.can_transfer(tenant):
        return None
    return {"template": "interchange/_organisation_section.html", "url": reverse("interchange:index")}


def _manager(request):
    if not perms.can_transfer(request.tenant):
        raise PermissionDenied(
            "Seul le responsable d'un organisme de formation exporte ou importe ses données."
        )


@tenant_required()
@require_http_methods(["GET"])
def index(request):
    _manager(request)
    context = {
        "nav": "organisation",
        "export_form": ExportForm.with_defaults(timezone.localdate()),
        "import_form": ImportForm(),
        "transfers": selectors.recent_transfers(request.tenant),
    }
    return render(request, "interchange/index.html", context)


@tenant_required()
@require_POST
def export_start(request):
    _manager(request)
    form = ExportForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Dates invalides : choisissez une date de début et une date de fin.")
        return redirect("interchange:index")
    try:
        job = transfer_export_start(
            tenant=request.tenant,
            user=request.user,
            start=form.cleaned_data["start"],
            end=form.cleaned_data["end"],
        )
    except TransferRefused as exc:
        messages.error(request, exc.message)
        return redirect("interchange:index")
    return redirect("interchange:transfer", transfer_id=job.pk)


@tenant_required()
@require_POST
def import_start(request):
    _manager(request)
    form = ImportForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, "Choisissez le document d'échange (fichier JSON) à importer.")
        return redirect("interchange:index")
    upload = form.cleaned_data["document"]
    try:
        job = transfer_import_start(
            tenant=request.tenant, user=request.user, file_name=upload.name, content=upload.read()
        )
    except TransferRefused as exc:
        messages.error(request, exc.message)
        return redirect("interchange:index")
    return redirect("interchange:transfer", transfer_id=job.pk)


@tenant_required()
def transfer(request, transfer_id):
    """One export or import: its progress bar (htmx, the shared template), then its report."""
    _manager(request)
    job = selectors.transfer_of(request.tenant, transfer_id)
    context = {
        "nav": "organisation",
        "job": job,
        "is_import": job.kind == selectors.IMPORT_KIND,
        "poll_url": reverse("jobs:job_status", kwargs={"export_id": job.pk}),
        "page_url": reverse("interchange:transfer", kwargs={"transfer_id": job.pk}),
        "refusal_lines": job.error.splitlines() if job.error else [],
        "report_lines": selectors.import_report_lines(job),
        "may_download": job.is_done and bool(job.result) and job.kind == selectors.EXPORT_KIND,
    }
    return render(request, "interchange/transfer.html", context)

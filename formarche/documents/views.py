"""Documents et justificatifs: list, upload, download (streamed, scoped), generated PDFs."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_POST

from formarche.accounts.tenancy import of_required, tenant_required
from formarche.documents import generated, perms, selectors
from formarche.documents.checks import format_size, max_bytes
from formarche.documents.forms import DocumentUploadForm
from formarche.documents.models import DocumentType
from formarche.documents.services import DocumentRejected, document_upload
from formarche.orders.action_menu import action_menu
from formarche.ui.files import stored_file_response
from formarche.utils.dates import parse_period, period_key
from formarche.utils.formatting import format_month


def _month(period: str):
    try:
        return parse_period(period)
    except ValueError as exc:
        raise Http404("Mois introuvable.") from exc


def _pdf_response(pdf: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


def _page(request, order, form=None, status=200):
    type_filter = request.GET.get("type", "")
    enrolments = selectors.order_enrolments(request.tenant, order)
    can_upload = perms.can_upload(request.tenant)
    if form is None and can_upload:
        form = DocumentUploadForm(enrolments=enrolments, max_label=format_size(max_bytes()))
    months = selectors.order_months(order)
    context = {
        "order": order,
        "action_menu": action_menu(order, request.tenant),
        "action_nav": "documents",
        "documents": selectors.order_documents(request.tenant, order, type_filter),
        "form": form,
        "types": DocumentType.choices,
        "type_filter": type_filter,
        "enrolments": enrolments,
        "exited": [e for e in enrolments if perms.can_certify_completion(e)],
        "months": [(period_key(m), format_month(m)) for m in months],
        "default_period": period_key(selectors.default_month(months)),
        "can_upload": can_upload,
    }
    return render(request, "documents/action_documents.html", context, status=status)


@tenant_required()
def action_documents(request, order_id):
    order = selectors.order_for_page(request.tenant, order_id)
    return _page(request, order)


@of_required
@require_POST
def upload(request, order_id):
    order = selectors.order_for_page(request.tenant, order_id)
    enrolments = selectors.order_enrolments(request.tenant, order, by_name=False)
    form = DocumentUploadForm(
        request.POST, request.FILES, enrolments=enrolments, max_label=format_size(max_bytes())
    )
    if not form.is_valid():
        return _page(request, order, form=form, status=422)
    enrolment = None
    if form.cleaned_data["enrolment"]:
        enrolment = next((e for e in enrolments if str(e.pk) == form.cleaned_data["enrolment"]), None)
    try:
        document = document_upload(
            order=order,
            uploaded=form.cleaned_data["file"],
            doc_type=form.cleaned_data["doc_type"],
            enrolment=enrolment,
            description=form.cleaned_data["description"],
            by=request.user,
        )
    except DocumentRejected as exc:
        form.add_error("file", exc.message)
        return _page(request, order, form=form, status=422)
    messages.success(request, f"Le document « {document.original_name} » a été enregistré.")
    return redirect("documents:action_documents", order_id=order.pk)


@tenant_required()
def download(request, order_id, document_id):
    order = selectors.order_for_page(request.tenant, order_id)
    document = selectors.document_for_download(request.tenant, order, document_id)
    return stored_file_response(
        request, document.file, filename=document.original_name, content_type=document.content_type
    )


@tenant_required()
def attendance_sheet(request, order_id, period):
    order = selectors.order_for_page(request.tenant, order_id)
    month = _month(period)
    pdf = generated.attendance_sheet_pdf(order, month)
    return _pdf_response(pdf, f"{order.number}_FEUILLE_EMARGEMENT_{period_key(month)}.pdf")


@tenant_required()
def attendance_certificate(request, order_id, enrolment_id, period):
    order = selectors.order_for_page(request.tenant, order_id)
    enrolment = selectors.enrolment_for_page(request.tenant, order, enrolment_id)
    month = _month(period)
    pdf = generated.attendance_certificate_pdf(enrolment, month, today=timezone.localdate())
    name = enrolment.trainee.last_name.upper().replace(" ", "-")
    return _pdf_response(pdf, f"{order.number}_ATTESTATION_ASSIDUITE_{name}_{period_key(month)}.pdf")


@tenant_required()
def completion_certificate(request, order_id, enrolment_id):
    order = selectors.order_for_page(request.tenant, order_id)
    enrolment = selectors.enrolment_for_page(request.tenant, order, enrolment_id)
    if not perms.can_certify_completion(enrolment):
        messages.error(
            request,
            f"Le certificat de réalisation de {enrolment.trainee} s'établit à sa sortie : "
            "enregistrez d'abord sa date de sortie.",
        )
        return redirect("documents:action_documents", order_id=order.pk)
    pdf = generated.completion_certificate_pdf(enrolment, today=timezone.localdate())
    name = enrolment.trainee.last_name.upper().replace(" ", "-")
    return _pdf_response(pdf, f"{order.number}_CERTIFICAT_REALISATION_{name}.pdf")


@tenant_required()
def generate(request, order_id):
    """The small form of the page (document, month, trainee) → the generated document's URL."""
    order = selectors.order_for_page(request.tenant, order_id)
    kind = request.GET.get("document", "")
    period = request.GET.get("period", "")
    enrolment_id = request.GET.get("enrolment", "")
    try:
        month = parse_period(period) if period else None
    except ValueError:
        month = None
    if kind == "feuille" and month:
        return redirect("documents:attendance_sheet", order_id=order.pk, period=period_key(month))
    if kind in {"assiduite", "certificat"} and enrolment_id.isdigit():
        enrolment = selectors.enrolment_for_page(request.tenant, order, enrolment_id)
        if kind == "certificat":
            return redirect("documents:completion_certificate", order_id=order.pk, enrolment_id=enrolment.pk)
        if month:
            return redirect(
                "documents:attendance_certificate",
                order_id=order.pk,
                enrolment_id=enrolment.pk,
                period=period_key(month),
            )
    messages.error(request, "Choisissez le document, le mois et, pour une attestation, le stagiaire.")
    return redirect("documents:action_documents", order_id=order.pk)

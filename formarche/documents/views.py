"""Documents et justificatifs: list, upload, download (streamed, scoped), generated PDFs."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_POST

from formarche.accounts.tenancy import get_scoped_or_404, of_required, scoped, tenant_required
from formarche.documents import generated
from formarche.documents.checks import format_size, max_bytes
from formarche.documents.forms import DocumentUploadForm
from formarche.documents.models import Document, DocumentType
from formarche.documents.services import DocumentRejected, document_upload
from formarche.orders.action_menu import action_menu
from formarche.orders.models import Order
from formarche.trainees.models import Enrolment
from formarche.utils.dates import month_start, months_between, parse_period, period_key
from formarche.utils.formatting import format_month


def _order(request, order_id) -> Order:
    return get_scoped_or_404(
        Order.objects.select_related("provider", "region", "lot"), request.tenant, pk=order_id
    )


def _month(period: str) -> date:
    try:
        return parse_period(period)
    except ValueError as exc:
        raise Http404("Mois introuvable.") from exc


def _enrolment(request, order, enrolment_id) -> Enrolment:
    return get_scoped_or_404(
        Enrolment.objects.select_related("trainee", "order", "order__provider", "order__region"),
        request.tenant,
        pk=enrolment_id,
        order=order,
    )


def _pdf_response(pdf: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


def _order_months(order) -> list[date]:
    last = order.real_end or order.planned_end
    return months_between(order.planned_start, last)


def _page(request, order, form=None, status=200):
    documents = (
        scoped(Document, request.tenant)
        .filter(order=order)
        .select_related("enrolment__trainee", "uploaded_by")
    )
    type_filter = request.GET.get("type", "")
    if type_filter in DocumentType.values:
        documents = documents.filter(doc_type=type_filter)
    enrolments = list(
        scoped(Enrolment, request.tenant)
        .filter(order=order)
        .select_related("trainee")
        .order_by("trainee__last_name", "trainee__first_name")
    )
    if form is None and request.tenant.is_of:
        form = DocumentUploadForm(enrolments=enrolments, max_label=format_size(max_bytes()))
    months = _order_months(order)
    today = month_start(timezone.localdate())
    default_month = min(max(today, months[0]), months[-1]) if months else today
    context = {
        "order": order,
        "action_menu": action_menu(order, request.tenant),
        "action_nav": "documents",
        "documents": documents,
        "form": form,
        "types": DocumentType.choices,
        "type_filter": type_filter,
        "enrolments": enrolments,
        "exited": [e for e in enrolments if e.exit_date],
        "months": [(period_key(m), format_month(m)) for m in months],
        "default_period": period_key(default_month),
        "can_upload": request.tenant.is_of,
    }
    return render(request, "documents/action_documents.html", context, status=status)


@tenant_required()
def action_documents(request, order_id):
    order = _order(request, order_id)
    return _page(request, order)


@of_required
@require_POST
def upload(request, order_id):
    order = _order(request, order_id)
    enrolments = list(scoped(Enrolment, request.tenant).filter(order=order).select_related("trainee"))
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
    order = _order(request, order_id)
    document = get_scoped_or_404(Document, request.tenant, pk=document_id, order=order)
    try:
        handle = document.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404("Fichier introuvable.") from exc
    response = FileResponse(
        handle, as_attachment=True, filename=document.original_name, content_type=document.content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


@tenant_required()
def attendance_sheet(request, order_id, period):
    order = _order(request, order_id)
    month = _month(period)
    pdf = generated.attendance_sheet_pdf(order, month)
    return _pdf_response(pdf, f"{order.number}_FEUILLE_EMARGEMENT_{period_key(month)}.pdf")


@tenant_required()
def attendance_certificate(request, order_id, enrolment_id, period):
    order = _order(request, order_id)
    enrolment = _enrolment(request, order, enrolment_id)
    month = _month(period)
    pdf = generated.attendance_certificate_pdf(enrolment, month, today=timezone.localdate())
    name = enrolment.trainee.last_name.upper().replace(" ", "-")
    return _pdf_response(pdf, f"{order.number}_ATTESTATION_ASSIDUITE_{name}_{period_key(month)}.pdf")


@tenant_required()
def completion_certificate(request, order_id, enrolment_id):
    order = _order(request, order_id)
    enrolment = _enrolment(request, order, enrolment_id)
    if not enrolment.exit_date:
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
    order = _order(request, order_id)
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
        enrolment = _enrolment(request, order, enrolment_id)
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

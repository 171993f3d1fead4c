"""API endpoints of issue #19: billing (periods and statements, invoices with their PDF and
Factur-X, payments, the Région's decisions), documents, the BPF.

Every queryset through ``scoped(...)`` (the apps' selectors), every write through the apps'
services; a refusal of a service answers 400 with its French message and changes nothing.
"""

from __future__ import annotations

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, status
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from formarche.accounts.tenancy import get_scoped_or_404, scoped
from formarche.api import selectors as api_selectors
from formarche.api import serializers_more as sm
from formarche.api.views import TenantViewSet, _int_param
from formarche.billing import perms as billing_perms
from formarche.billing import selectors as billing_selectors
from formarche.billing import services as billing_services
from formarche.billing.models import Payment, Period
from formarche.bpf import selectors as bpf_selectors
from formarche.bpf.exports import to_json
from formarche.bpf.home import bpf_status
from formarche.bpf.jobs import export_file
from formarche.bpf.services import BpfError
from formarche.documents.models import Document
from formarche.documents.services import DocumentRejected, document_upload
from formarche.orders.models import Order
from formarche.trainees.models import Enrolment
from formarche.utils.dates import parse_period
from formarche.utils.storage import StorageUnavailable, StoredFileMissing, file_open

FILE_MISSING = "Le fichier est introuvable dans le stockage des fichiers ; rien n'a été modifié."
FILE_UNAVAILABLE = "Le stockage des fichiers ne répond pas ({cause}) : réessayez dans quelques minutes."
BINARY = {(200, "application/octet-stream"): OpenApiTypes.BINARY}


def _refused(message: str):
    return ValidationError({"detail": message})


def _billing_message(exc) -> str:
    """A refusal of the billing services: its message and its details, in one sentence."""
    return " ".join([str(exc)] + [e for e in exc.errors if e != str(exc)])


def _file(field, *, filename: str, content_type: str) -> HttpResponse:
    """A stored file as an attachment, or a French 404 / 503 in JSON."""
    if not field:
        raise NotFound("Fichier absent.")
    try:
        with file_open(field) as handle:
            body = handle.read()
    except StoredFileMissing as exc:
        raise NotFound(FILE_MISSING) from exc
    except StorageUnavailable as exc:
        return _unavailable(exc)
    return _attachment(body, filename=filename, content_type=content_type)


def _unavailable(exc):
    response = Response({"detail": FILE_UNAVAILABLE.format(cause=exc.cause)}, status=503)
    response["Retry-After"] = "60"
    return response


def _attachment(body: bytes, *, filename: str, content_type: str) -> HttpResponse:
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- billing -------------------------------------------------------------------------------------

PERIOD_PARAMS = [
    OpenApiParameter("order", OpenApiTypes.INT, description="Identifiant de l'action."),
    OpenApiParameter("month", OpenApiTypes.STR, description="Mois AAAA-MM, par exemple 2023-03."),
    OpenApiParameter("status", OpenApiTypes.STR, enum=["ouverte", "validee"]),
]


class PeriodViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantViewSet):
    """Périodes mensuelles des actions et leur relevé (CRE) figé à la validation ; l'organisme
    valide un mois et émet sa facture (portée ``billing:write``), par les services de la facturation."""

    lookup_url_kwarg = "period_id"
    api_area = "billing"
    api_writers = "of"

    def get_serializer_class(self):
        return sm.PeriodDetailSerializer if self.action == "retrieve" else sm.PeriodSerializer

    def get_queryset(self):
        qs = scoped(Period, self.tenant).select_related("statement")
        order = _int_param(self.request, "order")
        if order is not None:
            qs = qs.filter(order_id=order)
        month = self.request.query_params.get("month")
        if month:
            try:
                qs = qs.filter(month=parse_period(month))
            except ValueError as exc:
                raise ValidationError(
                    {"month": "Mois attendu au format AAAA-MM, par exemple 2023-03."}
                ) from exc
        if self.request.query_params.get("status"):
            qs = qs.filter(status=self.request.query_params["status"])
        return qs.order_by("order_id", "month")

    @extend_schema(parameters=PERIOD_PARAMS)
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(
        request=sm.PeriodValidateSerializer,
        responses={201: sm.PeriodDetailSerializer, 400: sm.ErrorSerializer},
        description="Valider un mois d'une action (organisme) : ses heures et son relevé sont figés.",
        examples=[OpenApiExample("Valider mars", value={"order": 12, "month": "2023-03"}, request_only=True)],
    )
    def validate(self, request, *args, **kwargs):
        data = sm.PeriodValidateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        order = scoped(Order, self.tenant).filter(pk=values["order"]).first()
        if order is None:
            raise ValidationError({"order": "Action inconnue."})
        if not billing_perms.can_validate_period(self.tenant, order):
            raise _refused("Seul l'organisme valide les mois de ses actions.")
        try:
            month = parse_period(values["month"])
        except ValueError as exc:
            raise ValidationError({"month": "Mois attendu au format AAAA-MM, par exemple 2023-03."}) from exc
        try:
            period = billing_services.period_validate(
                order=order, month=month, user=request.user, is_final=values["is_final"]
            )
        except billing_services.BillingError as exc:
            raise _refused(_billing_message(exc)) from exc
        fresh = self.get_queryset().get(pk=period.pk)
        return Response(sm.PeriodDetailSerializer(fresh).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=None,
        responses={201: sm.InvoiceSerializer, 400: sm.ErrorSerializer},
        description="Émettre la facture Factur-X d'une période validée (organisme).",
    )
    def issue(self, request, *args, **kwargs):
        period = self.get_object()
        if not billing_perms.can_issue_invoice(self.tenant, period.order):
            raise _refused("Seul l'organisme émet les factures de ses actions.")
        try:
            invoice = billing_services.invoice_issue(period=period, user=request.user)
        except billing_services.BillingError as exc:
            raise _refused(_billing_message(exc)) from exc
        fresh = (
            scoped(billing_selectors.invoice_for_tenant(), self.tenant)
            .prefetch_related("payments")
            .get(pk=invoice.pk)
        )
        return Response(sm.InvoiceSerializer(fresh).data, status=status.HTTP_201_CREATED)


INVOICE_PARAMS = [
    OpenApiParameter("order", OpenApiTypes.INT, description="Identifiant de l'action."),
    OpenApiParameter(
        "status",
        OpenApiTypes.STR,
        enum=["emise", "signee", "validee", "rejetee", "payee_partiellement", "payee"],
    ),
]


class InvoiceViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantViewSet):
    """Factures (CRE, CRE final, solde) ; PDF Factur-X et XML ; décisions et paiements de la Région.

    Lecture : l'organisme et la Région de la commande. Décisions (valider, rejeter, payer) : la
    Région, avec la portée ``billing:write``, par les services de la facturation (mêmes refus que
    les pages)."""

    serializer_class = sm.InvoiceSerializer
    lookup_url_kwarg = "invoice_id"
    api_area = "billing"
    api_writers = "region"

    def get_queryset(self):
        qs = scoped(billing_selectors.invoice_for_tenant(), self.tenant).prefetch_related("payments")
        order = _int_param(self.request, "order")
        if order is not None:
            qs = qs.filter(order_id=order)
        if self.request.query_params.get("status"):
            qs = qs.filter(status=self.request.query_params["status"])
        return qs.order_by("issue_date", "sequence", "pk")

    @extend_schema(parameters=INVOICE_PARAMS)
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(
        responses={(200, "application/pdf"): OpenApiTypes.BINARY},
        description="Le PDF Factur-X (PDF/A-3 avec son XML) de la facture.",
    )
    def pdf(self, request, *args, **kwargs):
        invoice = self.get_object()
        return _file(
            invoice.document,
            filename=f"Facture_{invoice.number}_{invoice.order.number}.pdf",
            content_type="application/pdf",
        )

    @extend_schema(
        responses={(200, "application/xml"): OpenApiTypes.BINARY},
        description="Le XML Factur-X (CII) joint au PDF de la facture, tel qu'il a été émis.",
    )
    def facturx(self, request, *args, **kwargs):
        invoice = self.get_object()
        if not invoice.document:
            raise NotFound("Fichier absent.")
        try:
            xml = api_selectors.invoice_facturx_xml(invoice)
        except StoredFileMissing as exc:
            raise NotFound(FILE_MISSING) from exc
        except StorageUnavailable as exc:
            return _unavailable(exc)
        if xml is None:
            raise NotFound("Ce PDF ne contient pas de XML Factur-X.")
        return _attachment(xml, filename=f"factur-x_{invoice.number}.xml", content_type="application/xml")

    def _decide(self, call):
        invoice = self.get_object()
        try:
            call(invoice)
        except billing_services.BillingError as exc:
            raise _refused(_billing_message(exc)) from exc
        fresh = self.get_queryset().get(pk=invoice.pk)
        return Response(self.get_serializer(fresh).data)

    @extend_schema(
        request=None,
        responses={200: sm.InvoiceSerializer, 400: sm.ErrorSerializer},
        description="Valider une facture signée (Région).",
    )
    def validate(self, request, *args, **kwargs):
        def call(invoice):
            if not billing_perms.can_validate_invoice(self.tenant, invoice):
                raise billing_services.BillingError(
                    f"La facture {invoice.number} ne peut pas être validée dans son état actuel "
                    f"({invoice.get_status_display()})."
                )
            billing_services.invoice_validate(invoice=invoice, user=request.user)

        return self._decide(call)

    @extend_schema(
        request=sm.RejectSerializer,
        responses={200: sm.InvoiceSerializer, 400: sm.ErrorSerializer},
        description="Rejeter une facture émise ou signée, avec son motif (Région).",
        examples=[OpenApiExample("Rejet", value={"reason": "Heures de mars à corriger."}, request_only=True)],
    )
    def reject(self, request, *args, **kwargs):
        self.get_object()  # another organisation's invoice: 404 before the body is read
        data = sm.RejectSerializer(data=request.data)
        data.is_valid(raise_exception=True)

        def call(invoice):
            if not billing_perms.can_reject_invoice(self.tenant, invoice):
                raise billing_services.BillingError(
                    f"La facture {invoice.number} ne peut pas être rejetée dans son état actuel "
                    f"({invoice.get_status_display()})."
                )
            billing_services.invoice_reject(
                invoice=invoice, user=request.user, reason=data.validated_data["reason"]
            )

        return self._decide(call)

    @extend_schema(
        request=sm.PaymentInSerializer,
        responses={201: sm.PaymentSerializer, 400: sm.ErrorSerializer},
        description="Enregistrer un paiement sur une facture validée (Région).",
        examples=[
            OpenApiExample(
                "Paiement",
                value={"date": "2023-05-02", "amount": "6187.50", "reference": "MANDAT-2023-118"},
                request_only=True,
            )
        ],
    )
    def pay(self, request, *args, **kwargs):
        invoice = self.get_object()
        data = sm.PaymentInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        if not billing_perms.can_pay_invoice(self.tenant, invoice):
            raise _refused(
                f"Un paiement s'enregistre sur une facture validée ; la facture {invoice.number} est "
                f"« {invoice.get_status_display()} »."
            )
        try:
            payment = billing_services.payment_record(
                invoice=invoice, user=request.user, **data.validated_data
            )
        except billing_services.BillingError as exc:
            raise _refused(_billing_message(exc)) from exc
        return Response(sm.PaymentSerializer(payment).data, status=status.HTTP_201_CREATED)


class PaymentViewSet(mixins.ListModelMixin, TenantViewSet):
    """Paiements (avances et paiements de factures) des actions, en lecture."""

    serializer_class = sm.PaymentSerializer
    api_area = "billing"
    api_writers = "none"

    def get_queryset(self):
        qs = scoped(Payment, self.tenant)
        order = _int_param(self.request, "order")
        if order is not None:
            qs = qs.filter(order_id=order)
        invoice = _int_param(self.request, "invoice")
        if invoice is not None:
            qs = qs.filter(invoice_id=invoice)
        return qs.order_by("date", "pk")

    @extend_schema(
        parameters=[
            OpenApiParameter("order", OpenApiTypes.INT, description="Identifiant de l'action."),
            OpenApiParameter("invoice", OpenApiTypes.INT, description="Identifiant de la facture."),
        ]
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)


# --- documents -----------------------------------------------------------------------------------


class DocumentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantViewSet):
    """Documents des actions (conventions, justificatifs…) ; dépôt par l'organisme (multipart)."""

    serializer_class = sm.DocumentSerializer
    lookup_url_kwarg = "document_id"
    api_area = "documents"
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    def get_queryset(self):
        qs = scoped(Document, self.tenant)
        order = _int_param(self.request, "order")
        if order is not None:
            qs = qs.filter(order_id=order)
        if self.request.query_params.get("doc_type"):
            qs = qs.filter(doc_type=self.request.query_params["doc_type"])
        return qs.order_by("-uploaded_at", "-pk")

    @extend_schema(
        parameters=[
            OpenApiParameter("order", OpenApiTypes.INT, description="Identifiant de l'action."),
            OpenApiParameter("doc_type", OpenApiTypes.STR, description="Type de document."),
        ]
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(
        request={"multipart/form-data": sm.DocumentUploadSerializer},
        responses={201: sm.DocumentSerializer, 400: sm.ErrorSerializer},
        description="Déposer un document sur une action (organisme, portée documents:write).",
    )
    def create(self, request, *args, **kwargs):
        data = sm.DocumentUploadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        order = scoped(Order, self.tenant).filter(pk=values["order"]).first()
        if order is None:
            raise ValidationError({"order": "Action inconnue."})
        enrolment = None
        if values.get("enrolment"):
            enrolment = scoped(Enrolment, self.tenant).filter(pk=values["enrolment"], order=order).first()
            if enrolment is None:
                raise ValidationError({"enrolment": "Ce stagiaire n'est pas inscrit sur cette action."})
        try:
            document = document_upload(
                order=order,
                uploaded=values["file"],
                doc_type=values["doc_type"],
                enrolment=enrolment,
                description=values.get("description", ""),
                by=request.user,
            )
        except DocumentRejected as exc:
            raise _refused(exc.message) from exc
        return Response(sm.DocumentSerializer(document).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={(200, "application/octet-stream"): OpenApiTypes.BINARY})
    def download(self, request, *args, **kwargs):
        document = self.get_object()
        return _file(document.file, filename=document.original_name, content_type=document.content_type)


# --- BPF -----------------------------------------------------------------------------------------


class FiscalYearViewSet(mixins.ListModelMixin, TenantViewSet):
    """Exercices et BPF de l'organisme : cases, contrôles, exports (lecture seule ; la Région : 403)."""

    serializer_class = sm.FiscalYearSerializer
    lookup_url_kwarg = "fiscal_year_id"
    api_area = "bpf"
    api_writers = "none"
    api_readers = "of"
    pagination_class = None

    def get_queryset(self):
        return scoped(bpf_selectors.fiscal_years_with_organisation(), self.tenant).order_by("-start")

    def _rows(self, years):
        rows = []
        for fy in years:
            code, label = bpf_status(fy)
            rows.append(
                {"id": fy.pk, "start": fy.start, "end": fy.end, "status": code, "status_label": label}
            )
        return rows

    def list(self, request, *args, **kwargs):
        return Response(sm.FiscalYearSerializer(self._rows(self.get_queryset()), many=True).data)

    def _computed(self, kwargs):
        fy = get_scoped_or_404(self.get_queryset(), self.tenant, pk=kwargs["fiscal_year_id"])
        try:
            return fy, bpf_selectors.bpf_compute(fiscal_year=fy)
        except BpfError as exc:
            raise _refused(str(exc)) from exc

    @extend_schema(responses={200: sm.BpfReportSerializer, 400: sm.ErrorSerializer})
    def report(self, request, *args, **kwargs):
        _fy, computed = self._computed(kwargs)
        return Response(to_json(computed.report))

    @extend_schema(responses={200: sm.BpfCheckSerializer(many=True), 400: sm.ErrorSerializer})
    def checks(self, request, *args, **kwargs):
        _fy, computed = self._computed(kwargs)
        return Response(to_json(computed.report)["checks"])

    @extend_schema(
        responses={
            (200, "application/octet-stream"): OpenApiTypes.BINARY,
            400: OpenApiResponse(sm.ErrorSerializer),
        },
        description="Export du BPF : json, csv, pdf (cerfa) ou xlsx (classeur de contrôle).",
    )
    def export(self, request, *args, fmt: str, **kwargs):
        fy, computed = self._computed(kwargs)
        name, body, ctype = export_file(self.tenant, fy, computed, fmt)
        return _attachment(body, filename=name, content_type=ctype)


__all__ = ["DocumentViewSet", "FiscalYearViewSet", "InvoiceViewSet", "PaymentViewSet", "PeriodViewSet"]

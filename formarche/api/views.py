"""API views: every queryset through ``scoped(...)``; writes through the apps' services.

Orders are read-only; trainees, enrolments and hours are written by OF members only (a Région
gets 403 on any write).
"""

from django.db.models import Prefetch
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from formarche.accounts.tenancy import scoped
from formarche.api import selectors as api_selectors
from formarche.api import serializers as s
from formarche.api.tenancy import TenantPermission, api_tenant
from formarche.attendance import selectors as attendance_selectors
from formarche.attendance import services as attendance_services
from formarche.attendance.models import Attendance, AttendanceKind, AttendanceSource
from formarche.orders.selectors import orders_with_hours
from formarche.trainees import services as trainee_services
from formarche.trainees.models import Enrolment, EnrolmentFunding, Trainee
from formarche.utils.formatting import parse_month


def _int_param(request, name):
    value = request.query_params.get(name)
    if value in (None, ""):
        return None
    if not value.isdigit():
        raise ValidationError({name: "Un identifiant numérique est attendu."})
    return int(value)


class TenantViewSet(viewsets.GenericViewSet):
    permission_classes = [TenantPermission]

    @property
    def tenant(self):
        return api_tenant(self.request)


ORDER_PARAMS = [
    OpenApiParameter("status", OpenApiTypes.STR, enum=["ouverte", "fermee", "archivee"]),
    OpenApiParameter("number", OpenApiTypes.STR, description="Numéro du bon de commande (exact)."),
    OpenApiParameter("dispositif", OpenApiTypes.STR, description="Code du dispositif."),
]


@extend_schema_view(list=extend_schema(parameters=ORDER_PARAMS))
class OrderViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantViewSet):
    """Bons de commande = actions de formation, avec leur % de réalisation (lecture seule)."""

    serializer_class = s.OrderSerializer
    lookup_url_kwarg = "order_id"
    api_area = "orders"
    api_writers = "none"

    def get_queryset(self):
        qs = orders_with_hours(self.tenant).prefetch_related(
            api_selectors.components_prefetch(), "amendments", api_selectors.members_prefetch()
        )
        params = self.request.query_params
        if params.get("status"):
            qs = qs.filter(status=params["status"])
        if params.get("number"):
            qs = qs.filter(number=params["number"])
        if params.get("dispositif"):
            qs = qs.filter(dispositif__code=params["dispositif"])
        return qs.order_by("-planned_start", "number")


def _service_error(exc):
    return ValidationError({"detail": getattr(exc, "message", str(exc))})


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter("order", OpenApiTypes.INT, description="Stagiaires inscrits sur cette action.")
        ]
    )
)
class TraineeViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    TenantViewSet,
):
    """Le registre des stagiaires de l'organisme (une Région voit ceux de ses commandes, en lecture)."""

    serializer_class = s.TraineeSerializer
    lookup_url_kwarg = "trainee_id"
    api_area = "trainees"

    def get_queryset(self):
        qs = scoped(Trainee, self.tenant)
        order = _int_param(self.request, "order")
        if order is not None:
            qs = qs.filter(enrolments__order_id=order)
        return qs.order_by("last_name", "first_name", "pk")

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        organisation = api_selectors.tenant_organisation(self.tenant)
        try:
            serializer.instance = trainee_services.trainee_create(organisation=organisation, **data)
        except trainee_services.TraineeError as exc:
            raise _service_error(exc) from exc

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        data.pop("confirm_duplicate", None)
        try:
            serializer.instance = trainee_services.trainee_update(trainee=serializer.instance, **data)
        except trainee_services.TraineeError as exc:
            raise _service_error(exc) from exc


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter("order", OpenApiTypes.INT, description="Identifiant de l'action."),
            OpenApiParameter("trainee", OpenApiTypes.INT, description="Identifiant du stagiaire."),
        ]
    )
)
class EnrolmentViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    TenantViewSet,
):
    """Inscriptions des stagiaires sur les actions (dates d'entrée et de sortie, financeur)."""

    serializer_class = s.EnrolmentSerializer
    lookup_url_kwarg = "enrolment_id"
    api_area = "trainees"

    def get_queryset(self):
        fundings = scoped(EnrolmentFunding, self.tenant).order_by("pk")
        qs = scoped(Enrolment, self.tenant).prefetch_related(Prefetch("fundings", queryset=fundings))
        order = _int_param(self.request, "order")
        if order is not None:
            qs = qs.filter(order_id=order)
        trainee = _int_param(self.request, "trainee")
        if trainee is not None:
            qs = qs.filter(trainee_id=trainee)
        return qs.order_by("order_id", "pk")

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        for name in ("exit_date", "exit_reason", "exit_reason_detail"):
            if data.pop(name, None):
                raise ValidationError({name: "La sortie s'enregistre après l'inscription (PATCH)."})
        try:
            serializer.instance = trainee_services.enrolment_create(**data)
        except trainee_services.TraineeError as exc:
            raise _service_error(exc) from exc

    def perform_update(self, serializer):
        enrolment = serializer.instance
        data = dict(serializer.validated_data)
        data.pop("confirm_over_headcount", None)
        data.pop("order", None)
        data.pop("trainee", None)
        values = {
            "entry_date": enrolment.entry_date,
            "planned_hours": enrolment.planned_hours,
            "payer": enrolment.payer,
            "scheme": enrolment.scheme,
            "exit_date": enrolment.exit_date,
            "exit_reason": enrolment.exit_reason,
            "exit_reason_detail": enrolment.exit_reason_detail,
        }
        values.update(data)
        try:
            serializer.instance = trainee_services.enrolment_change(enrolment=enrolment, **values)
        except trainee_services.TraineeError as exc:
            raise _service_error(exc) from exc


ATTENDANCE_PARAMS = [
    OpenApiParameter("order", OpenApiTypes.INT, description="Identifiant de l'action."),
    OpenApiParameter("enrolment", OpenApiTypes.INT, description="Identifiant de l'inscription."),
    OpenApiParameter("month", OpenApiTypes.STR, description="Mois AAAA-MM, par exemple 2023-03."),
]


@extend_schema_view(list=extend_schema(parameters=ATTENDANCE_PARAMS))
class AttendanceViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    TenantViewSet,
):
    """Heures (réalisé, non réalisé comptabilisé) par stagiaire et par jour ou par mois.

    POST crée ou remplace la ligne du même stagiaire, même jour et même nature ; des heures à zéro
    suppriment la ligne (sauf dans un mois déjà validé, où elle est gardée comme rectificatif).
    """

    serializer_class = s.AttendanceSerializer
    lookup_url_kwarg = "attendance_id"
    api_area = "hours"

    def get_queryset(self):
        qs = scoped(Attendance, self.tenant).select_related("enrolment")
        order = _int_param(self.request, "order")
        if order is not None:
            qs = qs.filter(enrolment__order_id=order)
        enrolment = _int_param(self.request, "enrolment")
        if enrolment is not None:
            qs = qs.filter(enrolment_id=enrolment)
        month = self.request.query_params.get("month")
        if month:
            try:
                qs = qs.in_month(parse_month(month))
            except ValueError as exc:
                raise ValidationError({"month": str(exc)}) from exc
        return qs.order_by("enrolment_id", "day", "kind")

    def _write(self, *, enrolment, day, kind, data):
        values = {
            "realised_hours": data["realised_hours"],
            "counted_unrealised_hours": data.get("counted_unrealised_hours", 0),
            "unrealised_reason": data.get("unrealised_reason", ""),
            "by": self.request.user,
            "source": AttendanceSource.API,
        }
        try:
            if kind == AttendanceKind.MONTH:
                return attendance_services.attendance_set_month_total(
                    enrolment=enrolment, month=day, **values
                )
            return attendance_services.attendance_set(enrolment=enrolment, day=day, **values)
        except attendance_services.AttendanceRefused as exc:
            raise ValidationError({"detail": exc.message}) from exc

    @extend_schema(
        request=s.AttendanceSerializer,
        responses={201: s.AttendanceSerializer, 200: s.AttendanceSerializer, 204: None},
    )
    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        enrolment, kind, day = data["enrolment"], data.get("kind", AttendanceKind.DAY), data["day"]
        stored_day = day.replace(day=1) if kind == AttendanceKind.MONTH else day
        existed = attendance_selectors.attendance_exists(enrolment=enrolment, day=stored_day, kind=kind)
        row = self._write(enrolment=enrolment, day=day, kind=kind, data=data)
        if row is None:
            return Response(status=status.HTTP_204_NO_CONTENT)
        code = status.HTTP_200_OK if existed else status.HTTP_201_CREATED
        return Response(self.get_serializer(row).data, status=code)

    @extend_schema(responses={200: s.AttendanceSerializer, 204: None})
    def update(self, request, *args, **kwargs):
        partial = kwargs.pop("partial", False)
        instance = self.get_object()
        serializer = self.get_serializer(instance, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        data = {
            "realised_hours": instance.realised_hours,
            "counted_unrealised_hours": instance.counted_unrealised_hours,
            "unrealised_reason": instance.unrealised_reason,
            **serializer.validated_data,
        }
        row = self._write(enrolment=instance.enrolment, day=instance.day, kind=instance.kind, data=data)
        if row is None:
            return Response(status=status.HTTP_204_NO_CONTENT)
        return Response(self.get_serializer(row).data)

    @extend_schema(
        request=s.AttendanceBulkSerializer,
        responses={200: s.BulkResultSerializer, 400: s.BulkErrorSerializer},
        description="Envoi groupé d'heures (outils d'émargement) : tout ou rien.",
    )
    @action(detail=False, methods=["post"], url_path="bulk")
    def bulk(self, request):
        serializer = s.AttendanceBulkSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        rows = serializer.validated_data["rows"]
        ids = {row["enrolment"] for row in rows}
        enrolments = scoped(Enrolment, self.tenant).select_related("trainee").in_bulk(ids)
        unknown = [
            {"index": index, "message": "Inscription inconnue."}
            for index, row in enumerate(rows)
            if row["enrolment"] not in enrolments
        ]
        if unknown:
            return Response(
                {"detail": "Des lignes sont refusées : rien n'a été enregistré.", "errors": unknown},
                status=status.HTTP_400_BAD_REQUEST,
            )
        service_rows = [{**row, "enrolment": enrolments[row["enrolment"]]} for row in rows]
        try:
            result = attendance_services.attendance_bulk_upsert(
                rows=service_rows, by=request.user, source=AttendanceSource.API
            )
        except attendance_services.AttendanceBulkRefused as exc:
            return Response(
                {
                    "detail": "Des lignes sont refusées : rien n'a été enregistré.",
                    "errors": [{"index": i, "message": m} for i, m in exc.errors],
                },
                status=status.HTTP_400_BAD_REQUEST,
            )
        return Response(s.BulkResultSerializer(result).data)


__all__ = ["AttendanceViewSet", "EnrolmentViewSet", "OrderViewSet", "TraineeViewSet"]

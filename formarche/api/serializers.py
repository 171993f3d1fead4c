"""Serializers: shape only. Writes go through the apps' services (the same rules as the pages)."""

from decimal import Decimal

from rest_framework import serializers

from formarche.accounts.tenancy import scoped
from formarche.api.tenancy import api_tenant
from formarche.attendance.models import Attendance, AttendanceKind, UnrealisedReason
from formarche.orders.models import Amendment, Component, Order, OrderMember
from formarche.trainees.models import Enrolment, EnrolmentFunding, Trainee
from formarche.utils.money import round_places


def _tenant(serializer):
    return api_tenant(serializer.context["request"])


class RoundedDecimalField(serializers.DecimalField):
    """A decimal rounded half up by ``utils.money.round_places`` before DRF writes it (the house rule)."""

    def to_representation(self, value):
        return super().to_representation(round_places(Decimal(value), self.decimal_places))


class ComponentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Component
        fields = ["id", "code", "label"]


class AmendmentSerializer(serializers.ModelSerializer):
    """Avenant (ADR 0020): in force for the statements from the month of ``effective_date``."""

    class Meta:
        model = Amendment
        fields = [
            "number",
            "effective_date",
            "reason",
            "amount_before",
            "amount_after",
            "unit_price_before",
            "unit_price_after",
            "planned_end_before",
            "planned_end_after",
            "duration_months_before",
            "duration_months_after",
            "created_at",
        ]


class OrderMemberSerializer(serializers.ModelSerializer):
    """A member of the group executing the order (groupement, ADR 0018): empty list for an order
    executed by one organisation."""

    organisation_code = serializers.CharField(source="organisation.provider_code", read_only=True)
    organisation_name = serializers.CharField(source="organisation.name", read_only=True)

    class Meta:
        model = OrderMember
        fields = ["organisation_code", "organisation_name", "role", "amount"]
        read_only_fields = fields


class OrderSerializer(serializers.ModelSerializer):
    """Bon de commande = action de formation (read only); its terms are the current ones, its
    ``amendments`` (avenants) say from when."""

    lot = serializers.CharField(source="lot.label", read_only=True)
    lot_number = serializers.IntegerField(source="lot.number", read_only=True)
    market = serializers.CharField(source="lot.market.reference", read_only=True)
    dispositif = serializers.CharField(source="dispositif.code", read_only=True)
    dispositif_name = serializers.CharField(source="dispositif.name", read_only=True)
    region = serializers.CharField(source="region.name", read_only=True)
    provider_name = serializers.CharField(source="provider.name", read_only=True)
    provider_code = serializers.CharField(source="provider.provider_code", read_only=True)
    referent_email = serializers.EmailField(source="referent.email", read_only=True, default=None)
    contracted_hours = RoundedDecimalField(
        max_digits=14,
        decimal_places=2,
        read_only=True,
        help_text="Montant / prix unitaire.",
    )
    cumulative_hours = serializers.DecimalField(
        max_digits=14,
        decimal_places=2,
        read_only=True,
        help_text="Cumul des heures réalisées et non réalisées comptabilisées.",
    )
    realisation_rate = RoundedDecimalField(
        max_digits=9,
        decimal_places=2,
        read_only=True,
        help_text="% de réalisation : heures cumulées × prix unitaire / montant × 100.",
    )
    components = ComponentSerializer(many=True, read_only=True)
    amendments = AmendmentSerializer(many=True, read_only=True)
    members = OrderMemberSerializer(many=True, read_only=True)

    class Meta:
        model = Order
        fields = [
            "id",
            "number",
            "title",
            "region",
            "market",
            "lot",
            "lot_number",
            "dispositif",
            "dispositif_name",
            "provider",
            "provider_name",
            "provider_code",
            "provider_role",
            "unit_price",
            "amount",
            "contracted_hours",
            "cumulative_hours",
            "realisation_rate",
            "planned_headcount",
            "planned_start",
            "planned_end",
            "real_end",
            "duration_months",
            "status",
            "referent_email",
            "opened_at",
            "actual_start",
            "place",
            "certification_type",
            "certification_code",
            "certification_level",
            "nsf_code",
            "training_kind",
            "distance_part",
            "components",
            "amendments",
            "members",
        ]
        read_only_fields = fields


class TraineeSerializer(serializers.ModelSerializer):
    confirm_duplicate = serializers.BooleanField(
        write_only=True,
        required=False,
        default=False,
        help_text="Enregistrer même si un stagiaire de même nom, prénom et date de naissance existe.",
    )

    class Meta:
        model = Trainee
        fields = [
            "id",
            "civility",
            "last_name",
            "first_name",
            "birth_date",
            "email",
            "phone",
            "city",
            "entry_status",
            "external_ref",
            "created_at",
            "confirm_duplicate",
        ]
        read_only_fields = ["id", "created_at"]
        validators = []  # uniqueness is checked by the service, with a French message
        extra_kwargs = {"external_ref": {"validators": []}}


class EnrolmentFundingSerializer(serializers.ModelSerializer):
    """Cofinancement: another payer besides the enrolment's principal one (read only here; entered on
    the enrolment page or by import). Exactly one of ``amount`` (€ HT for the whole enrolment) and
    ``hourly_rate`` (€ HT per billable hour) is set."""

    payer_label = serializers.CharField(source="get_payer_display", read_only=True)

    class Meta:
        model = EnrolmentFunding
        fields = ["id", "payer", "payer_label", "amount", "hourly_rate", "label", "created_at"]
        read_only_fields = fields


class EnrolmentSerializer(serializers.ModelSerializer):
    order = serializers.PrimaryKeyRelatedField(
        queryset=Order.objects.none(), help_text="Identifiant de l'action."
    )
    trainee = serializers.PrimaryKeyRelatedField(
        queryset=Trainee.objects.none(), help_text="Identifiant du stagiaire (registre de l'organisme)."
    )
    confirm_over_headcount = serializers.BooleanField(
        write_only=True, required=False, default=False, help_text="Inscrire au-delà de l'effectif prévu."
    )
    fundings = EnrolmentFundingSerializer(
        many=True,
        read_only=True,
        help_text="Cofinancements de l'inscription, en plus du financeur principal (lecture seule).",
    )

    class Meta:
        model = Enrolment
        fields = [
            "id",
            "order",
            "trainee",
            "entry_date",
            "planned_hours",
            "payer",
            "scheme",
            "exit_date",
            "exit_reason",
            "exit_reason_detail",
            "created_at",
            "confirm_over_headcount",
            "fundings",
        ]
        read_only_fields = ["id", "created_at", "fundings"]
        validators = []

    def get_fields(self):
        fields = super().get_fields()
        request = self.context.get("request")
        if request is not None:
            tenant = _tenant(self)
            fields["order"].queryset = scoped(Order, tenant)
            fields["trainee"].queryset = scoped(Trainee, tenant)
        return fields

    def validate(self, attrs):
        if self.instance is not None:
            for name in ("order", "trainee"):
                if name in attrs and attrs[name] != getattr(self.instance, name):
                    raise serializers.ValidationError(
                        {name: "Une inscription ne change ni d'action ni de stagiaire."}
                    )
        return attrs


class AttendanceSerializer(serializers.ModelSerializer):
    """One trainee's hours for a day (``kind`` = ``jour``) or a month total (``mois``, day = any day of it)."""

    enrolment = serializers.PrimaryKeyRelatedField(
        queryset=Enrolment.objects.none(), help_text="Identifiant de l'inscription."
    )
    order = serializers.IntegerField(source="enrolment.order_id", read_only=True)
    kind = serializers.ChoiceField(choices=AttendanceKind.choices, default=AttendanceKind.DAY)
    realised_hours = serializers.DecimalField(max_digits=6, decimal_places=2, min_value=0, max_value=744)
    counted_unrealised_hours = serializers.DecimalField(
        max_digits=6, decimal_places=2, min_value=0, max_value=744, required=False, default="0"
    )
    unrealised_reason = serializers.ChoiceField(
        choices=[("", "—")] + list(UnrealisedReason.choices), required=False, default=""
    )

    class Meta:
        model = Attendance
        fields = [
            "id",
            "enrolment",
            "order",
            "day",
            "kind",
            "realised_hours",
            "counted_unrealised_hours",
            "unrealised_reason",
            "is_correction",
            "source",
            "updated_at",
        ]
        read_only_fields = ["id", "order", "is_correction", "source", "updated_at"]
        validators = []

    def get_fields(self):
        fields = super().get_fields()
        if self.context.get("request") is not None:
            fields["enrolment"].queryset = scoped(Enrolment, _tenant(self)).select_related("trainee", "order")
        return fields

    def validate(self, attrs):
        if self.instance is not None:
            for name in ("enrolment", "day", "kind"):
                if name in attrs and attrs[name] != getattr(self.instance, name):
                    raise serializers.ValidationError(
                        {name: "Pour changer de jour ou d'inscription, créez une autre ligne."}
                    )
        return attrs


class AttendanceRowSerializer(serializers.Serializer):
    """A row of a bulk push (the enrolment is checked against the OF's own enrolments in one query)."""

    enrolment = serializers.IntegerField(help_text="Identifiant de l'inscription.")
    day = serializers.DateField()
    kind = serializers.ChoiceField(choices=AttendanceKind.choices, default=AttendanceKind.DAY)
    realised_hours = serializers.DecimalField(max_digits=6, decimal_places=2, min_value=0, max_value=744)
    counted_unrealised_hours = serializers.DecimalField(
        max_digits=6, decimal_places=2, min_value=0, max_value=744, required=False, default="0"
    )
    unrealised_reason = serializers.ChoiceField(
        choices=[("", "—")] + list(UnrealisedReason.choices), required=False, default=""
    )


class AttendanceBulkSerializer(serializers.Serializer):
    rows = AttendanceRowSerializer(many=True, allow_empty=False, max_length=5000, help_text="Tout ou rien.")


class BulkResultSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    deleted = serializers.IntegerField()


class RowErrorSerializer(serializers.Serializer):
    index = serializers.IntegerField(help_text="Rang de la ligne dans « rows », à partir de 0.")
    message = serializers.CharField()


class BulkErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()
    errors = RowErrorSerializer(many=True)

"""Marchés, lots, dispositifs and orders (bon de commande = action de formation)."""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q, Sum
from simple_history.models import HistoricalRecords

from formarche.orders.nsf import NSF_CODES
from formarche.orders.terms import parse_bands
from formarche.organisations.models import Organisation
from formarche.utils.money import CENT, percent, round_cents_of_ratio

#: an order's hours as the statements count them: Σ (réalisé + non réalisé comptabilisé) of its
#: enrolments, read through the ORM relations (orders imports neither trainees nor attendance)
HOURS_FIELD = models.DecimalField(max_digits=14, decimal_places=2)
CUMULATIVE_HOURS_SUM = Sum(
    F("enrolments__attendances__realised_hours") + F("enrolments__attendances__counted_unrealised_hours"),
    output_field=HOURS_FIELD,
)


class MarketQuerySet(models.QuerySet):
    def for_tenant(self, tenant):
        if tenant is None:
            return self.none()
        if tenant.is_region:
            return self.filter(region_id=tenant.organisation_id)
        return self.filter(lots__orders__in=Order.objects.for_tenant(tenant)).distinct()


class Market(models.Model):
    """Marché public de formation passé par une Région."""

    region = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="markets",
        verbose_name="Région",
        limit_choices_to={"kind": "region"},
    )
    reference = models.CharField("référence du marché", max_length=60)
    title = models.CharField("intitulé", max_length=250)
    year = models.PositiveSmallIntegerField("année", null=True, blank=True)

    objects = MarketQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = "marché"
        verbose_name_plural = "marchés"
        ordering = ["-year", "reference"]
        constraints = [
            models.UniqueConstraint(
                fields=["region", "reference"],
                name="market_unique_reference",
                violation_error_message="Cette référence de marché existe déjà pour cette Région.",
            )
        ]

    def __str__(self):
        return f"{self.reference} — {self.title}"


class LotQuerySet(models.QuerySet):
    def for_tenant(self, tenant):
        if tenant is None:
            return self.none()
        if tenant.is_region:
            return self.filter(market__region_id=tenant.organisation_id)
        return self.filter(orders__in=Order.objects.for_tenant(tenant)).distinct()


class Lot(models.Model):
    market = models.ForeignKey(Market, on_delete=models.PROTECT, related_name="lots", verbose_name="marché")
    number = models.PositiveIntegerField("numéro de lot")
    sector = models.CharField("secteur", max_length=120)
    trade_family = models.CharField("famille de métiers", max_length=200)
    territory = models.CharField("territoire", max_length=200)
    pricing_unit = models.CharField(
        "unité de prix", max_length=10, default="HSTA", help_text="HSTA : heure stagiaire."
    )

    objects = LotQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = "lot"
        verbose_name_plural = "lots"
        ordering = ["market", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["market", "number"],
                name="lot_unique_number",
                violation_error_message="Ce numéro de lot existe déjà dans ce marché.",
            )
        ]

    def __str__(self):
        return self.label

    @property
    def label(self) -> str:
        """As SIGMA prints it: ``Lot 3 - AGRICULTURE - … - DEPARTEMENT DU TARN - HSTA``."""
        return f"Lot {self.number} - {self.sector} - {self.trade_family} - {self.territory} - {self.pricing_unit}"


class DispositifQuerySet(models.QuerySet):
    def for_tenant(self, tenant):
        if tenant is None:
            return self.none()
        if tenant.is_region:
            return self.filter(region_id=tenant.organisation_id)
        return self.filter(orders__in=Order.objects.for_tenant(tenant)).distinct()


class Dispositif(models.Model):
    """A Région's programme, with its billing parameters as data (those of the statement engine)."""

    region = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="dispositifs",
        verbose_name="Région",
        limit_choices_to={"kind": "region"},
    )
    code = models.SlugField("code", max_length=60)
    name = models.CharField("nom", max_length=150)
    advance_rate = models.DecimalField(
        "taux d'avance",
        max_digits=7,
        decimal_places=6,
        default=Decimal("0.30"),
        help_text="0,30 pour 30 %. 0 si le dispositif ne prévoit pas d'avance.",
    )
    cap_rate = models.DecimalField(
        "taux de plafonnement",
        max_digits=7,
        decimal_places=6,
        null=True,
        blank=True,
        help_text="0,80 pour 80 % (Parcours Qualifiants, Compétences Plus). Vide : pas de plafond.",
    )
    resorption_bands = models.JSONField(
        "tranches de résorption de l'avance",
        default=list,
        blank=True,
        help_text='Liste de [de %, à %, fraction], par exemple [["10","20","1/3"],["30","40","2/3"],["50","60","1"]]. '
        "Vide : les tranches par défaut.",
    )
    vat_rate = models.DecimalField("taux de TVA", max_digits=7, decimal_places=6, default=Decimal("0"))
    history = HistoricalRecords()

    objects = DispositifQuerySet.as_manager()

    class Meta:
        verbose_name = "dispositif"
        verbose_name_plural = "dispositifs"
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["region", "code"], name="dispositif_unique_code"),
            models.CheckConstraint(
                condition=Q(advance_rate__gte=0, advance_rate__lte=1), name="dispositif_advance_rate_range"
            ),
            models.CheckConstraint(
                condition=Q(cap_rate__isnull=True) | Q(cap_rate__gt=0, cap_rate__lte=1),
                name="dispositif_cap_rate_range",
            ),
            models.CheckConstraint(
                condition=Q(vat_rate__gte=0, vat_rate__lte=1), name="dispositif_vat_rate_range"
            ),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        try:
            parse_bands(self.resorption_bands)
        except ValueError as exc:
            raise ValidationError({"resorption_bands": str(exc)}) from exc


class ProviderRole(models.TextChoices):
    TITULAIRE = "titulaire", "Titulaire"
    CO_TRAITANT = "cotraitant", "Co-traitant"
    SOUS_TRAITANT = "soustraitant", "Sous-traitant"


class ChorusBillingFrame(models.TextChoices):
    """Chorus Pro « cadre de facturation » (BT-23 of the Factur-X), the ones an OF can use."""

    SUPPLIER = "A1", "A1 — Dépôt par un fournisseur d'une facture"
    ALREADY_PAID = "A2", "A2 — Dépôt par un fournisseur d'une facture déjà payée"
    SUBCONTRACTOR = "A9", "A9 — Dépôt par un sous-traitant d'une facture"
    CO_CONTRACTOR = "A12", "A12 — Dépôt par un cotraitant d'une facture"


class OrderStatus(models.TextChoices):
    OPEN = "ouverte", "Ouverte"
    CLOSED = "fermee", "Fermée"
    ARCHIVED = "archivee", "Archivée"


def write_refusal(status: str, what: str, *, allow_closed: bool = False) -> str | None:
    """The French refusal of a write on an action in ``status``, or None when the write may go on.

    An archived action is read-only everywhere (issue #6); a closed one refuses what closing
    freezes, unless ``allow_closed`` (what legitimately follows the closing: the six-month
    questionnaires, identity corrections, proofs). ``what`` ends the sentence:
    ``write_refusal("fermee", "les sorties ne sont plus modifiables.")`` →
    « L'action est fermée : les sorties ne sont plus modifiables. ». Each service raises it as
    its own exception type.
    """
    if status == OrderStatus.ARCHIVED:
        return f"L'action est archivée : {what}"
    if status == OrderStatus.CLOSED and not allow_closed:
        return f"L'action est fermée : {what}"
    return None


class CertificationType(models.TextChoices):
    RNCP = "rncp", "Certification enregistrée au RNCP"
    # BPF F-3 a « dont CQP sans niveau de qualification » (issue #18): a CQP registered at the
    # RNCP, with its level or without one (certification_level "")
    RNCP_CQP = "rncp_cqp", "CQP enregistré au RNCP (avec ou sans niveau)"
    RS = "rs", "Certification ou habilitation enregistrée au répertoire spécifique (RS)"
    CQP = "cqp", "CQP non enregistré au RNCP ni au RS"
    NONE = "aucune", "Aucune certification (autre formation professionnelle)"


class TrainingKind(models.TextChoices):
    TRAINING = "formation", "Action de formation"
    SKILLS_ASSESSMENT = "bilan", "Bilan de compétences"
    VAE = "vae", "Accompagnement à la VAE"


class RncpLevel(models.TextChoices):
    L3 = "3", "Niveau 3 (CAP, BEP)"
    L4 = "4", "Niveau 4 (baccalauréat)"
    L5 = "5", "Niveau 5 (BTS, DUT)"
    L6 = "6", "Niveau 6 (licence)"
    L7 = "7", "Niveau 7 (master)"
    L8 = "8", "Niveau 8 (doctorat)"
    L2 = "2", "Niveau 2"
    NONE = "", "Sans niveau"


class OrderQuerySet(models.QuerySet):
    def for_tenant(self, tenant):
        """An OF sees the orders it delivers, as provider or co-traitant (ADR 0018: what lies under
        the order is scoped to each member's part by its own queryset); a Région those it placed."""
        if tenant is None:
            return self.none()
        if tenant.is_region:
            return self.filter(region_id=tenant.organisation_id)
        return self.filter(
            Q(provider_id=tenant.organisation_id)
            | Q(pk__in=OrderMember.objects.filter(organisation_id=tenant.organisation_id).values("order_id"))
        )

    def with_labels(self):
        return self.select_related("lot", "lot__market", "dispositif", "provider", "region", "referent")


class Order(models.Model):
    """Bon de commande = action de formation, priced per trainee-hour."""

    number = models.CharField(
        "numéro du bon de commande", max_length=40, unique=True, help_text="Par exemple 23Q00030612_1."
    )
    title = models.CharField("intitulé de l'action", max_length=250)
    region = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="placed_orders",
        verbose_name="Région",
        limit_choices_to={"kind": "region"},
    )
    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="orders", verbose_name="lot")
    dispositif = models.ForeignKey(
        Dispositif, on_delete=models.PROTECT, related_name="orders", verbose_name="dispositif"
    )
    provider = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="orders",
        verbose_name="organisme de formation",
        limit_choices_to={"kind": "of"},
    )
    provider_role = models.CharField(
        "statut de l'organisme", max_length=20, choices=ProviderRole.choices, default=ProviderRole.TITULAIRE
    )
    unit_price = models.DecimalField(
        "prix unitaire HT (€ par heure stagiaire)",
        max_digits=10,
        decimal_places=4,
        validators=[MinValueValidator(Decimal("0.0001"))],
    )
    amount = models.DecimalField(
        "montant HT de la commande (€)",
        max_digits=12,
        decimal_places=2,
        validators=[MinValueValidator(CENT)],
    )
    planned_headcount = models.PositiveIntegerField("effectif prévu", default=0)
    planned_start = models.DateField("date de début prévisionnelle")
    planned_end = models.DateField("date de fin prévisionnelle")
    real_end = models.DateField("date de fin réelle", null=True, blank=True)
    duration_months = models.PositiveSmallIntegerField("durée (mois)", validators=[MinValueValidator(1)])
    advance_paid = models.BooleanField("avance versée", default=True)
    referent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="followed_orders",
        verbose_name="référent administratif et financier",
    )
    status = models.CharField("statut", max_length=10, choices=OrderStatus.choices, default=OrderStatus.OPEN)
    # Ouverture de l'action (by the OF) — also the data the BPF needs.
    opened_at = models.DateTimeField("ouverte le", null=True, blank=True)
    actual_start = models.DateField("date de début confirmée", null=True, blank=True)
    place = models.CharField("lieu de formation", max_length=250, blank=True)
    certification_type = models.CharField(
        "certification visée", max_length=10, choices=CertificationType.choices, blank=True
    )
    certification_code = models.CharField("code RNCP ou RS", max_length=20, blank=True)
    certification_level = models.CharField(
        "niveau de qualification", max_length=2, choices=RncpLevel.choices, blank=True
    )
    nsf_code = models.CharField("spécialité de formation (NSF)", max_length=4, blank=True)
    training_kind = models.CharField(
        "nature de l'action", max_length=12, choices=TrainingKind.choices, default=TrainingKind.TRAINING
    )
    distance_part = models.BooleanField("réalisée en tout ou partie à distance", default=False)
    # Chorus Pro (Région's side), carried on every Factur-X of the order: BT-23, BT-13, BT-10
    chorus_billing_frame = models.CharField(
        "cadre de facturation (Chorus Pro)", max_length=3, choices=ChorusBillingFrame.choices, blank=True
    )
    chorus_commitment_number = models.CharField(
        "numéro d'engagement juridique (Chorus Pro)",
        max_length=50,
        blank=True,
        help_text="Écrit comme référence de la commande de l'acheteur (BT-13) ; à défaut, le numéro du bon de commande.",
    )
    chorus_service_code = models.CharField(
        "code service (Chorus Pro)",
        max_length=100,
        blank=True,
        help_text="Service destinataire de la Région dans Chorus Pro (référence de l'acheteur, BT-10).",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    objects = OrderQuerySet.as_manager()

    class Meta:
        verbose_name = "action de formation"
        verbose_name_plural = "actions de formation"
        ordering = ["-planned_start", "number"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0),
                name="order_amount_positive",
                violation_error_message="Le montant de la commande doit être positif.",
            ),
            models.CheckConstraint(
                condition=Q(unit_price__gt=0),
                name="order_unit_price_positive",
                violation_error_message="Le prix unitaire doit être positif.",
            ),
            models.CheckConstraint(
                condition=Q(planned_end__gte=models.F("planned_start")),
                name="order_planned_dates_ordered",
                violation_error_message="La fin prévisionnelle précède le début.",
            ),
            models.CheckConstraint(condition=Q(duration_months__gte=1), name="order_duration_positive"),
        ]
        indexes = [models.Index(fields=["provider", "status"]), models.Index(fields=["region", "status"])]

    def __str__(self):
        return f"{self.number} - {self.lot.label}" if self.lot_id else self.number

    @property
    def label(self) -> str:
        """``23Q00030612_1 - Lot 3 - AGRICULTURE - … - HSTA`` as in the seed."""
        return str(self)

    @property
    def contracted_hours(self) -> Decimal:
        """Contracted trainee-hours V = A / p (2 places, for display and controls): the engine's
        ``contracted_hours(terms)``, without building and checking the whole terms for each row
        of a list (A and p are positive by the table's constraints)."""
        return round_cents_of_ratio(self.amount, self.unit_price)

    def realisation_rate_of(self, cumulative_hours: Decimal) -> Decimal:
        """% de réalisation r = C × p / A × 100, to the cent (``|taux`` shows it) [seed: 95,14 %]."""
        return percent((cumulative_hours or Decimal(0)) * self.unit_price, self.amount)

    @property
    def realisation_rate(self) -> Decimal:
        """The rate from the ``cumulative_hours`` annotation (``orders.selectors``), else one query."""
        hours = getattr(self, "cumulative_hours", None)
        if hours is None:
            total = Order.objects.filter(pk=self.pk).aggregate(total=CUMULATIVE_HOURS_SUM)["total"]
            hours = self.cumulative_hours = total or Decimal("0")
        return self.realisation_rate_of(hours)

    @property
    def is_open(self) -> bool:
        return self.status == OrderStatus.OPEN

    @property
    def is_archived(self) -> bool:
        return self.status == OrderStatus.ARCHIVED

    def write_refusal(self, what: str, *, allow_closed: bool = False) -> str | None:
        """See :func:`write_refusal` (reads ``self.status`` as loaded: lock the row first)."""
        return write_refusal(self.status, what, allow_closed=allow_closed)

    @property
    def is_group(self) -> bool:
        """Executed by a group of OFs (groupement: a mandataire and co-traitants, ADR 0018)."""
        return self.members.exists()

    @property
    def is_opened_by_provider(self) -> bool:
        return self.opened_at is not None

    def clean(self):
        errors = {}
        if self.planned_start and self.planned_end and self.planned_end < self.planned_start:
            errors["planned_end"] = "La date de fin prévisionnelle doit suivre la date de début."
        if self.real_end and self.planned_start and self.real_end < self.planned_start:
            errors["real_end"] = "La date de fin réelle précède le début de l'action."
        if self.provider_id and not self.provider.is_of:
            errors["provider"] = "Le prestataire doit être un organisme de formation."
        if self.nsf_code and self.nsf_code not in NSF_CODES:
            errors["nsf_code"] = "Code NSF inconnu (voir la nomenclature des spécialités de formation)."
        if errors:
            raise ValidationError(errors)


class ComponentQuerySet(models.QuerySet):
    def for_tenant(self, tenant):
        if tenant is None:
            return self.none()
        return self.filter(order__in=Order.objects.for_tenant(tenant))


class Component(models.Model):
    """Composante d'une action (exits are required on every component)."""

    order = models.ForeignKey(
        Order, on_delete=models.CASCADE, related_name="components", verbose_name="action"
    )
    code = models.CharField("code", max_length=30)
    label = models.CharField("intitulé", max_length=200)

    objects = ComponentQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = "composante"
        verbose_name_plural = "composantes"
        ordering = ["order", "code"]
        constraints = [models.UniqueConstraint(fields=["order", "code"], name="component_unique_code")]

    def __str__(self):
        return f"{self.code} — {self.label}"


# --- amend --- (avenants, ADR 0020: their own module, imported here so that Django finds them)
from formarche.orders.models_amendment import Amendment  # noqa: E402, F401

# --- end amend ---
# --- group --- (groupements, ADR 0018: their own module, imported here so that Django finds them)
from formarche.orders.models_group import MemberRole, OrderMember  # noqa: E402, F401
# --- end group ---

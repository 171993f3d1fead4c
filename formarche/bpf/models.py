"""What operations do not hold, captured once for the BPF.

- :class:`FiscalYear`: an organisation's accounting year (not always the calendar year), with the
  manual amounts of cadre D and the global turnover (when no accounts are imported), the
  allocation key of mixed charges, and the BPF once validated (edition and figures frozen) and
  filed.
- :class:`AccountLine`: one account's debit and credit totals for the year (classes 6 and 7),
  imported from a FEC or a trial balance, or typed in.
- :class:`Trainer`, :class:`TrainerStatusPeriod`, :class:`TrainerHours`: people giving training
  hours (cadre E), their status over date ranges and their hours (per day or per month).
- :class:`OtherProduct`: products not derived from hours (C-11, flat-fee sales, advances,
  penalties) — advances and penalties are kept to be *excluded* visibly.
- :class:`Subcontracting`: an action entrusted to another OF (F-2) or received from one (G, C-10).

Every QuerySet has ``for_tenant``: an OF sees its own rows; a Région sees none (the BPF is the
OF's declaration).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from simple_history.models import HistoricalRecords

from formarche.orders.models import Order
from formarche.organisations.models import Organisation
from formarche.trainees.models import Payer

MONEY = {"max_digits": 14, "decimal_places": 2}
HOURS = {"max_digits": 9, "decimal_places": 2}


def _of_scope(queryset, tenant, field="organisation_id"):
    if tenant is None or not tenant.is_of:
        return queryset.none()
    return queryset.filter(**{field: tenant.organisation_id})


# --------------------------------------------------------------------------------------------
# Fiscal years and accounts
# --------------------------------------------------------------------------------------------


class FiscalYearQuerySet(models.QuerySet):
    def for_tenant(self, tenant):
        return _of_scope(self, tenant)

    def ending_in(self, year: int):
        return self.filter(end__year=year)


class FiscalYear(models.Model):
    """Exercice comptable d'un organisme de formation."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="fiscal_years", verbose_name="organisme"
    )
    start = models.DateField("début de l'exercice")
    end = models.DateField("fin de l'exercice (date de clôture)")
    total_turnover = models.DecimalField(
        "chiffre d'affaires global HT (saisie manuelle)",
        null=True,
        blank=True,
        help_text="Vide : la somme des comptes 70 importés.",
        **MONEY,
    )
    training_charges = models.DecimalField(
        "total des charges liées à la formation (saisie manuelle)",
        null=True,
        blank=True,
        help_text="Vide : la somme des comptes de classe 6 importés, après clé de répartition.",
        **MONEY,
    )
    trainer_salaries = models.DecimalField(
        "dont salaires des formateurs (saisie manuelle)", null=True, blank=True, **MONEY
    )
    training_purchases = models.DecimalField(
        "dont achats de formation et honoraires (saisie manuelle)", null=True, blank=True, **MONEY
    )
    allocation_rate = models.DecimalField(
        "clé de répartition des charges mixtes",
        max_digits=7,
        decimal_places=6,
        default=Decimal("1"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1"))],
        help_text="Part des charges de l'organisme imputable à la formation : 1 pour 100 %, 0,6 pour 60 % "
        "(organisme qui a d'autres activités). Un compte peut avoir sa propre part.",
    )
    accounts_source = models.CharField("origine des comptes", max_length=120, blank=True)
    validated_at = models.DateTimeField("BPF validé le", null=True, blank=True)
    validated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="validé par",
    )
    validated_edition = models.CharField("édition du BPF validé", max_length=12, blank=True)
    validated_data = models.JSONField("BPF validé (cases figées)", null=True, blank=True)
    filed_on = models.DateField("déposé le", null=True, blank=True)
    history = HistoricalRecords()

    objects = FiscalYearQuerySet.as_manager()

    class Meta:
        verbose_name = "exercice comptable"
        verbose_name_plural = "exercices comptables"
        ordering = ["organisation", "-end"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end__gt=F("start")),
                name="fiscal_year_end_after_start",
                violation_error_message="La fin de l'exercice doit suivre son début.",
            ),
            models.UniqueConstraint(
                fields=["organisation", "start"],
                name="fiscal_year_unique_start",
                violation_error_message="Un exercice commence déjà à cette date.",
            ),
            models.CheckConstraint(
                condition=Q(allocation_rate__gte=0, allocation_rate__lte=1),
                name="fiscal_year_allocation_rate_range",
            ),
            models.CheckConstraint(
                condition=Q(filed_on__isnull=True) | Q(validated_at__isnull=False),
                name="fiscal_year_filed_after_validation",
                violation_error_message="Un BPF doit être validé avant d'être déclaré déposé.",
            ),
        ]

    def __str__(self):
        return f"Exercice {self.label}"

    @property
    def label(self) -> str:
        if self.start.month == 1 and self.start.day == 1 and self.end == date(self.start.year, 12, 31):
            return str(self.start.year)
        return f"du {self.start:%d/%m/%Y} au {self.end:%d/%m/%Y}"

    @property
    def legal_deadline(self) -> date:
        """30 April of the year after the closing date (R. 6352-22 du Code du travail)."""
        return date(self.end.year + 1, 4, 30)

    @property
    def campaign_end(self) -> date:
        """End of the online campaign (setting FORMARCHE_BPF_CAMPAIGN_END, "MM-DD", 31 May by default)."""
        month, day = (int(x) for x in campaign_end_setting().split("-"))
        return date(self.end.year + 1, month, day)

    @property
    def is_validated(self) -> bool:
        return self.validated_at is not None

    @property
    def is_filed(self) -> bool:
        return self.filed_on is not None

    def contains(self, day: date) -> bool:
        return self.start <= day <= self.end


def campaign_end_setting() -> str:
    return str(getattr(settings, "FORMARCHE_BPF_CAMPAIGN_END", "05-31"))


class BpfStatus(models.TextChoices):
    """State of a fiscal year's BPF, as the home block and the list show it (not stored)."""

    TO_CREATE = "a_creer", "Exercice à enregistrer"
    TO_PREPARE = "a_preparer", "À préparer"
    VALIDATED = "valide", "Validé"
    FILED = "depose", "Déposé"


class AccountSource(models.TextChoices):
    FEC = "fec", "Fichier des écritures comptables (FEC)"
    BALANCE = "balance", "Balance comptable"
    MANUAL = "saisie", "Saisie"


class AccountLineQuerySet(models.QuerySet):
    def for_tenant(self, tenant):
        return _of_scope(self, tenant, "fiscal_year__organisation_id")


class AccountLine(models.Model):
    """Totals of one account (classes 6 and 7) for a fiscal year."""

    fiscal_year = models.ForeignKey(
        FiscalYear, on_delete=models.CASCADE, related_name="account_lines", verbose_name="exercice"
    )
    account = models.CharField("compte", max_length=20)
    label = models.CharField("libellé", max_length=200, blank=True)
    debit = models.DecimalField("débit", default=Decimal("0"), **MONEY)
    credit = models.DecimalField("crédit", default=Decimal("0"), **MONEY)
    training_share = models.DecimalField(
        "part formation",
        max_digits=7,
        decimal_places=6,
        null=True,
        blank=True,
        help_text="Vide : la clé de répartition de l'exercice (charges seulement).",
    )
    source = models.CharField("origine", max_length=10, choices=AccountSource.choices)
    history = HistoricalRecords()

    objects = AccountLineQuerySet.as_manager()

    class Meta:
        verbose_name = "compte de l'exercice"
        verbose_name_plural = "comptes de l'exercice"
        ordering = ["fiscal_year", "account"]
        constraints = [
            models.UniqueConstraint(
                fields=["fiscal_year", "account"],
                name="account_line_unique_account",
                violation_error_message="Ce compte figure déjà dans l'exercice.",
            ),
            models.CheckConstraint(
                condition=Q(account__regex=r"^[67][0-9]*$"), name="account_line_class_6_or_7"
            ),
            models.CheckConstraint(
                condition=Q(training_share__isnull=True) | Q(training_share__gte=0, training_share__lte=1),
                name="account_line_share_range",
            ),
        ]

    def __str__(self):
        return f"{self.account} {self.label}"

    @property
    def is_charge(self) -> bool:
        return self.account.startswith("6")

    @property
    def balance(self) -> Decimal:
        """Charges: debit − credit; products: credit − debit."""
        return self.debit - self.credit if self.is_charge else self.credit - self.debit


# --------------------------------------------------------------------------------------------
# Trainers (cadre E)
# --------------------------------------------------------------------------------------------


class TrainerStatus(models.TextChoices):
    """Values are the engine's (`formarche.bpf.inputs.TrainerStatus`)."""

    OWNER = "owner", "Dirigeant ou travailleur indépendant qui forme"
    CDI = "cdi", "Salarié en CDI"
    CDD = "cdd", "Salarié en CDD"
    OCCASIONAL = "occasional", "Formateur occasionnel (moins de 30 jours par an)"
    LENT = "lent", "Salarié mis à disposition à but non lucratif"
    VOLUNTEER = "volunteer", "Bénévole"
    EXTERNAL = "external", "Extérieur : sous-traitance, prestation de service ou honoraires"


class TrainerQuerySet(models.QuerySet):
    def for_tenant(self, tenant):
        return _of_scope(self, tenant)


class Trainer(models.Model):
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="trainers", verbose_name="organisme"
    )
    last_name = models.CharField("nom", max_length=120)
    first_name = models.CharField("prénom", max_length=120, blank=True)
    email = models.EmailField("courriel", blank=True)
    external_ref = models.CharField("identifiant externe", max_length=60, blank=True)
    history = HistoricalRecords()

    objects = TrainerQuerySet.as_manager()

    class Meta:
        verbose_name = "formateur"
        verbose_name_plural = "formateurs"
        ordering = ["last_name", "first_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "external_ref"],
                condition=~Q(external_ref=""),
                name="trainer_unique_external_ref",
                violation_error_message="Cet identifiant externe est déjà utilisé par un autre formateur.",
            )
        ]

    def __str__(self):
        return f"{self.last_name.upper()} {self.first_name}".strip()


class TrainerStatusPeriodQuerySet(models.QuerySet):
    def for_tenant(self, tenant):
        return _of_scope(self, tenant, "trainer__organisation_id")


class TrainerStatusPeriod(models.Model):
    trainer = models.ForeignKey(
        Trainer, on_delete=models.CASCADE, related_name="status_periods", verbose_name="formateur"
    )
    start = models.DateField("du")
    end = models.DateField("au", null=True, blank=True, help_text="Vide : en cours.")
    status = models.CharField("statut", max_length=12, choices=TrainerStatus.choices)
    history = HistoricalRecords()

    objects = TrainerStatusPeriodQuerySet.as_manager()

    class Meta:
        verbose_name = "statut du formateur"
        verbose_name_plural = "statuts du formateur"
        ordering = ["trainer", "start"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end__isnull=True) | Q(end__gte=F("start")),
                name="trainer_status_end_after_start",
                violation_error_message="La fin de la période précède son début.",
            ),
            models.UniqueConstraint(fields=["trainer", "start"], name="trainer_status_unique_start"),
        ]

    def __str__(self):
        return f"{self.get_status_display()} depuis le {self.start:%d/%m/%Y}"


class TrainerHoursKind(models.TextChoices):
    DAY = "jour", "Journée"
    MONTH = "mois", "Total mensuel"


class TrainerHoursQuerySet(models.QuerySet):
    def for_tenant(self, tenant):
        return _of_scope(self, tenant, "trainer__organisation_id")


class TrainerHours(models.Model):
    trainer = models.ForeignKey(
        Trainer, on_delete=models.CASCADE, related_name="hours", verbose_name="formateur"
    )
    order = models.ForeignKey(
        Order,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="trainer_hours",
        verbose_name="action",
    )
    day = models.DateField("jour", help_text="Pour un total mensuel : le premier jour du mois.")
    kind = models.CharField(
        "nature", max_length=4, choices=TrainerHoursKind.choices, default=TrainerHoursKind.DAY
    )
    hours = models.DecimalField("heures dispensées", **HOURS)
    history = HistoricalRecords()

    objects = TrainerHoursQuerySet.as_manager()

    class Meta:
        verbose_name = "heures de formateur"
        verbose_name_plural = "heures de formateurs"
        ordering = ["trainer", "day"]
        constraints = [
            models.CheckConstraint(
                condition=Q(hours__gte=0),
                name="trainer_hours_not_negative",
                violation_error_message="Un nombre d'heures ne peut pas être négatif.",
            ),
            models.CheckConstraint(
                condition=Q(kind="jour") | Q(day__day=1), name="trainer_hours_month_first_day"
            ),
        ]
        indexes = [models.Index(fields=["trainer", "day"])]

    def __str__(self):
        return f"{self.trainer} — {self.day:%d/%m/%Y} : {self.hours} h"


# --------------------------------------------------------------------------------------------
# Other products (C-11, flat fees, advances, penalties)
# --------------------------------------------------------------------------------------------


class ProductKind(models.TextChoices):
    """Values are the engine's (`formarche.bpf.inputs.ProductKind`)."""

    TRAINING = "training", "Produit de formation (vente forfaitaire…)"
    OTHER = "other", "Autre produit au titre de la formation (ligne C-11)"
    ADVANCE = "advance", "Avance pour des heures non réalisées (exclue)"
    PENALTY = "penalty", "Dédit, pénalité, dédommagement (exclu)"


class OtherProductKind(models.TextChoices):
    ABROAD = "abroad", "Formation facturée à l'étranger"
    TEACHING_TOOLS = "teaching_tools", "Vente d'outils pédagogiques"
    ROYALTIES = "royalties", "Redevances"
    FINANCIAL = "financial", "Produits financiers des fonds de la formation"
    BOARD_LODGING_TRANSPORT = "board_lodging_transport", "Repas, hébergement, transport refacturés"
    EXCEPTIONAL = "exceptional", "Produit exceptionnel (exclu du cadre C)"


class OtherProductQuerySet(models.QuerySet):
    def for_tenant(self, tenant):
        return _of_scope(self, tenant)


class OtherProduct(models.Model):
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="bpf_products", verbose_name="organisme"
    )
    on = models.DateField("date (de réalisation)")
    label = models.CharField("libellé", max_length=200)
    kind = models.CharField("nature", max_length=10, choices=ProductKind.choices, default=ProductKind.OTHER)
    other_kind = models.CharField("détail", max_length=24, choices=OtherProductKind.choices, blank=True)
    payer = models.CharField(
        "financeur (ligne C)",
        max_length=4,
        choices=Payer.choices,
        blank=True,
        help_text="Obligatoire pour un produit de formation.",
    )
    amount = models.DecimalField("montant HT", **MONEY)
    order = models.ForeignKey(
        Order,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="bpf_products",
        verbose_name="action",
    )
    history = HistoricalRecords()

    objects = OtherProductQuerySet.as_manager()

    class Meta:
        verbose_name = "autre produit"
        verbose_name_plural = "autres produits"
        ordering = ["organisation", "on"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="training") | ~Q(payer=""),
                name="other_product_training_has_payer",
                violation_error_message="Un produit de formation doit indiquer son financeur (ligne C).",
            ),
        ]

    def __str__(self):
        return f"{self.label} ({self.amount} €)"


# --------------------------------------------------------------------------------------------
# Sub-contracting (F-2, G, C-10)
# --------------------------------------------------------------------------------------------


class SubcontractingDirection(models.TextChoices):
    ENTRUSTED = "confiee", "Action confiée à un autre organisme (F-2)"
    RECEIVED = "recue", "Action confiée par un autre organisme (cadre G, produits en C-10)"


class SubcontractingQuerySet(models.QuerySet):
    def for_tenant(self, tenant):
        return _of_scope(self, tenant, "order__provider_id")


class Subcontracting(models.Model):
    order = models.OneToOneField(
        Order, on_delete=models.CASCADE, related_name="bpf_subcontracting", verbose_name="action"
    )
    direction = models.CharField("sens", max_length=8, choices=SubcontractingDirection.choices)
    partner_name = models.CharField("autre organisme", max_length=200)
    partner_siret = models.CharField("SIRET de l'autre organisme", max_length=14, blank=True)
    history = HistoricalRecords()

    objects = SubcontractingQuerySet.as_manager()

    class Meta:
        verbose_name = "sous-traitance"
        verbose_name_plural = "sous-traitances"

    def __str__(self):
        return f"{self.order.number} — {self.get_direction_display()}"

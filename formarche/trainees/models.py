"""Trainees (a registry per OF) and their enrolments on actions."""

import re
import unicodedata
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models, transaction
from django.db.models import F, Q
from simple_history.models import HistoricalRecords

from formarche.orders.models import Order, OrderMember
from formarche.organisations.models import Organisation


def normalize_name(value: str) -> str:
    """Key for comparing names: no accents, no case, hyphens and apostrophes as spaces.

    ``"  Hélène-Marie  d'Arc"`` → ``"helene marie d arc"``.
    """
    text = unicodedata.normalize("NFKD", value or "")
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).casefold()
    return " ".join(re.split(r"[\s\-'’.]+", text)).strip()


def trainee_name_key(last_name: str, first_name: str) -> str:
    return f"{normalize_name(last_name)}|{normalize_name(first_name)}"


#: the fields ``Trainee.name_key`` is computed from
NAME_FIELDS = frozenset({"last_name", "first_name"})


class Civility(models.TextChoices):
    MADAME = "mme", "Madame"
    MONSIEUR = "m", "Monsieur"


class EntryStatus(models.TextChoices):
    """Status at entry — the BPF's F-1 lines."""

    EMPLOYEE = "salarie", "Salarié d'un employeur privé (hors apprenti)"
    APPRENTICE = "apprenti", "Apprenti"
    JOB_SEEKER = "demandeur_emploi", "Demandeur d'emploi"
    INDIVIDUAL = "particulier", "Particulier à ses propres frais"
    OTHER = "autre", "Autre (agent public, non-salarié, bénévole…)"


class Payer(models.TextChoices):
    """Who pays for the training and under which scheme — the BPF's C lines."""

    EMPLOYER = "c1", "Entreprise pour la formation de ses salariés"
    OPCO_APPRENTICESHIP = "c2a", "OPCO — contrats d'apprentissage"
    OPCO_PRO = "c2b", "OPCO — contrats de professionnalisation"
    OPCO_PROA = "c2c", "OPCO — promotion ou reconversion par alternance (Pro-A)"
    TRANSITION = "c2d", "Projets de transition professionnelle"
    CPF = "c2e", "Compte personnel de formation (Caisse des dépôts)"
    JOB_SEEKER_SCHEMES = "c2f", "Dispositifs pour demandeurs d'emploi (POEI, POEC, CSP…)"
    NON_SALARIED_FUNDS = "c2g", "Fonds d'assurance formation de non-salariés"
    OPCO_PLAN = "c2h", "Plan de développement des compétences / autres"
    PUBLIC_EMPLOYER = "c3", "Pouvoirs publics pour la formation de leurs agents"
    EUROPE = "c4", "Instances européennes"
    STATE = "c5", "État"
    REGION = "c6", "Conseils régionaux"
    FRANCE_TRAVAIL = "c7", "France Travail (ex Pôle emploi)"
    OTHER_PUBLIC = "c8", "Autres ressources publiques"
    INDIVIDUAL = "c9", "Personnes à titre individuel et à leurs frais"
    OTHER_OF = "c10", "Autre organisme de formation (sous-traitance)"


class ExitReason(models.TextChoices):
    COMPLETED = "fin_formation", "Fin de formation"
    DROPOUT = "abandon", "Abandon"
    EXCLUSION = "exclusion", "Exclusion"
    HIRED = "embauche", "Embauche"
    OTHER = "autre", "Autre"


class TraineeQuerySet(models.QuerySet):
    """Every write path keeps ``name_key`` in step with the name, not only ``save()``.

    ``bulk_create`` and ``bulk_update`` (and so simple_history's ``*_with_history``, which call
    them on the default manager) fill it on each object; ``update()`` of a name recomputes it for
    the rows it touched.
    """

    def bulk_create(self, objs, *args, **kwargs):
        objs = list(objs)
        for obj in objs:
            obj.fill_name_key()
        return super().bulk_create(objs, *args, **kwargs)

    bulk_create.alters_data = True

    def bulk_update(self, objs, fields, *args, **kwargs):
        objs = list(objs)
        fields = list(fields)
        if NAME_FIELDS & set(fields):
            for obj in objs:
                obj.fill_name_key()
            if "name_key" not in fields:
                fields.append("name_key")
        return super().bulk_update(objs, fields, *args, **kwargs)

    bulk_update.alters_data = True

    def update(self, **kwargs):
        if not NAME_FIELDS & kwargs.keys():
            return super().update(**kwargs)
        with transaction.atomic(using=self.db, savepoint=False):
            pks = list(self.values_list("pk", flat=True))
            count = super().update(**kwargs)
            Trainee.objects.filter(pk__in=pks).refresh_name_keys()
        return count

    update.alters_data = True

    def refresh_name_keys(self) -> int:
        """Recompute ``name_key`` from the stored names (after a raw write); returns the rows fixed."""
        stale = []
        for obj in self.only("pk", "last_name", "first_name", "name_key"):
            key = obj.name_key
            if obj.fill_name_key() != key:
                stale.append(obj)
        if stale:
            Trainee.objects.bulk_update(stale, ["name_key"], batch_size=500)
        return len(stale)

    refresh_name_keys.alters_data = True

    def for_tenant(self, tenant):
        """An OF sees its registry; a Région the trainees enrolled on its orders."""
        if tenant is None:
            return self.none()
        if tenant.is_region:
            return self.filter(
                pk__in=Enrolment.objects.filter(order__region_id=tenant.organisation_id).values("trainee_id")
            )
        return self.filter(organisation_id=tenant.organisation_id)

    def search(self, text: str):
        """Name (accents and case ignored), e-mail or external identifier containing ``text``."""
        text = (text or "").strip()
        if not text:
            return self
        key = normalize_name(text)
        return self.filter(
            Q(name_key__contains=key) | Q(email__icontains=text) | Q(external_ref__iexact=text)
        )

    def same_person(self, *, organisation_id: int, last_name: str, first_name: str, birth_date):
        """Possible duplicates: same name (accents and case ignored) and birth date, in one registry."""
        return self.filter(
            organisation_id=organisation_id,
            name_key=trainee_name_key(last_name, first_name),
            birth_date=birth_date,
        )


class Trainee(models.Model):
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="trainees",
        verbose_name="organisme de formation",
    )
    civility = models.CharField("civilité", max_length=3, choices=Civility.choices)
    last_name = models.CharField("nom", max_length=120)
    first_name = models.CharField("prénom", max_length=120)
    birth_date = models.DateField("date de naissance")
    email = models.EmailField("courriel", blank=True)
    phone = models.CharField("téléphone", max_length=30, blank=True)
    city = models.CharField("commune de résidence", max_length=120, blank=True)
    entry_status = models.CharField("statut à l'entrée", max_length=20, choices=EntryStatus.choices)
    external_ref = models.CharField(
        "identifiant externe",
        max_length=60,
        blank=True,
        help_text="Identifiant dans un autre outil (import) : permet de réimporter sans doublon.",
    )
    name_key = models.CharField(
        "clé de comparaison du nom",
        max_length=250,
        editable=False,
        default="",
        help_text="Nom et prénom sans accents ni majuscules (calculé), pour repérer les doublons.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    objects = TraineeQuerySet.as_manager()

    class Meta:
        verbose_name = "stagiaire"
        verbose_name_plural = "stagiaires"
        ordering = ["last_name", "first_name"]
        indexes = [
            models.Index(fields=["organisation", "last_name", "first_name", "birth_date"]),
            models.Index(fields=["organisation", "name_key", "birth_date"], name="trainee_name_key_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "external_ref"],
                condition=~Q(external_ref=""),
                name="trainee_unique_external_ref",
                violation_error_message="Cet identifiant externe est déjà utilisé par un autre stagiaire.",
            )
        ]

    def __str__(self):
        return f"{self.last_name.upper()} {self.first_name}"

    def save(self, *args, **kwargs):
        self.fill_name_key()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and NAME_FIELDS & set(update_fields):
            kwargs["update_fields"] = {*update_fields, "name_key"}
        super().save(*args, **kwargs)

    def fill_name_key(self) -> str:
        """Set ``name_key`` from the name (every write path calls it: save, bulk_create, bulk_update)."""
        self.name_key = trainee_name_key(self.last_name, self.first_name)
        return self.name_key

    @property
    def full_name(self) -> str:
        return str(self)

    def possible_duplicates(self):
        """Same name (accents and case ignored) and birth date in the same registry."""
        return Trainee.objects.same_person(
            organisation_id=self.organisation_id,
            last_name=self.last_name,
            first_name=self.first_name,
            birth_date=self.birth_date,
        ).exclude(pk=self.pk)


def of_enrolments_q(organisation_id: int, path: str = "") -> Q:
    """The enrolments an OF reaches (``path`` leads to the enrolment, ``"enrolment__"`` from a row
    under it): those of **its own trainees** on an order it delivers — as titulaire / mandataire
    (``order.provider``) or as a co-traitant of the group (ADR 0018). On a single-provider order
    every trainee belongs to the provider's registry, so this is the order's whole list, as before;
    on a group order each member reaches its own trainees only, never another member's."""
    member_orders = OrderMember.objects.filter(organisation_id=organisation_id).values("order_id")
    return Q(**{f"{path}trainee__organisation_id": organisation_id}) & (
        Q(**{f"{path}order__provider_id": organisation_id}) | Q(**{f"{path}order_id__in": member_orders})
    )


class EnrolmentQuerySet(models.QuerySet):
    def for_tenant(self, tenant):
        if tenant is None:
            return self.none()
        if tenant.is_region:
            return self.filter(order__region_id=tenant.organisation_id)
        return self.filter(of_enrolments_q(tenant.organisation_id))

    def active_on(self, day):
        return self.filter(entry_date__lte=day).filter(Q(exit_date__isnull=True) | Q(exit_date__gte=day))

    def with_hours(self):
        """Annotate ``hours_realised`` and ``hours_counted`` (non réalisé comptabilisé), Decimal, 0 if none."""
        from django.db.models import DecimalField, Sum, Value
        from django.db.models.functions import Coalesce

        zero = Value(Decimal("0"), output_field=DecimalField(max_digits=9, decimal_places=2))
        return self.annotate(
            hours_realised=Coalesce(Sum("attendances__realised_hours"), zero),
            hours_counted=Coalesce(Sum("attendances__counted_unrealised_hours"), zero),
        )


class Enrolment(models.Model):
    """Inscription d'un stagiaire sur une action."""

    trainee = models.ForeignKey(
        Trainee, on_delete=models.PROTECT, related_name="enrolments", verbose_name="stagiaire"
    )
    order = models.ForeignKey(
        Order, on_delete=models.PROTECT, related_name="enrolments", verbose_name="action"
    )
    entry_date = models.DateField("date d'entrée")
    planned_hours = models.DecimalField(
        "heures prévues", max_digits=7, decimal_places=2, validators=[MinValueValidator(Decimal("0"))]
    )
    payer = models.CharField("financeur", max_length=4, choices=Payer.choices, default=Payer.REGION)
    scheme = models.CharField("dispositif de financement", max_length=120, blank=True)
    exit_date = models.DateField("date de sortie", null=True, blank=True)
    exit_reason = models.CharField("motif de sortie", max_length=20, choices=ExitReason.choices, blank=True)
    exit_reason_detail = models.CharField("précision sur le motif", max_length=250, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    objects = EnrolmentQuerySet.as_manager()

    class Meta:
        verbose_name = "inscription"
        verbose_name_plural = "inscriptions"
        ordering = ["order", "trainee__last_name", "trainee__first_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["trainee", "order"],
                name="enrolment_unique_trainee_order",
                violation_error_message="Ce stagiaire est déjà inscrit sur cette action.",
            ),
            models.CheckConstraint(
                condition=Q(exit_date__isnull=True) | Q(exit_date__gte=F("entry_date")),
                name="enrolment_exit_after_entry",
                violation_error_message="La date de sortie précède la date d'entrée.",
            ),
            models.CheckConstraint(
                condition=Q(planned_hours__gte=0), name="enrolment_planned_hours_positive"
            ),
            models.CheckConstraint(
                condition=Q(exit_date__isnull=True) | ~Q(exit_reason=""),
                name="enrolment_exit_has_reason",
                violation_error_message="Une sortie doit avoir un motif.",
            ),
        ]

    def __str__(self):
        return f"{self.trainee} — {self.order.number}"

    @property
    def has_exited(self) -> bool:
        return self.exit_date is not None

    def covers(self, day) -> bool:
        """True when ``day`` falls between the entry date and the exit date (if any)."""
        return self.entry_date <= day and (self.exit_date is None or day <= self.exit_date)

    def clean(self):
        if self.exit_date and self.entry_date and self.exit_date < self.entry_date:
            raise ValidationError({"exit_date": "La date de sortie précède la date d'entrée."})
        if self.exit_date and not self.exit_reason:
            raise ValidationError({"exit_reason": "Indiquez le motif de sortie."})
        if (
            self.trainee_id
            and self.order_id
            and self.trainee.organisation_id != self.order.provider_id
            and not self.order.members.filter(organisation_id=self.trainee.organisation_id).exists()
        ):
            raise ValidationError("Le stagiaire n'appartient pas à l'organisme qui réalise l'action.")


class EnrolmentFundingQuerySet(models.QuerySet):
    def for_tenant(self, tenant):
        """As the enrolments: an OF sees those of the actions it runs, a Région those of its orders."""
        if tenant is None:
            return self.none()
        if tenant.is_region:
            return self.filter(enrolment__order__region_id=tenant.organisation_id)
        return self.filter(of_enrolments_q(tenant.organisation_id, "enrolment__"))


class EnrolmentFunding(models.Model):
    """Cofinancement : un financeur de plus sur une inscription, à côté du financeur principal.

    The enrolment's ``payer`` stays its principal funding, priced at the order's unit price per
    billable hour. A co-funding adds, on its own C line, either a flat ``amount`` (€ HT for the
    whole enrolment, accrued in the BPF pro rata of billable hours / planned hours) or an
    ``hourly_rate`` (€ HT per billable hour) — exactly one of them. A co-funding on « c9 » is the
    trainee paying part of their own training: the BPF counts them as a *particulier* (F-1 d).
    """

    enrolment = models.ForeignKey(
        Enrolment,
        # a co-funding is a part of its enrolment, meaningless without it (history keeps both)
        on_delete=models.CASCADE,
        related_name="fundings",
        verbose_name="inscription",
    )
    payer = models.CharField("cofinanceur", max_length=4, choices=Payer.choices)
    amount = models.DecimalField(
        "montant forfaitaire HT (€)",
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="Pour toute l'inscription ; compté au BPF au prorata des heures réalisées.",
    )
    hourly_rate = models.DecimalField(
        "tarif horaire HT (€ par heure)",
        max_digits=10,
        decimal_places=4,
        null=True,
        blank=True,
        help_text="Par heure facturable (réalisée ou non réalisée comptabilisée).",
    )
    label = models.CharField(
        "libellé", max_length=120, blank=True, help_text="Par exemple « reste à charge CPF »."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    objects = EnrolmentFundingQuerySet.as_manager()

    class Meta:
        verbose_name = "cofinancement"
        verbose_name_plural = "cofinancements"
        ordering = ["enrolment", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["enrolment", "payer"],
                name="enrolment_funding_unique_payer",
                violation_error_message="Ce financeur cofinance déjà cette inscription.",
            ),
            models.CheckConstraint(
                condition=Q(amount__isnull=True) | Q(amount__gt=0),
                name="enrolment_funding_amount_positive",
                violation_error_message="Le montant du cofinancement doit être positif.",
            ),
            models.CheckConstraint(
                condition=Q(hourly_rate__isnull=True) | Q(hourly_rate__gt=0),
                name="enrolment_funding_hourly_rate_positive",
                violation_error_message="Le tarif horaire du cofinancement doit être positif.",
            ),
            models.CheckConstraint(
                condition=Q(amount__isnull=False, hourly_rate__isnull=True)
                | Q(amount__isnull=True, hourly_rate__isnull=False),
                name="enrolment_funding_amount_xor_rate",
                violation_error_message="Indiquez soit un montant forfaitaire, soit un tarif horaire.",
            ),
        ]

    def __str__(self):
        return f"{self.get_payer_display()} ({self.label})" if self.label else self.get_payer_display()

    @property
    def is_flat(self) -> bool:
        return self.amount is not None

"""Hours: one trainee, one day (or one month total), réalisé and non réalisé comptabilisé.

Hours are stored exactly, per trainee, as Decimal with 2 places — never derived by dividing a
group total (DESIGN rule 2).
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from simple_history.models import HistoricalRecords

from formarche.trainees.models import Enrolment, of_enrolments_q
from formarche.utils.dates import month_bounds

MAX_DAY_HOURS = Decimal("24")  # physically impossible beyond; 12 h is a blocking control, not a constraint


class AttendanceKind(models.TextChoices):
    DAY = "jour", "Journée"
    MONTH = "mois", "Total mensuel"


class UnrealisedReason(models.TextChoices):
    JUSTIFIED = "absence_justifiee", "Absence justifiée"
    ILLNESS = "maladie", "Maladie"
    WORK_ACCIDENT = "accident_travail", "Accident du travail"
    INTERVIEW = "entretien", "Entretien d'embauche ou démarche"
    OTHER = "autre", "Autre motif"


class AttendanceSource(models.TextChoices):
    MANUAL = "saisie", "Saisie"
    IMPORT = "import", "Import"
    API = "api", "API"
    SIGNING = "emargement", "Émargement"


class AttendanceQuerySet(models.QuerySet):
    def for_tenant(self, tenant):
        if tenant is None:
            return self.none()
        if tenant.is_region:
            return self.filter(enrolment__order__region_id=tenant.organisation_id)
        return self.filter(of_enrolments_q(tenant.organisation_id, "enrolment__"))

    def in_month(self, month):
        """Rows of the calendar month starting at ``month`` (a date, day 1)."""
        first, last = month_bounds(month)
        return self.filter(day__gte=first, day__lte=last)


class Attendance(models.Model):
    enrolment = models.ForeignKey(
        Enrolment,
        on_delete=models.PROTECT,
        related_name="attendances",
        verbose_name="inscription",
        db_index=False,  # indexed by attendance_enrolment_hours (Meta.indexes), which covers the hours
    )
    day = models.DateField("jour", help_text="Pour un total mensuel : le premier jour du mois.")
    kind = models.CharField(
        "nature", max_length=4, choices=AttendanceKind.choices, default=AttendanceKind.DAY
    )
    realised_hours = models.DecimalField("réalisé (h)", max_digits=6, decimal_places=2, default=Decimal("0"))
    counted_unrealised_hours = models.DecimalField(
        "non réalisé comptabilisé (h)", max_digits=6, decimal_places=2, default=Decimal("0")
    )
    unrealised_reason = models.CharField(
        "motif du non réalisé", max_length=20, choices=UnrealisedReason.choices, blank=True
    )
    is_correction = models.BooleanField(
        "rectificatif",
        default=False,
        help_text="Modification d'un mois déjà validé : elle sera facturée sur la période suivante.",
    )
    source = models.CharField(
        "origine", max_length=12, choices=AttendanceSource.choices, default=AttendanceSource.MANUAL
    )
    updated_at = models.DateTimeField("modifié le", auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="modifié par",
        db_index=False,  # partial index attendance_updated_by (Meta.indexes): null on imported rows
    )
    history = HistoricalRecords()

    objects = AttendanceQuerySet.as_manager()

    class Meta:
        verbose_name = "réalisation"
        verbose_name_plural = "réalisations"
        ordering = ["enrolment", "day"]
        constraints = [
            models.UniqueConstraint(fields=["enrolment", "day", "kind"], name="attendance_unique_day"),
            models.CheckConstraint(
                condition=Q(realised_hours__gte=0, counted_unrealised_hours__gte=0),
                name="attendance_hours_not_negative",
                violation_error_message="Un nombre d'heures ne peut pas être négatif.",
            ),
            models.CheckConstraint(
                condition=Q(kind="mois")
                | Q(realised_hours__lte=MAX_DAY_HOURS - F("counted_unrealised_hours")),
                name="attendance_day_at_most_24h",
                violation_error_message="Une journée ne peut pas compter plus de 24 heures.",
            ),
            models.CheckConstraint(
                condition=Q(kind="jour") | Q(day__day=1),
                name="attendance_month_total_on_first_day",
            ),
        ]
        indexes = [
            models.Index(fields=["day", "enrolment"]),
            # The hours of an enrolment (or of an action's enrolments: the hours column of the
            # actions list, issue #8) read from the index alone. INCLUDE exists on PostgreSQL
            # only: elsewhere this is a plain index on the enrolment, like a foreign key's.
            models.Index(
                fields=["enrolment"],
                include=["realised_hours", "counted_unrealised_hours"],
                name="attendance_enrolment_hours",
            ),
            # Who last changed a row is shown, never searched: the index serves only the SET NULL
            # of a deleted user, which concerns only the rows naming one (imports name nobody).
            models.Index(
                fields=["updated_by"], condition=Q(updated_by__isnull=False), name="attendance_updated_by"
            ),
        ]

    def __str__(self):
        return f"{self.enrolment} — {self.day:%d/%m/%Y} : {self.realised_hours} h"

    @property
    def span(self) -> tuple:
        """``(first, last)`` days the row covers: the day itself, or the whole month of a month total."""
        if self.kind == AttendanceKind.DAY:
            return self.day, self.day
        return month_bounds(self.day)

    @property
    def total_hours(self) -> Decimal:
        return self.realised_hours + self.counted_unrealised_hours

"""Import jobs: one uploaded file, its checks, its progress and its row-by-row report."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from formarche.jobs.models import LeasedJob
from formarche.organisations.models import Organisation


class ImportKind(models.TextChoices):
    TRAINEES = "stagiaires", "Stagiaires (et inscriptions)"
    HOURS_DAILY = "heures_jour", "Heures journalières"
    HOURS_MONTHLY = "heures_mois", "Heures mensuelles (totaux)"
    INTERCHANGE = "echange", "Import d'échange (formarche import)"


class ImportStatus(models.TextChoices):
    PENDING = "en_attente", "En attente"
    RUNNING = "en_cours", "En cours"
    DONE = "terminee", "Terminé"
    REFUSED = "refusee", "Refusé (erreurs)"
    FAILED = "echec", "Échec technique"


FINISHED = (ImportStatus.DONE, ImportStatus.REFUSED, ImportStatus.FAILED)


def import_upload_path(job, filename):
    return f"imports/{job.organisation_id}/{job.file_hash[:2]}/{job.file_hash}-{filename}"


class ImportJobQuerySet(models.QuerySet):
    def for_tenant(self, tenant):
        """An OF sees its own imports; a Région has none (it imports nothing)."""
        if tenant is None or not tenant.is_of:
            return self.none()
        return self.filter(organisation_id=tenant.organisation_id)

    def unfinished(self):
        return self.exclude(status__in=FINISHED)


class ImportJob(LeasedJob):
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="import_jobs", verbose_name="organisme"
    )
    kind = models.CharField("type d'import", max_length=20, choices=ImportKind.choices)
    file_name = models.CharField("nom du fichier", max_length=200)
    file_hash = models.CharField("empreinte SHA-256", max_length=64, db_index=True)
    file = models.FileField("fichier", upload_to=import_upload_path, max_length=300, blank=True)
    options = models.JSONField("options", default=dict, blank=True)
    status = models.CharField(
        "état", max_length=12, choices=ImportStatus.choices, default=ImportStatus.PENDING
    )
    phase = models.CharField("étape", max_length=60, blank=True)
    total_rows = models.PositiveIntegerField("lignes", default=0)
    processed_rows = models.PositiveIntegerField("lignes traitées", default=0)
    report = models.JSONField("compte rendu", default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="importé par",
    )
    created_at = models.DateTimeField("déposé le", auto_now_add=True)
    started_at = models.DateTimeField("commencé le", null=True, blank=True)
    finished_at = models.DateTimeField("terminé le", null=True, blank=True)

    objects = ImportJobQuerySet.as_manager()

    class Meta(LeasedJob.Meta):
        verbose_name = "import"
        verbose_name_plural = "imports"
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["organisation", "-created_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(processed_rows__lte=models.F("total_rows")),
                name="importjob_processed_at_most_total",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} — {self.file_name}"

    @property
    def percent(self) -> int:
        if self.is_finished:
            return 100
        if not self.total_rows:
            return 0
        return min(100, self.processed_rows * 100 // self.total_rows)

    @property
    def errors(self) -> list[str]:
        return self.report.get("errors", [])

    @property
    def summary(self) -> str:
        return self.report.get("summary", "")

"""Background jobs: the lease every long job carries (:class:`LeasedJob`, shared with the import
jobs) and the generic :class:`Job` of the exports (bulk PDFs, BPF exports) with its result file."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from formarche.organisations.models import Organisation

#: A job is tried at most this many times (a worker killed mid-job counts as one attempt).
MAX_ATTEMPTS = 3


class JobStatus(models.TextChoices):
    """The same values as the import jobs' statuses (``imports.models.ImportStatus``)."""

    PENDING = "en_attente", "En attente"
    RUNNING = "en_cours", "En cours"
    DONE = "terminee", "Terminé"
    REFUSED = "refusee", "Refusé"
    FAILED = "echec", "Échec technique"


FINISHED = (JobStatus.DONE, JobStatus.REFUSED, JobStatus.FAILED)


class LeasedJob(models.Model):
    """What the shared lease, retry and recovery mechanics (``jobs/lease.py``, ``recovery.py``)
    read and write. A concrete model adds ``status`` (values of :class:`JobStatus`),
    ``started_at`` and ``finished_at``."""

    attempts = models.PositiveSmallIntegerField("tentatives", default=0)
    heartbeat_at = models.DateTimeField("dernier signe de vie", null=True, blank=True)
    worker_id = models.CharField("travailleur", max_length=64, blank=True)

    class Meta:
        abstract = True

    @property
    def is_finished(self) -> bool:
        return self.status in FINISHED

    @property
    def is_done(self) -> bool:
        return self.status == JobStatus.DONE

    @property
    def state_label(self) -> str:
        """The French state the pages show: en attente, en cours, nouvelle tentative n/3, terminé,
        refusé (or échec technique)."""
        if self.status == JobStatus.PENDING and self.attempts == 0:
            return "En attente"
        if self.status in (JobStatus.PENDING, JobStatus.RUNNING) and (
            self.attempts > 1 or self.status == JobStatus.PENDING
        ):
            number = self.attempts + (1 if self.status == JobStatus.PENDING else 0)
            return f"Nouvelle tentative {min(number, MAX_ATTEMPTS)}/{MAX_ATTEMPTS}"
        if self.status == JobStatus.RUNNING:
            return "En cours"
        return self.get_status_display()


def job_result_path(job, filename):
    return f"travaux/{job.organisation_id}/{job.pk}-{job.attempts}-{filename}"


class JobQuerySet(models.QuerySet):
    def for_tenant(self, tenant):
        """An organisation (OF or Région) sees its own jobs."""
        if tenant is None or not tenant.organisation_id:
            return self.none()
        return self.filter(organisation_id=tenant.organisation_id)


class Job(LeasedJob):
    """One export run in the background: its kind (``jobs/registry.py``), its parameters, its
    progress, and the file it produced (through the storage API)."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="jobs", verbose_name="organisme"
    )
    kind = models.CharField("type", max_length=40)
    params = models.JSONField("paramètres", default=dict, blank=True)
    title = models.CharField("intitulé", max_length=200)
    status = models.CharField("état", max_length=12, choices=JobStatus.choices, default=JobStatus.PENDING)
    phase = models.CharField("étape", max_length=80, blank=True)
    total = models.PositiveIntegerField("éléments", default=0)
    done = models.PositiveIntegerField("éléments traités", default=0)
    result = models.FileField("fichier produit", upload_to=job_result_path, max_length=300, blank=True)
    result_name = models.CharField("nom du fichier", max_length=200, blank=True)
    error = models.TextField("motif", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="demandé par",
    )
    created_at = models.DateTimeField("demandé le", auto_now_add=True)
    started_at = models.DateTimeField("commencé le", null=True, blank=True)
    finished_at = models.DateTimeField("terminé le", null=True, blank=True)

    objects = JobQuerySet.as_manager()

    class Meta:
        verbose_name = "travail"
        verbose_name_plural = "travaux"
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["organisation", "-created_at"]),
            models.Index(fields=["status", "heartbeat_at"]),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(done__lte=models.F("total")), name="job_done_at_most_total"),
            models.CheckConstraint(condition=Q(attempts__lte=MAX_ATTEMPTS), name="job_attempts_at_most_max"),
        ]

    def __str__(self):
        return self.title

    @property
    def percent(self) -> int:
        if self.is_finished:
            return 100
        if not self.total:
            return 0
        return min(100, self.done * 100 // self.total)

    @property
    def summary(self) -> str:
        return self.error if self.error else self.phase

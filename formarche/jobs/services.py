"""Export jobs: created by a page, run by a worker (or a thread, or at once) through
:func:`job_execute`, which owns the attempt from its claim to its end.

The result is written with the storage API (any storage: disk or S3) under a name unique to the
attempt, and the job is marked done by the attempt holding the lease in one transaction: a worker
killed before leaves the job « en cours » (recovered), never done with a half file.
"""

from __future__ import annotations

import logging

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django_tasks import task

from formarche.jobs.lease import (
    TRANSIENT_ERRORS,
    Heartbeat,
    LeaseLost,
    job_claim,
    job_finish,
    job_retry_or_refuse,
    reset_connection,
)
from formarche.jobs.models import Job, JobStatus
from formarche.jobs.registry import JobRefused, job_kind

logger = logging.getLogger(__name__)

TRANSIENT_REASON = "Erreur passagère (connexion à la base de données perdue) : le travail sera repris."


def job_create(*, organisation, user, kind: str, params: dict, title: str) -> Job:
    """Record the job and enqueue its task once the transaction commits."""
    job = Job.objects.create(
        organisation=organisation, created_by=user, kind=kind, params=params, title=title[:200]
    )
    transaction.on_commit(lambda: run_job.enqueue(job_id=job.pk))
    return job


class _Progress:
    def __init__(self, job: Job, attempt: int):
        self.pk, self.attempt = job.pk, attempt

    def __call__(self, done: int, total: int, phase: str = "") -> None:
        Job.objects.filter(pk=self.pk, status=JobStatus.RUNNING, attempts=self.attempt).update(
            done=min(done, total), total=total, phase=phase[:80]
        )


def job_execute(*, job_id: int, worker_id: str = "") -> str:
    """Run one attempt of a waiting job to its end; returns the job's status afterwards."""
    attempt = job_claim(model=Job, pk=job_id, worker_id=worker_id)
    if attempt is None:
        status = Job.objects.filter(pk=job_id).values_list("status", flat=True).first()
        return status or "absent"  # already run, or running elsewhere
    job = Job.objects.select_related("organisation").get(pk=job_id)
    kind = job_kind(job.kind)
    with Heartbeat(model=Job, pk=job.pk, attempt=attempt):
        try:
            if kind is None:
                raise JobRefused("Type de travail inconnu.")
            name, content = kind.run(job, _Progress(job, attempt))
            _store(job, attempt, name, content)
        except JobRefused as exc:
            Job.objects.filter(pk=job.pk, status=JobStatus.RUNNING, attempts=attempt).update(
                status=JobStatus.REFUSED, error=exc.message, phase="", finished_at=timezone.now()
            )
        except LeaseLost:
            logger.warning("job %s: attempt %s lost its lease, its result is dropped", job.pk, attempt)
        except TRANSIENT_ERRORS:
            logger.warning("job %s: transient error on attempt %s", job.pk, attempt, exc_info=True)
            reset_connection()
            _retry(job.pk, attempt)
        except Exception:
            logger.exception("job %s failed", job.pk)
            Job.objects.filter(pk=job.pk, status=JobStatus.RUNNING, attempts=attempt).update(
                status=JobStatus.FAILED,
                error="Erreur technique : aucun fichier n'a été produit.",
                phase="",
                finished_at=timezone.now(),
            )
    return Job.objects.filter(pk=job_id).values_list("status", flat=True).get()


def _store(job: Job, attempt: int, name: str, content: bytes) -> None:
    """The file under a name unique to the attempt, then the job done, in one transaction."""
    job.attempts = attempt  # the stored name carries the attempt: a dead attempt's file is never reused
    stored = job.result.storage.save(job.result.field.generate_filename(job, name), ContentFile(content))
    with transaction.atomic():
        job_finish(
            model=Job,
            pk=job.pk,
            attempt=attempt,
            status=JobStatus.DONE,
            result=stored,
            result_name=name[:200],
            phase="",
            done=F("total"),
            error="",
        )


def _retry(pk: int, attempt: int) -> None:
    spent = (
        "Erreur passagère répétée (connexion à la base de données perdue) : le travail a échoué trois fois."
    )
    if job_retry_or_refuse(
        model=Job, pk=pk, attempt=attempt, reason=TRANSIENT_REASON, refuse_fields={"error": spent}
    ):
        transaction.on_commit(lambda: run_job.enqueue(job_id=pk))


@task()
def run_job(*, job_id: int) -> str:
    """One attempt of an export job (the job table carries its state, not this task)."""
    return job_execute(job_id=job_id)

"""Running one import job to its end, inline or as the background task :func:`run_import_job`
(django-tasks, see docs/adr/0006-import-jobs.md): claimed once, read, imported through the
trainees or hours import, its report stored — under the lease of ``formarche.jobs.lease``. The task lives here, beside what it runs, so that
``jobs.py`` (which enqueues it) and the task never import each other."""

from __future__ import annotations

import logging
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django_tasks import task

from formarche.imports.models import ImportJob, ImportKind, ImportStatus
from formarche.imports.pipeline import Outcome
from formarche.imports.readers import read_stored
from formarche.imports.services.hours import import_hours
from formarche.imports.services.trainees import import_trainees
from formarche.jobs.lease import (
    TRANSIENT_ERRORS,
    Heartbeat,
    LeaseLost,
    job_claim,
    job_finish,
    job_retry_or_refuse,
    reset_connection,
)
from formarche.utils.formatting import format_date
from formarche.utils.parsing import Table

logger = logging.getLogger(__name__)

#: Files with more data rows than this run in the background with a progress bar.
INLINE_MAX_ROWS = 2_000
#: How often (in rows) a background job writes its progress.
PROGRESS_EVERY = 2_000
#: Error messages kept in the report (the count is always exact).
MAX_REPORTED_ERRORS = 1_000


def import_job_run(*, job: ImportJob, table: Table | None = None) -> ImportJob:
    """Run one attempt of a job to its end: DONE (written), REFUSED (errors, nothing written),
    FAILED, or back to « en attente » after a transient error (``formarche.jobs.lease``).

    The rows and the job marked done are one transaction: a process killed before its commit
    leaves the job « en cours », which the recovery (``formarche.jobs.recovery``) runs again."""
    attempt = job_claim(model=ImportJob, pk=job.pk)
    if attempt is None:
        job.refresh_from_db()
        return job  # already run (or running) elsewhere
    ImportJob.objects.filter(pk=job.pk).update(phase="Lecture du fichier")
    job.refresh_from_db()

    def finish(status: str, outcome: Outcome) -> None:
        job_finish(
            model=ImportJob,
            pk=job.pk,
            attempt=attempt,
            status=status,
            processed_rows=job.total_rows,
            phase="",
            report=_report(job, outcome),
        )

    with Heartbeat(model=ImportJob, pk=job.pk, attempt=attempt):
        try:
            outcome = _import(job, table, on_written=lambda written: finish(ImportStatus.DONE, written))
            if outcome.errors:
                finish(ImportStatus.REFUSED, outcome)  # refused on its data: at once, no retry
        except LeaseLost:
            logger.warning("import %s: attempt %s lost its lease, its write is undone", job.pk, attempt)
        except TRANSIENT_ERRORS:
            logger.warning("import %s: transient error on attempt %s", job.pk, attempt, exc_info=True)
            reset_connection()
            if job_retry_or_refuse(
                model=ImportJob, pk=job.pk, attempt=attempt, reason="transient", refuse_fields=_failure(SPENT)
            ):
                transaction.on_commit(lambda: run_import_job.enqueue(job_id=job.pk))
        except Exception:
            logger.exception("import %s failed", job.pk)
            ImportJob.objects.filter(pk=job.pk, status=ImportStatus.RUNNING, attempts=attempt).update(
                status=ImportStatus.FAILED, finished_at=timezone.now(), **_failure(TECHNICAL)
            )
    job.refresh_from_db()
    return job


TECHNICAL = "Erreur technique : rien n'a été enregistré."
SPENT = (
    "Erreur passagère répétée (connexion à la base de données perdue) : l'import a échoué trois fois, "
    "rien n'a été enregistré."
)


def _failure(summary: str) -> dict:
    """The fields of a job ended without its rows: the French reason as the report."""
    return {"phase": "", "report": {"errors": [], "error_count": 0, "summary": summary}}


def _import(job: ImportJob, table: Table | None, *, on_written) -> Outcome:
    if table is None:
        with job.file.open("rb") as handle:
            content = handle.read()
        table = read_stored(content, job.options.get("format", "csv"))
    progress = _Progress(job) if job.total_rows > INLINE_MAX_ROWS else None
    if job.kind == ImportKind.TRAINEES:
        return import_trainees(
            organisation=job.organisation,
            table=table,
            confirm_over_headcount=job.options.get("confirm_over_headcount", False),
            progress=progress,
            on_written=on_written,
        )
    return import_hours(
        organisation=job.organisation,
        table=table,
        monthly=job.kind == ImportKind.HOURS_MONTHLY,
        user=job.created_by,
        progress=progress,
        on_written=on_written,
    )


def _report(job: ImportJob, outcome: Outcome) -> dict:
    """The job's stored report: errors (capped, the count exact), warnings, summary, counts."""
    messages = outcome.errors.messages()
    report = {
        "errors": messages[:MAX_REPORTED_ERRORS],
        "error_count": len(messages),
        "warnings": outcome.warnings[:MAX_REPORTED_ERRORS],
        "summary": outcome.summary,
        "counts": {k: vars(v) for k, v in outcome.counts.items()},
    }
    if job.options.get("previous_job_at"):
        report["warnings"].insert(
            0,
            "Ce fichier a déjà été importé le "
            + format_date(datetime.fromisoformat(job.options["previous_job_at"]).date())
            + " : ce qui était identique est resté inchangé.",
        )
    return report


class _Progress:
    """Writes ``processed_rows`` every :data:`PROGRESS_EVERY` rows (outside the import's transaction)."""

    def __init__(self, job: ImportJob):
        self.job_id = job.pk
        self.total = job.total_rows
        self.next_at = PROGRESS_EVERY

    def __call__(self, done: int, phase: str = "Vérification des lignes") -> None:
        if done >= self.next_at or done == 0:
            ImportJob.objects.filter(pk=self.job_id).update(processed_rows=min(done, self.total), phase=phase)
            self.next_at = done + PROGRESS_EVERY

    def phase(self, phase: str) -> None:
        ImportJob.objects.filter(pk=self.job_id).update(phase=phase)


@task()
def run_import_job(*, job_id: int) -> str:
    """Run one attempt of a stored import job; returns its status afterwards."""
    job = ImportJob.objects.filter(pk=job_id).first()
    if job is None:
        return "absent"
    return import_job_run(job=job).status

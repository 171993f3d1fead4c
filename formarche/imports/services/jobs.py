"""Import jobs: the upload checked before anything is stored, the job recorded, then run inline
(small files) or in the background (django-tasks, see ``docs/adr/0006-import-jobs.md``) through
the trainees or hours import, and its report stored."""

from __future__ import annotations

import logging
from datetime import datetime

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from formarche.imports import columns as cols
from formarche.imports.models import ImportJob, ImportKind, ImportStatus
from formarche.imports.pipeline import Outcome
from formarche.imports.readers import read_stored, read_upload, sha256
from formarche.imports.selectors import previous_done_job
from formarche.imports.services.hours import import_hours
from formarche.imports.services.trainees import import_trainees
from formarche.imports.tasks import run_import_job
from formarche.utils.formatting import format_date
from formarche.utils.parsing import Table, TableError

logger = logging.getLogger(__name__)

#: Files with more data rows than this run in the background with a progress bar.
INLINE_MAX_ROWS = 2_000
#: How often (in rows) a background job writes its progress.
PROGRESS_EVERY = 2_000
#: Error messages kept in the report (the count is always exact).
MAX_REPORTED_ERRORS = 1_000


class ImportRefused(Exception):
    """The file is refused before anything is stored (French message)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _hours_kind(header: list[str]) -> str:
    if "mois" in header and "date" not in header:
        return ImportKind.HOURS_MONTHLY
    if "date" in header and "mois" not in header:
        return ImportKind.HOURS_DAILY
    raise TableError(
        "Le fichier d'heures doit avoir une colonne « date » (heures journalières) ou une colonne « mois » "
        "(totaux mensuels), pas les deux."
    )


def _check_columns(kind: str, table: Table) -> None:
    spec = {
        ImportKind.TRAINEES: cols.TRAINEE_COLUMNS,
        ImportKind.HOURS_DAILY: cols.DAILY_COLUMNS,
        ImportKind.HOURS_MONTHLY: cols.MONTHLY_COLUMNS,
    }[kind]
    table.require([c.name for c in spec if c.required])
    known = {c.name for c in spec}
    unknown = [h for h in table.header if h not in known]
    if unknown:
        raise TableError(
            "Colonnes inconnues : "
            + ", ".join(unknown)
            + ". Téléchargez le modèle pour voir les colonnes attendues."
        )
    if kind != ImportKind.TRAINEES:
        has_id = "identifiant_stagiaire" in table.header
        has_name = {"nom", "prenom", "date_naissance"} <= set(table.header)
        if not has_id and not has_name:
            raise TableError(
                "Identifiez les stagiaires avec la colonne « identifiant_stagiaire », ou avec les colonnes "
                "« nom », « prenom » et « date_naissance »."
            )
    if not table.rows:
        raise TableError("Le fichier ne contient aucune ligne de données (seulement l'en-tête).")


def import_job_create(
    *,
    organisation,
    user,
    kind: str,
    file_name: str,
    content: bytes,
    confirm_over_headcount: bool = False,
    run_inline: bool | None = None,
) -> ImportJob:
    """Check the file, store the job, and run it (inline when small, else in the background).

    ``kind`` is ``"stagiaires"`` or ``"heures"`` (daily or monthly is read from the columns).
    Raises :class:`ImportRefused` (nothing stored) when the file itself is unusable.
    """
    if not organisation.is_of:
        raise ImportRefused("Les imports sont réservés aux organismes de formation.")
    try:
        fmt, table = read_upload(content, file_name)
        if kind == "heures":
            kind = _hours_kind(table.header)
        elif kind != ImportKind.TRAINEES:
            raise TableError("Type d'import inconnu.")
        _check_columns(kind, table)
    except TableError as exc:
        raise ImportRefused(str(exc)) from exc
    digest = sha256(content)
    previous = previous_done_job(organisation=organisation, file_hash=digest, kind=kind)
    job = ImportJob(
        organisation=organisation,
        kind=kind,
        file_name=file_name[-200:],
        file_hash=digest,
        created_by=user,
        total_rows=len(table.rows),
        options={"confirm_over_headcount": bool(confirm_over_headcount), "format": fmt},
    )
    if previous is not None:
        job.options["previous_job_id"] = previous.pk
        job.options["previous_job_at"] = previous.created_at.isoformat()
    job.file.save(file_name.rsplit("/", 1)[-1][-100:], ContentFile(content), save=False)
    job.save()
    inline = len(table.rows) <= INLINE_MAX_ROWS if run_inline is None else run_inline
    if inline:
        import_job_run(job=job, table=table)
    else:
        transaction.on_commit(lambda: run_import_job.enqueue(job.pk))
    return job


def import_job_run(*, job: ImportJob, table: Table | None = None) -> ImportJob:
    """Run one job to its end: DONE (written), REFUSED (errors, nothing written) or FAILED."""
    claimed = ImportJob.objects.filter(pk=job.pk, status=ImportStatus.PENDING).update(
        status=ImportStatus.RUNNING, started_at=timezone.now(), phase="Lecture du fichier"
    )
    if not claimed:
        job.refresh_from_db()
        return job  # already run (or running) elsewhere
    job.refresh_from_db()
    try:
        if table is None:
            with job.file.open("rb") as handle:
                content = handle.read()
            table = read_stored(content, job.options.get("format", "csv"))
        progress = _Progress(job) if job.total_rows > INLINE_MAX_ROWS else None
        if job.kind == ImportKind.TRAINEES:
            outcome = import_trainees(
                organisation=job.organisation,
                table=table,
                confirm_over_headcount=job.options.get("confirm_over_headcount", False),
                progress=progress,
            )
        else:
            outcome = import_hours(
                organisation=job.organisation,
                table=table,
                monthly=job.kind == ImportKind.HOURS_MONTHLY,
                user=job.created_by,
                progress=progress,
            )
    except Exception:
        logger.exception("import %s failed", job.pk)
        ImportJob.objects.filter(pk=job.pk).update(
            status=ImportStatus.FAILED,
            finished_at=timezone.now(),
            phase="",
            report={"errors": [], "error_count": 0, "summary": "Erreur technique : rien n'a été enregistré."},
        )
        job.refresh_from_db()
        return job
    report = _report(job, outcome)
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportStatus.REFUSED if outcome.errors else ImportStatus.DONE,
        processed_rows=job.total_rows,
        finished_at=timezone.now(),
        phase="",
        report=report,
    )
    job.refresh_from_db()
    return job


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

"""Import jobs: the upload checked before anything is stored, the job recorded, then run inline
(small files) or in the background (django-tasks, see ``docs/adr/0006-import-jobs.md``) through
the trainees or hours import (``job_run.py``, which the task runs), and its report stored."""

from __future__ import annotations

import logging

from django.db import transaction

from formarche.imports import columns as cols
from formarche.imports.models import ImportJob, ImportKind
from formarche.imports.readers import read_upload, sha256
from formarche.imports.selectors import previous_done_job
from formarche.imports.services.job_run import INLINE_MAX_ROWS, import_job_run, run_import_job
from formarche.utils.parsing import Table, TableError
from formarche.utils.storage import StorageUnavailable, file_delete, file_save

logger = logging.getLogger(__name__)


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
    try:
        file_save(job.file, file_name.rsplit("/", 1)[-1][-100:], content)
    except StorageUnavailable as exc:
        raise ImportRefused(
            f"Le fichier n'a pas été enregistré ({exc.cause}) : rien n'a été importé. "
            "Réessayez plus tard ; si cela se reproduit, prévenez l'administrateur."
        ) from exc
    try:
        job.save()
    except Exception:
        file_delete(job.file.storage, job.file.name)  # no object without its job
        raise
    inline = len(table.rows) <= INLINE_MAX_ROWS if run_inline is None else run_inline
    if inline:
        import_job_run(job=job, table=table)
    else:
        transaction.on_commit(lambda: run_import_job.enqueue(job_id=job.pk))
    return job

"""Imports of trainees (with their enrolment) and of hours: all or nothing, row-by-row French report.

Flow: :func:`import_job_create` checks the upload (``readers.read_upload``: size, name, extension,
content; then the columns) before anything is stored, records an :class:`ImportJob`, then runs it inline (small files) or
enqueues it (django-tasks, see ``docs/adr/0006-import-jobs.md``). :func:`import_job_run` reads
the rows, validates every one of them against the OF's own data (tenancy: an order or a trainee of
another OF is "unknown"), and writes only when no row has an error, in one transaction.

Re-importing the same file changes nothing: trainees are keyed by external id (or name + birth
date), enrolments by (trainee, action), hours by (enrolment, day, kind). Identical values are
counted "inchangées", different ones "modifiées".

Hours are written through :func:`formarche.attendance.services.attendance_bulk_upsert`, which
applies the same rules as the hour-entry pages (≥ 0, ≤ 24 h a day, within the enrolment's dates,
one trainee-month kept by day or as a total, rectificatif in a validated month, nothing on a
closed action).
"""

from __future__ import annotations

import logging
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from formarche.attendance.models import AttendanceKind, AttendanceSource
from formarche.imports import columns as cols
from formarche.imports.models import ImportJob, ImportKind, ImportStatus
from formarche.imports.readers import MAX_UPLOAD_SIZE, read_stored, read_upload, sha256
from formarche.orders.models import Order
from formarche.trainees.models import Enrolment, EnrolmentFunding, Payer, Trainee, trainee_name_key
from formarche.utils.formatting import format_date, format_month, parse_month
from formarche.utils.parsing import ParseError, Row, RowErrors, Table, TableError, cell_text, parse_date

logger = logging.getLogger(__name__)
__all__ = [
    "MAX_UPLOAD_SIZE",
    "ImportRefused",
    "import_hours",
    "import_job_create",
    "import_job_run",
    "import_trainees",
]

#: Files with more data rows than this run in the background with a progress bar.
INLINE_MAX_ROWS = 2_000
#: How often (in rows) a background job writes its progress.
PROGRESS_EVERY = 2_000
#: Error messages kept in the report (the count is always exact).
MAX_REPORTED_ERRORS = 1_000
ZERO = Decimal("0.00")
_CENT = Decimal("0.01")


class ImportRefused(Exception):
    """The file is refused before anything is stored (French message)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass
class Counts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0

    def text(self, noun: str = "lignes") -> str:
        parts = [f"{self.created} créées", f"{self.updated} modifiées", f"{self.unchanged} inchangées"]
        if self.deleted:
            parts.append(f"{self.deleted} supprimées")
        return f"{noun} : " + ", ".join(parts)


@dataclass
class Outcome:
    errors: RowErrors = field(default_factory=RowErrors)
    warnings: list[str] = field(default_factory=list)
    counts: dict[str, Counts] = field(default_factory=dict)
    summary: str = ""


# ---------------------------------------------------------------------------------------------
# Jobs
# ---------------------------------------------------------------------------------------------


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
    previous = (
        ImportJob.objects.filter(
            organisation=organisation, file_hash=digest, kind=kind, status=ImportStatus.DONE
        )
        .order_by("-created_at")
        .first()
    )
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
        from formarche.imports.tasks import run_import_job

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
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportStatus.REFUSED if outcome.errors else ImportStatus.DONE,
        processed_rows=job.total_rows,
        finished_at=timezone.now(),
        phase="",
        report=report,
    )
    job.refresh_from_db()
    return job


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


# ---------------------------------------------------------------------------------------------
# Shared helpers
# ---------------------------------------------------------------------------------------------


_SIMPLE_HOURS = re.compile(r"\d{1,4}(?:[.,]\d{1,2})?")
_HOURS_CACHE: dict[str, Decimal] = {}


def _decimal(row: Row, key: str, label: str, *, default: Decimal | None = ZERO) -> Decimal:
    """Hours: ≥ 0, 2 decimals at most; fast path (memoised) for the common "7", "3,5", "7,00" cells."""
    from formarche.utils.parsing import parse_decimal

    value = row.data.get(key)
    if value is None or value == "":
        if default is None:
            raise ParseError(f"{label} est obligatoire")
        return default
    if isinstance(value, str):
        cached = _HOURS_CACHE.get(value)
        if cached is not None:
            return cached
        text = value.strip()
        if _SIMPLE_HOURS.fullmatch(text):
            number = Decimal(text.replace(",", ".")).quantize(_CENT)
            if len(_HOURS_CACHE) < 10_000:
                _HOURS_CACHE[value] = number
            return number
    return parse_decimal(value, label=label, non_negative=True, places=2).quantize(_CENT)


def _date(row: Row, key: str, label: str) -> date:
    value = row.data.get(key)
    if isinstance(value, str):
        text = value.strip()
        # fast path for JJ/MM/AAAA
        if len(text) == 10 and text[2] == "/" and text[5] == "/":
            try:
                return date(int(text[6:]), int(text[3:5]), int(text[:2]))
            except ValueError:
                pass
    return parse_date(value, label=label)


def _month(row: Row) -> date:
    value = row.data.get("mois")
    if isinstance(value, datetime):
        return value.date().replace(day=1)
    if isinstance(value, date):
        return value.replace(day=1)
    text = cell_text(value)
    if not text:
        raise ParseError("le mois est obligatoire")
    if len(text) == 7 and text[2] == "/":  # MM/AAAA
        text = f"{text[3:]}-{text[:2]}"
    if len(text) == 10 and text[4] == "-" and text.endswith("-01"):  # 2023-04-01 (Excel)
        text = text[:7]
    try:
        return parse_month(text)
    except ValueError as exc:
        raise ParseError(
            f"le mois « {cell_text(value)} » n'est pas au format AAAA-MM (par exemple 2023-04)"
        ) from exc


def _orders_by_number(organisation, numbers) -> dict[str, Order]:
    """The OF's own orders (another OF's number is simply unknown: tenancy)."""
    numbers = [n for n in numbers if n]
    found = {}
    for start in range(0, len(numbers), 500):
        for order in Order.objects.filter(provider=organisation, number__in=numbers[start : start + 500]):
            found[order.number] = order
    return found


def _unknown_order(number: str) -> str:
    return f"l'action « {number} » est inconnue ou n'est pas réalisée par votre organisme"


class _Registry:
    """The OF's trainees, by external id and by (name key, birth date), loaded once."""

    def __init__(self):
        self.by_ref: dict[str, int] = {}
        self.by_name: dict[tuple[str, date], list[int]] = defaultdict(list)
        self.rows: dict[int, Trainee] = {}

    def load(self, organisation, *, objects: bool = False) -> _Registry:
        qs = Trainee.objects.filter(organisation=organisation)
        if objects:
            for trainee in qs:
                self._add(trainee.pk, trainee.external_ref, trainee.name_key, trainee.birth_date)
                self.rows[trainee.pk] = trainee
        else:
            for pk, ref, key, birth in qs.values_list("pk", "external_ref", "name_key", "birth_date"):
                self._add(pk, ref, key, birth)
        return self

    def _add(self, pk, ref, key, birth):
        if ref:
            self.by_ref[ref] = pk
        self.by_name[(key, birth)].append(pk)


# ---------------------------------------------------------------------------------------------
# Hours
# ---------------------------------------------------------------------------------------------


def import_hours(*, organisation, table: Table, monthly: bool, user=None, progress=None) -> Outcome:
    """Validate every row (shape, tenancy, the hour pages' rules), then write all of them or nothing."""
    from formarche.attendance.services import AttendanceBulkRefused, AttendanceRow, attendance_bulk_upsert

    outcome = Outcome()
    errors = outcome.errors
    rows = table.rows
    orders = _orders_by_number(organisation, {r.text("numero_action") for r in rows})
    registry = _Registry().load(organisation)
    enrolments: dict[tuple[int, int], Enrolment] = {}
    order_ids = [o.pk for o in orders.values()]
    for start in range(0, len(order_ids), 500):
        for enrolment in Enrolment.objects.filter(order_id__in=order_ids[start : start + 500]).select_related(
            "trainee"
        ):
            enrolments[(enrolment.order_id, enrolment.trainee_id)] = enrolment
    kind = AttendanceKind.MONTH if monthly else AttendanceKind.DAY
    has_ref = "identifiant_stagiaire" in table.header
    reasons = cols.UNREALISED_REASONS

    batch: list[AttendanceRow] = []
    lines: list[int] = []  # the file's line of each row of ``batch``
    seen: dict[tuple[int, date], int] = {}
    for position, row in enumerate(rows):
        if progress is not None and position % 1000 == 0:
            progress(position)
        line = row.line
        data = row.data
        try:
            number = cell_text(data.get("numero_action"))
            if not number:
                raise ParseError("le numéro d'action est obligatoire")
            order = orders.get(number)
            if order is None:
                raise ParseError(_unknown_order(number))
            ref = cell_text(data.get("identifiant_stagiaire")) if has_ref else ""
            if ref:
                trainee_id = registry.by_ref.get(ref)
                if trainee_id is None:
                    raise ParseError(f"aucun stagiaire de votre registre n'a l'identifiant « {ref} »")
                who = ref
            else:
                last, first = cell_text(data.get("nom")), cell_text(data.get("prenom"))
                if not last or not first or not cell_text(data.get("date_naissance")):
                    raise ParseError(
                        "indiquez l'identifiant du stagiaire, ou ses nom, prénom et date de naissance"
                    )
                birth = _date(row, "date_naissance", "la date de naissance")
                found = registry.by_name.get((trainee_name_key(last, first), birth), [])
                who = f"{last.upper()} {first}"
                if not found:
                    raise ParseError(
                        f"aucun stagiaire {who} né(e) le {format_date(birth)} dans votre registre"
                    )
                if len(found) > 1:
                    raise ParseError(
                        f"plusieurs stagiaires {who} nés le {format_date(birth)} : indiquez l'identifiant du stagiaire"
                    )
                trainee_id = found[0]
            enrolment = enrolments.get((order.pk, trainee_id))
            if enrolment is None:
                raise ParseError(f"le stagiaire {who} n'est pas inscrit sur l'action « {number} »")
            day = _month(row) if monthly else _date(row, "date", "la date")
            realised = _decimal(row, "realise", "le réalisé")
            counted = _decimal(row, "non_realise_comptabilise", "le non réalisé comptabilisé")
            reason_text = cell_text(data.get("motif"))
            reason = ""
            if reason_text:
                reason = reasons.get(reason_text) or cols.lookup(reason_text, reasons)
                if reason is None:
                    raise ParseError(
                        f"le motif « {reason_text} » est inconnu (valeurs possibles : {cols.accepted(reasons)})"
                    )
        except ParseError as exc:
            errors.add(line, str(exc))
            continue
        key = (enrolment.pk, day)
        if key in seen:
            what = f"le mois {format_month(day)}" if monthly else f"le {format_date(day)}"
            errors.add(line, f"même stagiaire, même action et {what} que la ligne {seen[key]}")
            continue
        seen[key] = line
        batch.append(AttendanceRow(enrolment, day, realised, counted, reason, kind))
        lines.append(line)
    if progress is not None:
        progress(len(rows))
        progress.phase("Enregistrement")

    # the rules of the hour pages, and the write (a dry run when a row is already refused here)
    try:
        result = attendance_bulk_upsert(
            rows=batch, by=user, source=AttendanceSource.IMPORT, dry_run=bool(errors)
        )
    except AttendanceBulkRefused as refused:
        for index, phrase in refused.phrases:
            errors.add(lines[index], phrase)
    if errors:
        outcome.summary = (
            f"{len(errors.lines())} ligne(s) en erreur sur {len(rows)} : rien n'a été enregistré. "
            "Corrigez le fichier et importez-le à nouveau."
        )
        return outcome
    counts = Counts(result.created, result.updated, result.unchanged, result.deleted)
    outcome.counts["heures"] = counts
    outcome.summary = f"{len(rows)} lignes importées — {counts.text('heures')}."
    if result.corrections:
        outcome.warnings.append(
            f"{result.corrections} ligne(s) modifient un mois déjà validé : elles sont enregistrées comme "
            "rectificatifs et seront facturées avec la période suivante."
        )
    return outcome


# ---------------------------------------------------------------------------------------------
# Trainees (and their enrolment)
# ---------------------------------------------------------------------------------------------

TRAINEE_ATTRS = (
    "civility",
    "last_name",
    "first_name",
    "birth_date",
    "entry_status",
    "email",
    "phone",
    "city",
)
ENROLMENT_ATTRS = ("entry_date", "planned_hours", "payer", "scheme", "exit_date", "exit_reason")


def _code(row: Row, key: str, table: dict[str, str], label: str, *, required: bool) -> str:
    text = row.text(key)
    if not text:
        if required:
            raise ParseError(f"{label} est obligatoire")
        return ""
    code = cols.lookup(text, table)
    if code is None:
        raise ParseError(f"{label} « {text} » est inconnu (valeurs possibles : {cols.accepted(table)})")
    return code


def _trainee_values(row: Row) -> dict:
    from django.core.exceptions import ValidationError
    from django.core.validators import validate_email

    values = {
        "civility": _code(row, "civilite", cols.CIVILITIES, "la civilité", required=True),
        "last_name": row.text("nom"),
        "first_name": row.text("prenom"),
        "birth_date": _date(row, "date_naissance", "la date de naissance"),
        "entry_status": _code(row, "statut", cols.ENTRY_STATUSES, "le statut à l'entrée", required=True),
        "email": row.text("courriel"),
        "phone": row.text("telephone"),
        "city": row.text("commune"),
    }
    if not values["last_name"]:
        raise ParseError("le nom est obligatoire")
    if not values["first_name"]:
        raise ParseError("le prénom est obligatoire")
    for key, limit in (("last_name", 120), ("first_name", 120), ("city", 120), ("phone", 30), ("email", 254)):
        if len(values[key]) > limit:
            raise ParseError(f"« {values[key][:30]}… » est trop long ({limit} caractères au plus)")
    if values["email"]:
        try:
            validate_email(values["email"])
        except ValidationError:
            raise ParseError(f"le courriel « {values['email']} » n'est pas une adresse valide") from None
    today = timezone.localdate()
    if not date(1900, 1, 1) <= values["birth_date"] <= today:
        raise ParseError(f"la date de naissance « {row.text('date_naissance')} » n'est pas plausible")
    return values


def import_trainees(
    *, organisation, table: Table, confirm_over_headcount: bool = False, progress=None
) -> Outcome:
    """Trainees keyed by external id or name + birth date; optional enrolment on an action of the OF."""
    from simple_history.utils import bulk_create_with_history, bulk_update_with_history

    from formarche.attendance.models import Attendance

    outcome = Outcome()
    errors = outcome.errors
    rows = table.rows
    orders = _orders_by_number(organisation, {r.text("numero_action") for r in rows})
    registry = _Registry().load(organisation, objects=True)
    existing_enrolments: dict[tuple[int, int], Enrolment] = {}
    headcount: dict[int, int] = defaultdict(int)
    for enrolment in Enrolment.objects.filter(order__in=list(orders.values())):
        existing_enrolments[(enrolment.order_id, enrolment.trainee_id)] = enrolment
        headcount[enrolment.order_id] += 1

    seen_trainees: dict[object, int] = {}
    seen_enrolments: dict[tuple[object, int], int] = {}
    planned = []  # (line, trainee key, trainee values, ref, enrolment values or None)
    for position, row in enumerate(rows):
        if progress is not None and position % 1000 == 0:
            progress(position)
        try:
            values = _trainee_values(row)
            ref = row.text("identifiant_stagiaire")
            if len(ref) > 60:
                raise ParseError("l'identifiant du stagiaire est trop long (60 caractères au plus)")
            name = (trainee_name_key(values["last_name"], values["first_name"]), values["birth_date"])
            # which trainee of the registry is this row?
            pk = registry.by_ref.get(ref) if ref else None
            if pk is None:
                same_name = [
                    p for p in registry.by_name.get(name, []) if not ref or not registry.rows[p].external_ref
                ]
                if len(same_name) > 1:
                    raise ParseError(
                        f"plusieurs stagiaires {values['last_name'].upper()} {values['first_name']} nés le "
                        f"{format_date(values['birth_date'])} : indiquez l'identifiant du stagiaire"
                    )
                pk = same_name[0] if same_name else None
                if pk is None and ref and registry.by_name.get(name):
                    outcome.warnings.append(
                        f"Ligne {row.line} : un stagiaire de même nom et même date de naissance existe déjà avec un "
                        f"autre identifiant ; un nouveau stagiaire « {ref} » est créé."
                    )
            key = pk if pk is not None else (ref or name)
            if key in seen_trainees:
                raise ParseError(f"même stagiaire que la ligne {seen_trainees[key]}")
            enrolment = _enrolment_values(row, orders)
        except ParseError as exc:
            errors.add(row.line, str(exc))
            continue
        seen_trainees[key] = row.line
        if enrolment is not None:
            seen_enrolments[(key, enrolment["order"].pk)] = row.line
        planned.append((row.line, key, pk, values, ref, enrolment))
    if progress is not None:
        progress(len(rows))
        progress.phase("Enregistrement")

    # headcount, per action: existing enrolments + new ones of the file
    over: dict[int, list[int]] = defaultdict(list)
    for line, _key, pk, _values, _ref, enrolment in planned:
        if enrolment is None:
            continue
        order = enrolment["order"]
        if pk is not None and (order.pk, pk) in existing_enrolments:
            continue
        if enrolment["planned_hours"] is None:
            errors.add(line, "les heures prévues sont obligatoires pour inscrire le stagiaire")
        headcount[order.pk] += 1
        if order.planned_headcount and headcount[order.pk] > order.planned_headcount:
            over[order.pk].append(line)
    if over and not confirm_over_headcount:
        for order_id, lines_over in over.items():
            order = next(o for o in orders.values() if o.pk == order_id)
            for line in lines_over:
                errors.add(
                    line,
                    f"l'effectif prévu de l'action « {order.number} » ({order.planned_headcount}) serait dépassé : "
                    "cochez « Je confirme les inscriptions au-delà de l'effectif prévu » pour importer quand même",
                )

    # co-fundings: the trainee pages' rules, against the enrolment's existing co-fundings (one query)
    from formarche.trainees.services import enrolment_funding_check

    funded: dict[int, dict[str, EnrolmentFunding]] = defaultdict(dict)
    for funding in EnrolmentFunding.objects.filter(enrolment__order__in=list(orders.values())):
        funded[funding.enrolment_id][funding.payer] = funding
    for line, _key, pk, _values, _ref, e in planned:
        if e is None:
            continue
        current = existing_enrolments.get((e["order"].pk, pk)) if pk is not None else None
        existing = funded.get(current.pk, {}) if current is not None else {}
        f = e["funding"]
        planned_hours = (
            e["planned_hours"] if e["planned_hours"] is not None else getattr(current, "planned_hours", None)
        )
        if e["payer"] in existing and (f is None or f["payer"] != e["payer"]):
            errors.add(
                line,
                f"« {Payer(e['payer']).label} » cofinance déjà cette inscription : il ne peut pas en être aussi "
                "le financeur principal",
            )
            continue
        kept = {p: x for p, x in existing.items() if f is None or p != f["payer"]}
        if not planned_hours and any(x.amount is not None for x in kept.values()):
            errors.add(
                line,
                "cette inscription a un cofinancement forfaitaire, réparti au prorata des heures prévues : "
                "les heures prévues ne peuvent pas être nulles",
            )
            continue
        if f is not None:
            refusal = enrolment_funding_check(
                payer=f["payer"],
                amount=f["amount"],
                hourly_rate=f["hourly_rate"],
                label=f["label"],
                principal_payer=e["payer"],
                planned_hours=planned_hours,
                other_payers=set(kept),
            )
            if refusal:
                errors.add(line, _lower_first(refusal.rstrip(".")))

    # exits: no hours after the exit date (one query for the enrolments concerned)
    exits = {
        existing_enrolments[(e["order"].pk, pk)].pk: (line, e["exit_date"])
        for line, _k, pk, _v, _r, e in planned
        if e is not None and e["exit_date"] and pk is not None and (e["order"].pk, pk) in existing_enrolments
    }
    if exits:
        late = defaultdict(list)
        for enrolment_id, day in (
            Attendance.objects.filter(enrolment_id__in=list(exits))
            .exclude(realised_hours=0, counted_unrealised_hours=0)
            .values_list("enrolment_id", "day")
            .order_by("day")
        ):
            line, exit_date = exits[enrolment_id]
            if day > exit_date:
                late[line].append(day)
        for line, days in late.items():
            errors.add(
                line,
                "des heures sont enregistrées après la date de sortie : "
                + ", ".join(format_date(d) for d in days),
            )
    if errors:
        outcome.summary = (
            f"{len(errors.lines())} ligne(s) en erreur sur {len(rows)} : rien n'a été enregistré. "
            "Corrigez le fichier et importez-le à nouveau."
        )
        return outcome

    trainee_counts, enrolment_counts = Counts(), Counts()
    with transaction.atomic():
        to_create: list[Trainee] = []
        to_update: list[Trainee] = []
        by_key: dict[object, Trainee] = {}
        for _line, key, pk, values, ref, _enrolment in planned:
            if pk is None:
                trainee = Trainee(organisation=organisation, external_ref=ref, **values)
                trainee.name_key = trainee_name_key(trainee.last_name, trainee.first_name)
                to_create.append(trainee)
            else:
                trainee = registry.rows[pk]
                changed = False
                for attr in TRAINEE_ATTRS:
                    new = values[attr]
                    if new in ("", None) and attr in ("email", "phone", "city"):
                        continue  # an empty optional cell keeps what the registry knows
                    if getattr(trainee, attr) != new:
                        setattr(trainee, attr, new)
                        changed = True
                if ref and trainee.external_ref != ref:
                    trainee.external_ref = ref
                    changed = True
                if changed:
                    trainee.name_key = trainee_name_key(trainee.last_name, trainee.first_name)
                    to_update.append(trainee)
                else:
                    trainee_counts.unchanged += 1
            by_key[key] = trainee
        if to_create:
            bulk_create_with_history(to_create, Trainee, batch_size=500)
        if to_update:
            bulk_update_with_history(
                to_update, Trainee, [*TRAINEE_ATTRS, "external_ref", "name_key"], batch_size=500
            )
        trainee_counts.created, trainee_counts.updated = len(to_create), len(to_update)

        new_enrolments: list[Enrolment] = []
        changed_enrolments: list[Enrolment] = []
        funding_rows: list[tuple[tuple[int, Trainee], dict]] = []
        for _line, key, _pk, _values, _ref, values in planned:
            if values is None:
                continue
            trainee = by_key[key]
            order = values.pop("order")
            funding = values.pop("funding")
            if funding is not None:
                funding_rows.append(((order.pk, trainee), funding))
            current = existing_enrolments.get((order.pk, trainee.pk))
            if current is None:
                new_enrolments.append(Enrolment(order=order, trainee=trainee, **values))
                continue
            changed = False
            for attr in ENROLMENT_ATTRS:
                new = values[attr]
                if attr == "planned_hours" and new is None:
                    continue
                if getattr(current, attr) != new:
                    setattr(current, attr, new)
                    changed = True
            if changed:
                if not current.exit_date:
                    current.exit_reason = ""
                changed_enrolments.append(current)
            else:
                enrolment_counts.unchanged += 1
        if new_enrolments:
            bulk_create_with_history(new_enrolments, Enrolment, batch_size=500)
        if changed_enrolments:
            bulk_update_with_history(changed_enrolments, Enrolment, list(ENROLMENT_ATTRS), batch_size=500)
        enrolment_counts.created, enrolment_counts.updated = len(new_enrolments), len(changed_enrolments)
        funding_counts = _write_fundings(funding_rows, funded, orders)
    outcome.counts = {"stagiaires": trainee_counts, "inscriptions": enrolment_counts}
    if any(vars(funding_counts).values()):
        outcome.counts["cofinancements"] = funding_counts
    summary = f"{len(rows)} lignes importées — {trainee_counts.text('stagiaires').replace('créées', 'créés').replace('modifiées', 'modifiés').replace('inchangées', 'inchangés')}"
    if any(vars(enrolment_counts).values()):
        summary += f" ; {enrolment_counts.text('inscriptions')}"
    if any(vars(funding_counts).values()):
        summary += (
            f" ; {funding_counts.text('cofinancements')}".replace("créées", "créés")
            .replace("modifiées", "modifiés")
            .replace("inchangées", "inchangés")
        )
    outcome.summary = summary + "."
    return outcome


def _write_fundings(funding_rows, funded: dict[int, dict[str, EnrolmentFunding]], orders) -> Counts:
    """Create or update the rows' co-fundings, keyed by (enrolment, payer); the enrolment's other
    co-fundings are kept. Called inside the import's transaction, after the enrolments."""
    from simple_history.utils import bulk_create_with_history, bulk_update_with_history

    counts = Counts()
    if not funding_rows:
        return counts
    enrolment_ids = dict(
        (((o, t), pk))
        for pk, o, t in Enrolment.objects.filter(order__in=list(orders.values())).values_list(
            "pk", "order_id", "trainee_id"
        )
    )
    to_create, to_update = [], []
    for (order_id, trainee), f in funding_rows:
        enrolment_id = enrolment_ids[(order_id, trainee.pk)]
        current = funded.get(enrolment_id, {}).get(f["payer"])
        if current is not None and not f["label"]:
            f = {**f, "label": current.label}  # an empty optional cell keeps what is known
        if current is None:
            to_create.append(EnrolmentFunding(enrolment_id=enrolment_id, **f))
        elif (current.amount, current.hourly_rate, current.label) != (
            f["amount"],
            f["hourly_rate"],
            f["label"],
        ):
            current.amount, current.hourly_rate, current.label = f["amount"], f["hourly_rate"], f["label"]
            to_update.append(current)
        else:
            counts.unchanged += 1
    if to_create:
        bulk_create_with_history(to_create, EnrolmentFunding, batch_size=500)
    if to_update:
        bulk_update_with_history(
            to_update, EnrolmentFunding, ["amount", "hourly_rate", "label"], batch_size=500
        )
    counts.created, counts.updated = len(to_create), len(to_update)
    return counts


def _enrolment_values(row: Row, orders: dict[str, Order]) -> dict | None:
    number = row.text("numero_action")
    enrolment_columns = (
        "date_entree",
        "heures_prevues",
        "financeur",
        "dispositif_financement",
        "date_sortie",
        "motif_sortie",
        *FUNDING_COLUMNS,
    )
    if not number:
        if any(row.text(c) for c in enrolment_columns):
            raise ParseError("indiquez le numéro d'action pour inscrire le stagiaire")
        return None
    order = orders.get(number)
    if order is None:
        raise ParseError(_unknown_order(number))
    if not order.is_open:
        raise ParseError(f"l'action « {number} » est fermée : on ne peut plus y inscrire de stagiaire")
    entry = (
        _date(row, "date_entree", "la date d'entrée")
        if row.text("date_entree")
        else (order.actual_start or order.planned_start)
    )
    end = order.real_end or order.planned_end
    if not order.planned_start <= entry <= end:
        raise ParseError(
            f"la date d'entrée {format_date(entry)} est en dehors de l'action ({format_date(order.planned_start)} – "
            f"{format_date(end)})"
        )
    planned_hours = (
        _decimal(row, "heures_prevues", "les heures prévues", default=None)
        if row.text("heures_prevues")
        else None
    )
    exit_date = _date(row, "date_sortie", "la date de sortie") if row.text("date_sortie") else None
    exit_reason = _code(row, "motif_sortie", cols.EXIT_REASONS, "le motif de sortie", required=False)
    if exit_date is not None:
        if exit_date < entry:
            raise ParseError(
                f"la date de sortie {format_date(exit_date)} précède la date d'entrée {format_date(entry)}"
            )
        if not exit_reason:
            raise ParseError("le motif de sortie est obligatoire avec une date de sortie")
    elif exit_reason:
        raise ParseError("un motif de sortie sans date de sortie")
    scheme = row.text("dispositif_financement")
    if len(scheme) > 120:
        raise ParseError("le dispositif de financement est trop long (120 caractères au plus)")
    return {
        "order": order,
        "entry_date": entry,
        "planned_hours": planned_hours,
        "payer": _code(row, "financeur", cols.PAYERS, "le financeur", required=False) or "c6",
        "scheme": scheme,
        "exit_date": exit_date,
        "exit_reason": exit_reason,
        "funding": _funding_values(row),
    }


FUNDING_COLUMNS = (
    "cofinanceur",
    "montant_cofinancement",
    "tarif_horaire_cofinancement",
    "libelle_cofinancement",
)


def _funding_values(row: Row) -> dict | None:
    """The row's co-funding (shape only; the rules are checked against the enrolment later)."""
    from formarche.utils.parsing import parse_decimal

    if not any(row.text(c) for c in FUNDING_COLUMNS):
        return None
    payer = _code(row, "cofinanceur", cols.PAYERS, "le cofinanceur", required=False)
    if not payer:
        raise ParseError("indiquez le cofinanceur (colonne « cofinanceur ») avec un montant de cofinancement")
    amount = rate = None
    if row.text("montant_cofinancement"):
        amount = parse_decimal(
            row.data.get("montant_cofinancement"), label="le montant du cofinancement", places=2
        )
    if row.text("tarif_horaire_cofinancement"):
        rate = parse_decimal(
            row.data.get("tarif_horaire_cofinancement"), label="le tarif horaire du cofinancement", places=4
        )
    return {"payer": payer, "amount": amount, "hourly_rate": rate, "label": row.text("libelle_cofinancement")}


def _lower_first(message: str) -> str:
    return message[:1].lower() + message[1:]

"""Import of hours (daily or monthly totals): the ingest pipeline's three stages for them.

parse: every row → an :class:`AttendanceRow` (its enrolment found among the OF's own actions and
trainees); check: when a row is already refused, a dry run of the single hours write path lists
the rows contrary to the hour pages' rules too; write: that same path,
:func:`formarche.attendance.services.attendance_bulk_upsert`, in the import's transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from formarche.attendance.models import AttendanceKind, AttendanceSource
from formarche.attendance.services import AttendanceBulkRefused, AttendanceRow, attendance_bulk_upsert
from formarche.imports import columns as cols
from formarche.imports import pipeline
from formarche.imports.cells import (
    Registry,
    date_value,
    hours_value,
    month_value,
    orders_by_number,
    unknown_order,
)
from formarche.imports.pipeline import Counts, Outcome, Refused, refused_summary
from formarche.trainees.models import Enrolment, trainee_name_key
from formarche.utils.formatting import format_date, format_month
from formarche.utils.parsing import ParseError, RowErrors, Table, cell_text


@dataclass
class _HourRows:
    """The parse stage's result: the rows to write and the file's line of each."""

    batch: list[AttendanceRow] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)


def import_hours(
    *, organisation, table: Table, monthly: bool, user=None, progress=None, on_written=None
) -> Outcome:
    """Validate every row (shape, tenancy, the hour pages' rules), then write all of them or nothing.

    ``on_written(outcome)`` runs inside the write's transaction, the outcome complete (a job marks
    itself done there)."""
    outcome = Outcome()
    errors = outcome.errors

    def record_refusals(rows: _HourRows, refused: AttendanceBulkRefused) -> None:
        for index, phrase in refused.phrases:
            errors.add(rows.lines[index], phrase)

    def check(rows: _HourRows) -> None:
        if not errors:
            return  # the rules are applied by the write itself
        try:  # a row is already refused: a dry run lists the rows contrary to the rules too
            attendance_bulk_upsert(rows=rows.batch, by=user, source=AttendanceSource.IMPORT, dry_run=True)
        except AttendanceBulkRefused as refused:
            record_refusals(rows, refused)

    def write(rows: _HourRows):
        try:
            return attendance_bulk_upsert(rows=rows.batch, by=user, source=AttendanceSource.IMPORT)
        except AttendanceBulkRefused as refused:
            record_refusals(rows, refused)
            raise Refused from refused

    def written(result) -> None:
        _written(outcome, result, len(table.rows))
        if on_written is not None:
            on_written(outcome)

    result = pipeline.run(
        table,
        parse=lambda t: _parse_hours(organisation, t, monthly, errors, progress),
        check=check,
        write=write,
        errors=errors,
        written=written,
    )
    if result is None:
        outcome.summary = refused_summary(errors, len(table.rows))
    return outcome


def _written(outcome: Outcome, result, rows: int) -> None:
    counts = Counts(result.created, result.updated, result.unchanged, result.deleted)
    outcome.counts["heures"] = counts
    outcome.summary = f"{rows} lignes importées — {counts.text('heures')}."
    if result.corrections:
        outcome.warnings.append(
            f"{result.corrections} ligne(s) modifient un mois déjà validé : elles sont enregistrées comme "
            "rectificatifs et seront facturées avec la période suivante."
        )


class _HourParser:
    """What the rows of one file are matched against: the OF's orders, trainees and enrolments."""

    def __init__(self, organisation, table: Table, monthly: bool):
        rows = table.rows
        self.orders = orders_by_number(organisation, {r.text("numero_action") for r in rows})
        self.registry = Registry().load(organisation)
        self.enrolments: dict[tuple[int, int], Enrolment] = {}
        order_ids = [o.pk for o in self.orders.values()]
        for start in range(0, len(order_ids), 500):
            for enrolment in Enrolment.objects.filter(
                order_id__in=order_ids[start : start + 500]
            ).select_related("trainee"):
                self.enrolments[(enrolment.order_id, enrolment.trainee_id)] = enrolment
        self.monthly = monthly
        self.kind = AttendanceKind.MONTH if monthly else AttendanceKind.DAY
        self.has_ref = "identifiant_stagiaire" in table.header

    def trainee(self, row) -> tuple[int, str]:
        """The row's trainee (id, how to name them) in the OF's registry."""
        data = row.data
        ref = cell_text(data.get("identifiant_stagiaire")) if self.has_ref else ""
        if ref:
            trainee_id = self.registry.by_ref.get(ref)
            if trainee_id is None:
                raise ParseError(f"aucun stagiaire de votre registre n'a l'identifiant « {ref} »")
            return trainee_id, ref
        last, first = cell_text(data.get("nom")), cell_text(data.get("prenom"))
        if not last or not first or not cell_text(data.get("date_naissance")):
            raise ParseError("indiquez l'identifiant du stagiaire, ou ses nom, prénom et date de naissance")
        birth = date_value(row, "date_naissance", "la date de naissance")
        found = self.registry.by_name.get((trainee_name_key(last, first), birth), [])
        who = f"{last.upper()} {first}"
        if not found:
            raise ParseError(f"aucun stagiaire {who} né(e) le {format_date(birth)} dans votre registre")
        if len(found) > 1:
            raise ParseError(
                f"plusieurs stagiaires {who} nés le {format_date(birth)} : indiquez l'identifiant du stagiaire"
            )
        return found[0], who

    def row(self, row) -> AttendanceRow:
        """One row → its attendance row, or ``ParseError`` (French, names the value)."""
        number = cell_text(row.data.get("numero_action"))
        if not number:
            raise ParseError("le numéro d'action est obligatoire")
        order = self.orders.get(number)
        if order is None:
            raise ParseError(unknown_order(number))
        trainee_id, who = self.trainee(row)
        enrolment = self.enrolments.get((order.pk, trainee_id))
        if enrolment is None:
            raise ParseError(f"le stagiaire {who} n'est pas inscrit sur l'action « {number} »")
        day = month_value(row) if self.monthly else date_value(row, "date", "la date")
        realised = hours_value(row, "realise", "le réalisé")
        counted = hours_value(row, "non_realise_comptabilise", "le non réalisé comptabilisé")
        return AttendanceRow(enrolment, day, realised, counted, _reason(row), self.kind)


def _reason(row) -> str:
    reasons = cols.UNREALISED_REASONS
    reason_text = cell_text(row.data.get("motif"))
    if not reason_text:
        return ""
    reason = reasons.get(reason_text) or cols.lookup(reason_text, reasons)
    if reason is None:
        raise ParseError(
            f"le motif « {reason_text} » est inconnu (valeurs possibles : {cols.accepted(reasons)})"
        )
    return reason


def _parse_hours(organisation, table: Table, monthly: bool, errors: RowErrors, progress) -> _HourRows:
    """The parse stage: the file's rows → attendance rows; a row once per (enrolment, day)."""
    parser = _HourParser(organisation, table, monthly)
    out = _HourRows()
    seen: dict[tuple[int, date], int] = {}
    rows = table.rows
    for position, row in enumerate(rows):
        if progress is not None and position % 1000 == 0:
            progress(position)
        try:
            parsed = parser.row(row)
        except ParseError as exc:
            errors.add(row.line, str(exc))
            continue
        key = (parsed.enrolment.pk, parsed.day)
        if key in seen:
            what = f"le mois {format_month(parsed.day)}" if monthly else f"le {format_date(parsed.day)}"
            errors.add(row.line, f"même stagiaire, même action et {what} que la ligne {seen[key]}")
            continue
        seen[key] = row.line
        out.batch.append(parsed)
        out.lines.append(row.line)
    if progress is not None:
        progress(len(rows))
        progress.phase("Enregistrement")
    return out

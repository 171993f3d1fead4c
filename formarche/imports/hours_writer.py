"""Writing many hour rows fast: the rules of ``attendance.services``, the writes in plain SQL.

``attendance.services.attendance_bulk_upsert`` goes through the ORM's ``bulk_create`` and
``bulk_create_with_history`` (≈ 0,5 ms per row with its history row): 100 000 rows would take about
a minute. The import target is 100 000 rows in under 20 s on SQLite, so this module

- checks each row with the same rules as the hour pages (≥ 0, 2 decimals, ≤ 24 h a day, within
  the enrolment's dates, a month total ≤ 24 h per enrolled day, a reason for counted unrealised
  hours, a trainee-month kept by day *or* as a total, rectificatif in a validated month, a zero
  row deletes the stored one except in a validated month where it is kept at zero, flagged);
- loads the stored rows once, computes created / updated / unchanged / deleted;
- writes with ``cursor.executemany`` in batches, and writes the django-simple-history rows the
  same way (``+`` created, ``~`` changed, ``-`` deleted), so the audit trail stays complete.

Column names and value conversions come from the models' ``_meta`` (portable to SQLite and
PostgreSQL). Candidate for a move into ``attendance.services`` (one write path for every bulk
caller): see formarche/imports/README.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone

from formarche.attendance.models import MAX_DAY_HOURS, Attendance, AttendanceKind, AttendanceSource
from formarche.billing.models import Period, PeriodStatus
from formarche.utils.dates import month_bounds
from formarche.utils.formatting import format_date, format_month

ZERO = Decimal("0.00")
MAX_HOURS = Decimal("10000")
SQL_BATCH = 5_000


@dataclass(slots=True)
class HourRow:
    line: int
    enrolment: object  # Enrolment with trainee loaded
    day: date
    kind: str
    realised: Decimal
    counted: Decimal
    reason: str


@dataclass(slots=True)
class WriteResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    corrections: int = 0


def check_row(row: HourRow) -> str | None:
    """The rules of one row (the hour pages' rules); a French message, or None. Normalises ``row``."""
    realised, counted = row.realised, row.counted
    if realised >= MAX_HOURS or counted >= MAX_HOURS:
        return "nombre d'heures trop grand"
    if counted > 0:
        if not row.reason:
            return "indiquez le motif du non réalisé comptabilisé (absence justifiée, maladie…)"
    else:
        row.reason = ""
    enrolment = row.enrolment
    if row.kind == AttendanceKind.DAY:
        if realised + counted > MAX_DAY_HOURS:
            return "une journée ne peut pas compter plus de 24 heures (réalisé + non réalisé comptabilisé)"
        if row.day < enrolment.entry_date:
            return (
                f"le {format_date(row.day)} est avant l'entrée en formation de {enrolment.trainee} "
                f"(le {format_date(enrolment.entry_date)})"
            )
        if enrolment.exit_date and row.day > enrolment.exit_date:
            return (
                f"le {format_date(row.day)} est après la sortie de {enrolment.trainee} "
                f"(le {format_date(enrolment.exit_date)})"
            )
        return None
    row.day = row.day.replace(day=1)
    first, last = month_bounds(row.day)
    start = max(first, enrolment.entry_date)
    end = min(last, enrolment.exit_date) if enrolment.exit_date else last
    enrolled = max(0, (end - start).days + 1)
    if not enrolled:
        return f"{enrolment.trainee} n'est pas inscrit(e) en {format_month(row.day)}"
    if realised + counted > MAX_DAY_HOURS * enrolled:
        return (
            f"{realised + counted} h en {format_month(row.day)} : plus de 24 h par jour d'inscription "
            f"({enrolled} jour(s))"
        )
    return None


class _Converter:
    """``field.get_db_prep_save`` memoised per value (dates, decimals and codes repeat a lot)."""

    def __init__(self, field):
        self.field = field
        self.cache = {}
        internal = field.get_internal_type()
        self.identity = internal in {
            "AutoField",
            "BigAutoField",
            "BigIntegerField",
            "IntegerField",
            "ForeignKey",
        }

    def __call__(self, value):
        if value is None or self.identity:
            return value
        try:
            return self.cache[value]
        except KeyError:
            prepared = self.field.get_db_prep_save(value, connection)
            self.cache[value] = prepared
            return prepared


def _insert_sql(model, attnames):
    fields = [model._meta.get_field(a.removesuffix("_id") if a.endswith("_id") else a) for a in attnames]
    quote = connection.ops.quote_name
    sql = "INSERT INTO {} ({}) VALUES ({})".format(
        quote(model._meta.db_table),
        ", ".join(quote(f.column) for f in fields),
        ", ".join(["%s"] * len(fields)),
    )
    return sql, [_Converter(f) for f in fields]


def _executemany(sql, converters, rows):
    """``rows`` as Python values; each column converted once per distinct value (see :class:`_Converter`)."""
    active = [(i, conv) for i, conv in enumerate(converters) if not conv.identity]
    with connection.cursor() as cursor:
        for start in range(0, len(rows), SQL_BATCH):
            chunk = []
            for row in rows[start : start + SQL_BATCH]:
                row = list(row)
                for i, conv in active:
                    value = row[i]
                    if value is not None:
                        cached = conv.cache.get(value, _MISSING)
                        row[i] = conv(value) if cached is _MISSING else cached
                chunk.append(row)
            cursor.executemany(sql, chunk)


_MISSING = object()


ROW_FIELDS = [
    "enrolment_id",
    "day",
    "kind",
    "realised_hours",
    "counted_unrealised_hours",
    "unrealised_reason",
    "is_correction",
    "source",
    "updated_at",
    "updated_by_id",
]
HISTORY_FIELDS = [
    "id",
    *ROW_FIELDS,
    "history_date",
    "history_change_reason",
    "history_type",
    "history_user_id",
]


def _stored(enrolment_ids, order_ids, first, last):
    """Stored rows of these enrolments in [first, last] (by order when there are many enrolments)."""
    stored = Attendance.objects.filter(day__gte=first, day__lte=last)
    if len(enrolment_ids) <= 500:
        return stored.filter(enrolment_id__in=enrolment_ids)
    return stored.filter(enrolment__order_id__in=order_ids)


def write_hours(
    rows: list[HourRow], *, user=None, source: str = AttendanceSource.IMPORT
) -> tuple[WriteResult, list]:
    """Apply ``rows`` (already checked one by one) — all or nothing.

    Returns ``(result, errors)``: ``errors`` is a list of ``(line, message)`` found against the
    stored rows (a month kept the other way); when it is not empty nothing was written.
    """
    result = WriteResult()
    errors: list[tuple[int, str]] = []
    if not rows:
        return result, errors
    enrolment_ids = sorted({r.enrolment.pk for r in rows})
    first = min(r.day for r in rows).replace(day=1)
    last = month_bounds(max(r.day for r in rows))[1]
    order_ids = {r.enrolment.order_id for r in rows}
    now = timezone.now()
    user_id = getattr(user, "pk", None)
    with transaction.atomic():
        validated = set(
            Period.objects.filter(order_id__in=order_ids, status=PeriodStatus.VALIDATED).values_list(
                "order_id", "month"
            )
        )
        existing: dict[tuple, tuple] = {}
        kinds: dict[tuple, set] = {}
        wanted = set(enrolment_ids)
        stored = _stored(enrolment_ids, order_ids, first, last)
        if connection.features.has_select_for_update:
            stored = stored.select_for_update()
        for values in stored.values_list(
            "id",
            "enrolment_id",
            "day",
            "kind",
            "realised_hours",
            "counted_unrealised_hours",
            "unrealised_reason",
            "is_correction",
        ):
            if values[1] not in wanted:
                continue
            existing[(values[1], values[2], values[3])] = values
            kinds.setdefault((values[1], values[2].replace(day=1)), set()).add(values[3])
        for r in rows:
            kinds.setdefault((r.enrolment.pk, r.day.replace(day=1)), set()).add(r.kind)

        creates, updates, deletes = [], [], []
        for r in rows:
            e = r.enrolment
            month = r.day.replace(day=1)
            if len(kinds[(e.pk, month)]) > 1:
                if r.kind == AttendanceKind.DAY:
                    errors.append(
                        (
                            r.line,
                            f"{format_month(month)} est saisi en total mensuel pour {e.trainee} : "
                            "modifiez ce total, ou supprimez-le pour saisir jour par jour",
                        )
                    )
                else:
                    errors.append(
                        (
                            r.line,
                            f"{format_month(month)} est déjà saisi jour par jour pour {e.trainee} : "
                            "un total mensuel ne peut pas s'y ajouter",
                        )
                    )
                continue
            correction = (e.order_id, month) in validated
            old = existing.get((e.pk, r.day, r.kind))
            empty = r.realised == 0 and r.counted == 0
            if old is None:
                if empty:
                    result.unchanged += 1
                    continue
                creates.append(
                    (e.pk, r.day, r.kind, r.realised, r.counted, r.reason, correction, source, now, user_id)
                )
                result.corrections += correction
                continue
            if empty and not correction:
                deletes.append(old)
                continue
            if old[4] == r.realised and old[5] == r.counted and old[6] == r.reason:
                result.unchanged += 1
                continue
            updates.append(
                (
                    old[0],
                    e.pk,
                    r.day,
                    r.kind,
                    r.realised,
                    r.counted,
                    r.reason,
                    correction or old[7],
                    source,
                    now,
                    user_id,
                )
            )
            result.corrections += correction
        if errors:
            transaction.set_rollback(True)
            return WriteResult(), errors

        history = Attendance.history.model
        if connection.vendor == "sqlite" and len(creates) + len(updates) > SQL_BATCH:
            with connection.cursor() as cursor:  # a larger page cache for this connection: fewer index page reads
                cursor.execute("PRAGMA cache_size = -131072")
        if creates:
            sql, conv = _insert_sql(Attendance, ROW_FIELDS)
            _executemany(sql, conv, creates)
            created_keys = {(c[0], c[1], c[2]) for c in creates}
            ids = {}
            for pk, enrolment_id, day, kind in _stored(enrolment_ids, order_ids, first, last).values_list(
                "id", "enrolment_id", "day", "kind"
            ):
                if (enrolment_id, day, kind) in created_keys:
                    ids[(enrolment_id, day, kind)] = pk
            sql, conv = _insert_sql(history, HISTORY_FIELDS)
            _executemany(sql, conv, [(ids[(c[0], c[1], c[2])], *c, now, None, "+", user_id) for c in creates])
        if updates:
            quote = connection.ops.quote_name
            table = quote(Attendance._meta.db_table)
            fields = [
                Attendance._meta.get_field(n)
                for n in (
                    "realised_hours",
                    "counted_unrealised_hours",
                    "unrealised_reason",
                    "is_correction",
                    "source",
                    "updated_at",
                    "updated_by",
                )
            ]
            sets = ", ".join(f"{quote(f.column)} = %s" for f in fields)
            sql = f"UPDATE {table} SET {sets} WHERE {quote('id')} = %s"
            _executemany(
                sql,
                [_Converter(f) for f in fields] + [_Converter(Attendance._meta.pk)],
                [(*u[4:], u[0]) for u in updates],
            )
            sql, conv = _insert_sql(history, HISTORY_FIELDS)
            _executemany(sql, conv, [(*u, now, None, "~", user_id) for u in updates])
        if deletes:
            sql, conv = _insert_sql(history, HISTORY_FIELDS)
            _executemany(
                sql,
                conv,
                [
                    (
                        d[0],
                        d[1],
                        d[2],
                        d[3],
                        d[4],
                        d[5],
                        d[6],
                        d[7],
                        source,
                        now,
                        user_id,
                        now,
                        None,
                        "-",
                        user_id,
                    )
                    for d in deletes
                ],
            )
            quote = connection.ops.quote_name
            sql = f"DELETE FROM {quote(Attendance._meta.db_table)} WHERE {quote('id')} = %s"
            with connection.cursor() as cursor:
                cursor.executemany(sql, [(d[0],) for d in deletes])
    result.created, result.updated, result.deleted = len(creates), len(updates), len(deletes)
    return result, errors

"""The one writer of Attendance rows (private: call :mod:`formarche.attendance.services`).

:func:`write` takes rows already checked one by one by ``services`` (hours, reason, enrolment
dates) and

- loads the stored rows of those trainees and months once (locked where the engine can);
- refuses a trainee-month kept both day by day and as a month total (stored or in the batch);
- decides per row: created, updated, unchanged or deleted (zero hours delete the stored row,
  except in a validated month where the row is kept at zero and flagged ``is_correction``;
  any change in a validated month is a rectificatif);
- writes with ``cursor.executemany`` in batches, and writes the django-simple-history rows the
  same way (``+`` created, ``~`` changed, ``-`` deleted, with the user), so the audit trail is
  complete. The ORM's ``bulk_create_with_history`` costs ≈ 0,5 ms a row: 100 000 imported rows
  would take a minute instead of a few seconds.

Column names and value conversions come from the models' ``_meta`` (portable to SQLite and
PostgreSQL). Every query is per batch, never per row. Refusals are returned, not raised, as
``(index, message)`` where the message is a lower-case phrase without final full stop (the
caller phrases it: a sentence for the pages, ``Ligne N : …`` for the imports); nothing is
written when there is one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import connection
from django.utils import timezone

from formarche.attendance import figures, locks
from formarche.attendance.models import Attendance, AttendanceKind
from formarche.utils.copytext import copy_lines
from formarche.utils.dates import month_bounds
from formarche.utils.formatting import format_month

SQL_BATCH = 5_000


@dataclass(slots=True)
class CheckedRow:
    """One row checked by ``services._check``: ``day`` on the 1st for a month total."""

    index: int
    enrolment: object  # Enrolment, with its trainee loaded (messages name the trainee)
    enrolment_id: int
    day: date
    kind: str
    realised: Decimal
    counted: Decimal
    reason: str


@dataclass(frozen=True, slots=True)
class BulkResult:
    """What a write did (or would do, with ``dry_run``): ``corrections`` = rows written as rectificatifs."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    corrections: int = 0


def mixing_message(kind: str, enrolment, month: date) -> str:
    if kind == AttendanceKind.DAY:
        return (
            f"{format_month(month)} est saisi en total mensuel pour {enrolment.trainee} : "
            "modifiez ce total, ou supprimez-le pour saisir jour par jour"
        )
    return (
        f"{format_month(month)} est déjà saisi jour par jour pour {enrolment.trainee} : "
        "un total mensuel ne peut pas s'y ajouter"
    )


# ---------------------------------------------------------------------------------------------
# SQL helpers
# ---------------------------------------------------------------------------------------------

_MISSING = object()
_IDENTITY_TYPES = {"AutoField", "BigAutoField", "BigIntegerField", "IntegerField", "ForeignKey"}


class _Converter:
    """``field.get_db_prep_save`` memoised per value (dates, decimals and codes repeat a lot)."""

    def __init__(self, field):
        self.field = field
        self.cache = {}
        self.identity = field.get_internal_type() in _IDENTITY_TYPES

    def __call__(self, value):
        if value is None or self.identity:
            return value
        cached = self.cache.get(value, _MISSING)
        if cached is _MISSING:
            cached = self.cache[value] = self.field.get_db_prep_save(value, connection)
        return cached


def _field(model, attname):
    return model._meta.get_field(attname.removesuffix("_id") if attname.endswith("_id") else attname)


def _insert_sql(model, attnames):
    fields = [_field(model, a) for a in attnames]
    quote = connection.ops.quote_name
    sql = "INSERT INTO {} ({}) VALUES ({})".format(
        quote(model._meta.db_table),
        ", ".join(quote(f.column) for f in fields),
        ", ".join(["%s"] * len(fields)),
    )
    return sql, [_Converter(f) for f in fields]


def _executemany(sql, converters, rows):
    """``rows`` as Python values, converted column by column, sent by batches of :data:`SQL_BATCH`."""
    active = [(i, conv) for i, conv in enumerate(converters) if not conv.identity]
    with connection.cursor() as cursor:
        for start in range(0, len(rows), SQL_BATCH):
            chunk = []
            for row in rows[start : start + SQL_BATCH]:
                row = list(row)
                for i, conv in active:
                    value = row[i]
                    if value is not None:
                        cached = conv.cache.get(value, _MISSING)  # inline: this loop runs per cell
                        row[i] = conv(value) if cached is _MISSING else cached
                chunk.append(row)
            cursor.executemany(sql, chunk)


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
UPDATED_FIELDS = [
    "realised_hours",
    "counted_unrealised_hours",
    "unrealised_reason",
    "is_correction",
    "source",
    "updated_at",
    "updated_by_id",
]


def _stored(enrolment_ids, order_ids, first, last):
    """Stored rows of these enrolments in [first, last] (by order when there are many enrolments)."""
    stored = Attendance.objects.filter(day__gte=first, day__lte=last)
    if len(enrolment_ids) <= 500:
        return stored.filter(enrolment_id__in=enrolment_ids)
    return stored.filter(enrolment__order_id__in=order_ids)


# ---------------------------------------------------------------------------------------------
# The write
# ---------------------------------------------------------------------------------------------


def write(
    rows: list[CheckedRow], *, by=None, source: str, dry_run: bool = False
) -> tuple[BulkResult, list[tuple[int, str]]]:
    """Apply ``rows`` — all or nothing. Must run inside ``transaction.atomic``.

    Returns ``(result, errors)``; ``errors`` lists ``(index, message)`` for rows refused against
    the stored ones (a month kept the other way); when it is not empty, or with ``dry_run``,
    nothing is written and ``result`` counts what would have been done.
    """
    if not rows:
        return BulkResult(), []
    scope = _Scope(rows)
    now = timezone.now()
    user_id = getattr(by, "pk", None)
    plan = _plan(rows, scope, source=source, now=now, user_id=user_id)
    if plan.errors:
        plan.errors.sort()
        return BulkResult(), plan.errors
    if dry_run:
        return plan.result, []
    _apply(plan, scope, source=source, now=now, user_id=user_id)
    return plan.result, []


class _Scope:
    """The trainees and months a batch touches (what is loaded and locked)."""

    def __init__(self, rows: list[CheckedRow]):
        self.enrolment_ids = sorted({r.enrolment_id for r in rows})
        self.order_ids = {r.enrolment.order_id for r in rows}
        self.first = min(r.day for r in rows).replace(day=1)
        self.last = month_bounds(max(r.day for r in rows))[1]

    def stored(self):
        return _stored(self.enrolment_ids, self.order_ids, self.first, self.last)


@dataclass
class _Plan:
    result: BulkResult
    errors: list
    creates: list
    updates: list
    deletes: list


def _load_existing(rows, scope: _Scope) -> tuple[dict, dict]:
    """The stored rows of the scope, locked, by (enrolment, day, kind); the kinds of each trainee-month."""
    existing: dict[tuple, tuple] = {}
    kinds: dict[tuple, set] = {}
    wanted = set(scope.enrolment_ids)
    # id, enrolment_id, day, kind, realised, counted, reason, is_correction
    for values in scope.stored().select_for_update().values_list("id", *ROW_FIELDS[:7]):
        if values[1] in wanted:
            existing[(values[1], values[2], values[3])] = values
            kinds.setdefault((values[1], values[2].replace(day=1)), set()).add(values[3])
    for r in rows:
        kinds.setdefault((r.enrolment_id, r.day.replace(day=1)), set()).add(r.kind)
    return existing, kinds


def _plan(rows, scope: _Scope, *, source, now, user_id) -> _Plan:
    """Decide per row: created, updated, unchanged or deleted (or refused: a month kept the other way)."""
    validated = locks.validated_months(scope.order_ids)
    existing, kinds = _load_existing(rows, scope)
    errors: list[tuple[int, str]] = []
    creates, updates, deletes = [], [], []
    unchanged = corrections = 0
    for r in rows:
        e, e_id = r.enrolment, r.enrolment_id
        month = r.day.replace(day=1)
        if len(kinds[(e_id, month)]) > 1:
            errors.append((r.index, mixing_message(r.kind, e, month)))
            continue
        correction = (e.order_id, month) in validated
        old = existing.get((e_id, r.day, r.kind))
        empty = r.realised == 0 and r.counted == 0
        if old is None:
            if empty:  # nothing stored, nothing to store (nor to correct)
                unchanged += 1
                continue
            creates.append(
                (e_id, r.day, r.kind, r.realised, r.counted, r.reason, correction, source, now, user_id)
            )
            corrections += correction
            continue
        if empty and not correction:
            deletes.append(old[0])
            continue
        if old[4] == r.realised and old[5] == r.counted and old[6] == r.reason:
            unchanged += 1
            continue
        updates.append((old[0], e_id, r.day, r.kind, r.realised, r.counted, r.reason, correction or old[7]))
        corrections += correction
    result = BulkResult(len(creates), len(updates), unchanged, len(deletes), corrections)
    return _Plan(result, errors, creates, updates, deletes)


def _apply(plan: _Plan, scope: _Scope, *, source, now, user_id) -> None:
    """Write the plan and its history rows, by batches."""
    creates, updates, deletes = plan.creates, plan.updates, plan.deletes
    history = Attendance.history.model
    history_sql, history_conv = _insert_sql(history, HISTORY_FIELDS)
    if connection.vendor == "sqlite" and len(creates) + len(updates) > SQL_BATCH:
        with connection.cursor() as cursor:  # a larger page cache for this connection: fewer index page reads
            cursor.execute("PRAGMA cache_size = -131072")
    if creates:
        _apply_creates(creates, scope, history_sql, history_conv, now=now, user_id=user_id)
    if updates:
        _apply_updates(updates, history_sql, history_conv, source=source, now=now, user_id=user_id)
    if deletes:
        _apply_deletes(deletes, history_sql, history_conv, now=now, user_id=user_id)
    if creates or updates or deletes:
        figures.hours_changed(scope.order_ids)


def _copy(model, attnames, rows) -> None:
    """PostgreSQL: ``rows`` (Python values in ``attnames`` order) by ``COPY … FROM STDIN`` in its
    text format (:mod:`formarche.utils.copytext`), the same rows an ``INSERT`` per row writes, in
    a fraction of the database's time (one statement instead of one per row)."""
    quote = connection.ops.quote_name
    columns = ", ".join(quote(_field(model, a).column) for a in attnames)
    with connection.cursor() as cursor:
        with cursor.cursor.copy(f"COPY {quote(model._meta.db_table)} ({columns}) FROM STDIN") as copy:
            for chunk in copy_lines(rows):
                copy.write(chunk)


def _apply_creates(creates, scope: _Scope, history_sql, history_conv, *, now, user_id) -> None:
    if connection.vendor == "postgresql":
        _copy(Attendance, ROW_FIELDS, creates)
    else:
        sql, conv = _insert_sql(Attendance, ROW_FIELDS)
        _executemany(sql, conv, creates)
    keys = {(c[0], c[1], c[2]) for c in creates}
    ids = {}
    for pk, enrolment_id, day, kind in scope.stored().values_list("id", "enrolment_id", "day", "kind"):
        if (enrolment_id, day, kind) in keys:
            ids[(enrolment_id, day, kind)] = pk
    history_rows = [(ids[(c[0], c[1], c[2])], *c, now, None, "+", user_id) for c in creates]
    if connection.vendor == "postgresql":
        _copy(Attendance.history.model, HISTORY_FIELDS, history_rows)
    else:
        _executemany(history_sql, history_conv, history_rows)


def _apply_updates(updates, history_sql, history_conv, *, source, now, user_id) -> None:
    quote = connection.ops.quote_name
    fields = [_field(Attendance, n) for n in UPDATED_FIELDS]
    sets = ", ".join(f"{quote(f.column)} = %s" for f in fields)
    sql = f"UPDATE {quote(Attendance._meta.db_table)} SET {sets} WHERE {quote('id')} = %s"
    full = [(*u, source, now, user_id) for u in updates]  # HISTORY_FIELDS order, without history_*
    _executemany(
        sql,
        [_Converter(f) for f in fields] + [_Converter(Attendance._meta.pk)],
        [(*f[4:], f[0]) for f in full],
    )
    _executemany(history_sql, history_conv, [(*f, now, None, "~", user_id) for f in full])


def _apply_deletes(deletes, history_sql, history_conv, *, now, user_id) -> None:
    # the history row keeps the deleted row as it was stored (as the ORM's delete does)
    gone = []
    for start in range(0, len(deletes), 500):
        gone.extend(
            Attendance.objects.filter(pk__in=deletes[start : start + 500]).values_list("id", *ROW_FIELDS)
        )
    _executemany(history_sql, history_conv, [(*g, now, None, "-", user_id) for g in gone])
    quote = connection.ops.quote_name
    sql = f"DELETE FROM {quote(Attendance._meta.db_table)} WHERE {quote('id')} = %s"
    with connection.cursor() as cursor:
        cursor.executemany(sql, [(pk,) for pk in deletes])

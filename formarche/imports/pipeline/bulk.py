"""The pipeline's bulk writer: rows inserted in batches, one per kind, inside the import's
transaction. The interchange import writes everything with it (no change-history rows: the import
is the trace, docs/interchange.md); the spreadsheet imports write their trainees, enrolments and
co-fundings with it too, with their history rows (``history=True``). Hours of the spreadsheet
imports go through :func:`formarche.attendance.bulk.attendance_bulk_upsert` (rules, updates,
rectificatifs); the interchange's hours, all new, through :func:`insert_attendance`.
"""

from __future__ import annotations

from django.db import connection
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from formarche.attendance.models import Attendance, AttendanceSource
from formarche.utils.copytext import COPY_LINES, CopyText


def bulk_insert(model, objs: list, batch_size: int = 1000, *, history: bool = False) -> list:
    """``bulk_create`` in batches, the primary keys set on ``objs`` (SQLite ≥ 3.35 and PostgreSQL
    return them). Without ``history`` no signal is sent, so django-simple-history writes no
    record; with it, one history row per object (``bulk_create_with_history``)."""
    if not objs:
        return objs
    if history:
        bulk_create_with_history(objs, model, batch_size=batch_size)
        return objs
    if not connection.features.can_return_rows_from_bulk_insert:
        raise RuntimeError("l'import suppose une base qui renvoie les clés des insertions groupées.")
    model.objects.bulk_create(objs, batch_size=batch_size)
    return objs


def bulk_change(model, objs: list, fields: list[str], batch_size: int = 500) -> list:
    """``bulk_update`` in batches with one history row per object."""
    if objs:
        bulk_update_with_history(objs, model, fields, batch_size=batch_size)
    return objs


def insert_attendance(rows, enrolment_ids, *, stamp=None) -> None:
    """Attendance rows by ``executemany`` in batches: Django's ``bulk_create`` spends most of its
    time building SQL per object, far too slow for half a million rows. Columns come from the
    model (defaults of the fields we do not set are computed once), values are adapted by the
    backend's own adapters, so the rows are what ``bulk_create`` would have written.

    ``stamp(ref, day)`` (optional) gives a row's « modifié le » when it is not now: the interchange
    dates the hours of a month the document says was validated at that validation, since they are
    the hours as validated (otherwise every imported row of a validated month would look changed
    after its validation, and the month controls would block the next month)."""
    ops = connection.ops
    given = [
        "enrolment",
        "day",
        "kind",
        "realised_hours",
        "counted_unrealised_hours",
        "unrealised_reason",
        "source",
    ]
    fields = [f for f in Attendance._meta.concrete_fields if not f.primary_key]
    constant = {}
    now = timezone.now()
    for field in fields:
        if field.name in given:
            continue
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            value = now
        else:
            value = field.get_default()
        constant[field.name] = field.get_db_prep_save(value, connection)
    columns = [f.column for f in fields]
    table = connection.ops.quote_name(Attendance._meta.db_table)
    sql = "INSERT INTO {} ({}) VALUES ({})".format(
        table, ", ".join(ops.quote_name(c) for c in columns), ", ".join(["%s"] * len(columns))
    )
    names = [f.name for f in fields]
    source = AttendanceSource.IMPORT.value
    stamped = _stamped_constants(fields, constant, stamp)
    if connection.vendor == "postgresql":
        _copy_attendance(connection, table, columns, names, constant, rows, enrolment_ids, source, stamped)
    else:
        _insert_attendance(sql, names, constant, rows, enrolment_ids, source, stamped)
    # after-write: anything derived from the hours just written is maintained here, once per import


def _stamped_constants(fields, constant, stamp):
    """``(ref, day) → the constants of that row`` when ``stamp`` is given (one dict per distinct
    stamp, the ``auto_now`` column replaced), else None."""
    if stamp is None:
        return None
    auto_now = [f for f in fields if getattr(f, "auto_now", False)]
    by_stamp: dict = {}

    def constants_of(ref, day):
        when = stamp(ref, day)
        if when is None:
            return constant
        found = by_stamp.get(when)
        if found is None:
            found = by_stamp[when] = {
                **constant,
                **{f.name: f.get_db_prep_save(when, connection) for f in auto_now},
            }
        return found

    return constants_of


def _insert_attendance(sql, names, constant, rows, enrolment_ids, source, stamped=None) -> None:
    """SQLite: ``executemany`` by batches of 20 000 rows."""
    adapt_day = connection.ops.adapt_datefield_value
    with connection.cursor() as cursor:
        for i in range(0, len(rows), 20_000):
            batch = []
            for ref, day, kind, realised, counted, reason in rows[i : i + 20_000]:
                row_constant = stamped(ref, day) if stamped is not None else constant
                values = {
                    "enrolment": enrolment_ids[ref],
                    "day": adapt_day(day),
                    "kind": kind,
                    "realised_hours": realised,
                    "counted_unrealised_hours": counted,
                    "unrealised_reason": reason,
                    "source": source,
                }
                batch.append([values[n] if n in values else row_constant[n] for n in names])
            cursor.executemany(sql, batch)


def _copy_attendance(
    connection, table, columns, names, constant, rows, enrolment_ids, source, stamped=None
) -> None:
    """PostgreSQL: ``COPY … FROM STDIN`` (psycopg 3) in COPY's text format, the lines built here.

    ``Copy.write_row`` adapts every cell through psycopg's dumpers, which cost more than the
    database's own work for half a million rows. The cells of these rows are few distinct values
    (a few hundred days, a handful of hour figures, the reason codes), so each is turned into its
    COPY text once (:class:`formarche.utils.copytext.CopyText`) and every line is a join of those texts. The columns are
    listed in the order the rows give them, then the constants (COPY names its columns)."""
    ops = connection.ops
    order = ["enrolment", "day", "kind", "realised_hours", "counted_unrealised_hours", "unrealised_reason"]
    position = {name: i for i, name in enumerate(names)}
    rest = [n for n in names if n not in order]
    listed = [columns[position[n]] for n in order + rest]
    sql = "COPY {} ({}) FROM STDIN".format(table, ", ".join(ops.quote_name(c) for c in listed))
    text = CopyText()
    tail = "\t".join(text(source if n == "source" else constant[n]) for n in rest) + "\n"
    ids = {ref: str(pk) for ref, pk in enrolment_ids.items()}
    day_text, cell = text.day, text
    if stamped is None:

        def tail_of(ref, day):
            return tail

    else:
        tails: dict = {}  # id of a row's constants → its COPY tail

        def tail_of(ref, day):
            row_constant = stamped(ref, day)
            found = tails.get(id(row_constant))
            if found is None:
                found = tails[id(row_constant)] = (
                    "\t".join(text(source if n == "source" else row_constant[n]) for n in rest) + "\n"
                )
            return found

    with connection.cursor() as cursor:
        with cursor.cursor.copy(sql) as copy:
            for start in range(0, len(rows), COPY_LINES):
                copy.write(
                    "".join(
                        [
                            f"{ids[ref]}\t{day_text(day)}\t{cell(kind)}\t{cell(realised)}\t{cell(counted)}"
                            f"\t{cell(reason)}\t{tail_of(ref, day)}"
                            for ref, day, kind, realised, counted, reason in rows[start : start + COPY_LINES]
                        ]
                    )
                )

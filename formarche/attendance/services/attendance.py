"""The one write path of hours: :func:`attendance_bulk_upsert` and its one-row forms."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from formarche.attendance import bulk
from formarche.attendance.bulk import BulkResult
from formarche.attendance.models import Attendance, AttendanceKind, AttendanceSource
from formarche.attendance.services.checks import _NO_END, _check, _order_bounds
from formarche.attendance.services.refusals import AttendanceBulkRefused, AttendanceRefused, _sentence
from formarche.trainees.models import Enrolment
from formarche.utils.money import ZERO


@dataclass(frozen=True, slots=True)
class AttendanceRow:
    """One row for :func:`attendance_bulk_upsert` (a plain mapping with the same keys works too).

    ``enrolment`` is an ``Enrolment`` or its id. For ``kind="mois"`` ``day`` may be any day of the
    month (it is stored on the 1st).
    """

    enrolment: Enrolment | int
    day: date
    realised_hours: Decimal | str | int = ZERO
    counted_unrealised_hours: Decimal | str | int = ZERO
    unrealised_reason: str = ""
    kind: str = AttendanceKind.DAY


# ---------------------------------------------------------------------------------------------
# The one write path
# ---------------------------------------------------------------------------------------------


def _resolve_enrolments(rows: list) -> list[Enrolment | None]:
    """Each row's ``Enrolment`` (ids loaded at once, trainee included), ``None`` when unknown."""
    refs = []
    wanted = set()
    for row in rows:
        ref = row.enrolment if type(row) is AttendanceRow else _row_value(row, "enrolment")
        if ref is None:
            ref = _row_value(row, "enrolment_id")
        refs.append(ref)
        if type(ref) is int:
            wanted.add(ref)
    loaded = Enrolment.objects.select_related("trainee").in_bulk(wanted) if wanted else {}
    return [ref if isinstance(ref, Enrolment) else loaded.get(ref) for ref in refs]


_ROW_KEYS = (
    ("day", None),
    ("kind", AttendanceKind.DAY),
    ("realised_hours", ZERO),
    ("counted_unrealised_hours", ZERO),
    ("unrealised_reason", ""),
)


def _row_value(row, key, default=None):
    if isinstance(row, Mapping):
        return row.get(key, default)
    return getattr(row, key, default)


def _write(
    rows: list, *, by, source: str, dry_run: bool
) -> tuple[BulkResult, list[tuple[int, str, str | None]]]:
    """Check and write ``rows`` in one transaction; ``(result, refusals)``, nothing written if any refusal.

    A refusal is ``(index, phrase, field)``. Must be called inside ``transaction.atomic``.
    """
    enrolments = _resolve_enrolments(rows)
    orders = _order_bounds({e.order_id for e in enrolments if e is not None})
    today = timezone.localdate()
    refusals: list[tuple[int, str, str | None]] = []
    checked: list[bulk.CheckedRow] = []
    seen: dict[tuple[int, date, str], int] = {}
    for index, (row, enrolment) in enumerate(zip(rows, enrolments, strict=True)):
        if enrolment is None:
            refusals.append((index, "inscription inconnue", None))
            continue
        bounds = orders.get(enrolment.order_id, _NO_END)
        if bounds.closed_phrase:
            refusals.append((index, bounds.closed_phrase, None))
            continue
        if type(row) is AttendanceRow:
            values = (
                row.day,
                row.kind,
                row.realised_hours,
                row.counted_unrealised_hours,
                row.unrealised_reason,
            )
        else:
            values = tuple(_row_value(row, key, default) for key, default in _ROW_KEYS)
        kind = values[1] or AttendanceKind.DAY
        try:
            day, realised, counted, reason = _check(
                enrolment, values[0], kind, *values[2:], bounds=bounds, today=today
            )
        except AttendanceRefused as exc:
            refusals.append((index, exc.phrase, exc.field))
            continue
        except TypeError:
            refusals.append((index, "nombre d'heures illisible", None))
            continue
        key = (enrolment.id, day, kind)
        if key in seen:
            refusals.append((index, f"même stagiaire et même jour que la ligne {seen[key] + 1}", "day"))
            continue
        seen[key] = index
        checked.append(bulk.CheckedRow(index, enrolment, enrolment.id, day, kind, realised, counted, reason))
    # with refusals already, still look for the months kept the other way (a complete report)
    result, found = bulk.write(checked, by=by, source=source, dry_run=dry_run or bool(refusals))
    refusals.extend((index, phrase, "day") for index, phrase in found)
    refusals.sort(key=lambda r: (r[0], r[1]))
    return result, refusals


def attendance_bulk_upsert(
    *, rows: Iterable[AttendanceRow | Mapping], by=None, source: str, dry_run: bool = False
) -> BulkResult:
    """Create, update or delete many rows at once — all or nothing (imports, API, émargement).

    Each row: ``enrolment`` (object or id) or ``enrolment_id``, ``day``, ``realised_hours``,
    ``counted_unrealised_hours`` (default 0), ``unrealised_reason`` (default ""), ``kind`` (default
    "jour"). The same rules as :func:`attendance_set` apply to every row; a row with zero hours
    deletes the stored one (kept at zero and flagged in a validated month). Any refused row
    refuses the whole batch: :class:`AttendanceBulkRefused` lists every refused row (0-based
    index, French message) and nothing is written. Otherwise returns the counts (and how many
    rows are rectificatifs). ``dry_run=True`` checks everything and counts, but writes nothing.

    Queries do not depend on the number of rows: the writes go by batches of thousands of rows
    (``bulk.SQL_BATCH``), history rows included. 100 000 rows take a few seconds.
    """
    rows = list(rows)
    with transaction.atomic():
        result, refusals = _write(rows, by=by, source=source, dry_run=dry_run)
        if refusals:
            raise AttendanceBulkRefused([(index, phrase) for index, phrase, _field in refusals])
    return result


def _set_one(
    *, enrolment, day, kind, realised_hours, counted_unrealised_hours, unrealised_reason, by, source
):
    row = AttendanceRow(
        enrolment=enrolment,
        day=day,
        kind=kind,
        realised_hours=realised_hours,
        counted_unrealised_hours=counted_unrealised_hours,
        unrealised_reason=unrealised_reason,
    )
    with transaction.atomic():
        _result, refusals = _write([row], by=by, source=source, dry_run=False)
        if refusals:
            _index, phrase, field = refusals[0]
            raise AttendanceRefused(_sentence(phrase), field=field, phrase=phrase)
    if kind == AttendanceKind.MONTH and isinstance(day, date):
        day = day.replace(day=1)
    return Attendance.objects.filter(enrolment=enrolment, day=day, kind=kind).first()


# ---------------------------------------------------------------------------------------------
# Public API
# ---------------------------------------------------------------------------------------------


def attendance_set(
    *,
    enrolment: Enrolment,
    day: date,
    realised_hours,
    counted_unrealised_hours=ZERO,
    unrealised_reason: str = "",
    by=None,
    source: str = AttendanceSource.MANUAL,
) -> Attendance | None:
    """Set one trainee's hours for one day (create, update, or delete when both are zero).

    Returns the row, or ``None`` when the day has no hours any more. In a validated month the
    row is kept (even at zero) and flagged ``is_correction``. Raises :class:`AttendanceRefused`
    (also when the action is closed).
    """
    return _set_one(
        enrolment=enrolment,
        day=day,
        kind=AttendanceKind.DAY,
        realised_hours=realised_hours,
        counted_unrealised_hours=counted_unrealised_hours,
        unrealised_reason=unrealised_reason,
        by=by,
        source=source,
    )


def attendance_set_month_total(
    *,
    enrolment: Enrolment,
    month: date,
    realised_hours,
    counted_unrealised_hours=ZERO,
    unrealised_reason: str = "",
    by=None,
    source: str = AttendanceSource.MANUAL,
) -> Attendance | None:
    """Set one trainee's total for one month (month-totals mode, for OFs that keep attendance elsewhere).

    ``month`` is any day of the month. Refused when that trainee's month already has day rows
    (and :func:`attendance_set` refuses a day of a month kept as a total). Same rules otherwise.
    """
    return _set_one(
        enrolment=enrolment,
        day=month.replace(day=1),
        kind=AttendanceKind.MONTH,
        realised_hours=realised_hours,
        counted_unrealised_hours=counted_unrealised_hours,
        unrealised_reason=unrealised_reason,
        by=by,
        source=source,
    )

"""Hours from the émargement, written only through the attendance service (source « émargement »),
keeping any non réalisé comptabilisé already entered for the day."""

from __future__ import annotations

from datetime import date

from django.db import transaction

from formarche.attendance.models import AttendanceSource
from formarche.attendance.services import AttendanceRefused, attendance_bulk_upsert
from formarche.orders.models import Order
from formarche.signing import selectors
from formarche.signing.errors import SigningRefused
from formarche.utils.dates import month_bounds
from formarche.utils.money import ZERO


def hours_write(*, rows: list[dict], by) -> None:
    """Adapter to the attendance service (the only writer of Attendance rows)."""
    if not rows:
        return
    try:
        attendance_bulk_upsert(rows=rows, by=by, source=AttendanceSource.SIGNING)
    except AttendanceRefused as exc:
        raise SigningRefused(f"Les heures n'ont pas pu être enregistrées : {exc.message}") from None


def hours_rows(*, entries, first: date, last: date) -> list[dict]:
    """The attendance rows for ``[(enrolment, day, realised hours)]``, keeping each day's non réalisé."""
    existing = selectors.existing_days({enrolment.pk for enrolment, _, _ in entries}, first, last)
    rows = []
    for enrolment, day, realised in entries:
        current = existing.get((enrolment.pk, day))
        rows.append(
            {
                "enrolment": enrolment,
                "day": day,
                "realised_hours": realised,
                "counted_unrealised_hours": current.counted_unrealised_hours if current else ZERO,
                "unrealised_reason": current.unrealised_reason if current else "",
            }
        )
    return rows


def sync_apply(*, order: Order, month: date, keys, by=None) -> int:
    """Write the selected lines of :func:`~formarche.signing.selectors.sync_diff` (recomputed now)
    through the attendance service. Returns the number of lines written; non réalisé comptabilisé
    is kept as it is."""
    keys = set(keys or [])
    with transaction.atomic():
        lines = [line for line in selectors.sync_diff(order, month) if line.key in keys]
        first, last = month_bounds(month)
        rows = hours_rows(
            entries=[(line.enrolment, line.day, line.from_sessions) for line in lines], first=first, last=last
        )
        hours_write(rows=rows, by=by)
    return len(rows)

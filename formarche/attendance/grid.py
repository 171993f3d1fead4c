"""Data of the month grid and of the month-totals page, prepared for the templates (which decide nothing).

A fixed number of queries per page, whatever the number of trainees and days.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from functools import cached_property

from django.db.models import Q

from formarche.attendance.models import Attendance, AttendanceKind, UnrealisedReason
from formarche.attendance.selectors import MonthHours, _hours, _sum, monthly_totals_by_kind
from formarche.trainees.models import Enrolment
from formarche.utils.dates import add_months, month_bounds, months_between, period_key
from formarche.utils.formatting import format_date, format_month

ZERO = Decimal("0.00")
WEEKDAYS = ("lu", "ma", "me", "je", "ve", "sa", "di")
WEEKDAY_NAMES = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")


def _value(hours: Decimal) -> str:
    """Value of an input: "" for zero, "7" or "7,5" / "3,25" otherwise (French comma, no useless zeros)."""
    if not hours:
        return ""
    text = f"{hours.normalize():f}"
    return text.replace(".", ",")


_REASON_LABELS = dict(UnrealisedReason.choices)


class _HoursEntry:
    """What a day cell of the grid and a cell of the month-totals page share: the values of their
    inputs (the typed text when refused), the reason select and the accessible labels. Each says
    ``_hours_word`` ("Heures" / "Total des heures") and ``_when`` ("le 03/04/2023" / "en Avril 2023")."""

    _hours_word = "Heures"

    @property
    def _when(self) -> str:
        raise NotImplementedError

    @property
    def realised_value(self) -> str:
        return self.realised_input if self.realised_input is not None else _value(self.realised)

    @property
    def counted_value(self) -> str:
        return self.counted_input if self.counted_input is not None else _value(self.counted)

    @property
    def realised_label(self) -> str:
        return f"{self._hours_word} réalisées par {self.name} {self._when}"

    @property
    def counted_label(self) -> str:
        return f"{self._hours_word} non réalisées comptabilisées de {self.name} {self._when}"

    @property
    def reason_label(self) -> str:
        return f"Motif du non réalisé comptabilisé de {self.name} {self._when}"

    @property
    def needs_reason_select(self) -> bool:
        return bool(self.counted) or self.show_reason or bool(self.reason)

    @property
    def reason_display(self) -> str:
        return _REASON_LABELS.get(self.reason, "")


@dataclass
class Cell(_HoursEntry):
    enrolment_id: int
    day: date
    name: str
    enabled: bool
    weekend: bool
    realised: Decimal = ZERO
    counted: Decimal = ZERO
    reason: str = ""
    is_correction: bool = False
    error: str = ""
    error_field: str = ""
    show_reason: bool = False
    # the values typed by the user, kept when refused
    realised_input: str | None = None
    counted_input: str | None = None

    @cached_property
    def key(self) -> str:
        # the grid reads it several times per cell; isoformat is several times cheaper than %Y%m%d
        return f"{self.enrolment_id}-{self.day.isoformat().replace('-', '')}"

    @cached_property
    def _when(self) -> str:
        return f"le {format_date(self.day)}"

    # where a refusal is shown: the hours field named by the service, else the réalisé input
    @property
    def counted_invalid(self) -> bool:
        return bool(self.error) and self.error_field in ("non réalisé comptabilisé", "reason")

    @property
    def realised_invalid(self) -> bool:
        return bool(self.error) and not self.counted_invalid


@dataclass
class GridRow:
    enrolment: Enrolment
    cells: list[Cell]
    month_total: MonthHours | None = None  # the month is kept as a total (month-totals mode)
    realised_total: Decimal = ZERO
    counted_total: Decimal = ZERO


@dataclass
class DayColumn:
    day: date
    weekend: bool
    realised_total: Decimal = ZERO
    counted_total: Decimal = ZERO

    @property
    def label(self) -> str:
        return f"{WEEKDAYS[self.day.weekday()]} {self.day.day}"

    @property
    def long_label(self) -> str:
        return f"{WEEKDAY_NAMES[self.day.weekday()]} {format_date(self.day)}"

    @property
    def key(self) -> str:
        return f"{self.day:%Y%m%d}"


@dataclass
class MonthGrid:
    month: date
    columns: list[DayColumn]
    rows: list[GridRow]
    realised_total: Decimal = ZERO
    counted_total: Decimal = ZERO
    reasons: list = field(default_factory=lambda: UnrealisedReason.choices)

    @property
    def previous(self) -> str:
        return period_key(add_months(self.month, -1))

    @property
    def next(self) -> str:
        return period_key(add_months(self.month, 1))

    @property
    def period(self) -> str:
        return period_key(self.month)


def enrolments_in_month(order, month: date):
    """Enrolments active during the month, or having hours in it (to show hours outside the dates)."""
    first, last = month_bounds(month)
    with_hours = Attendance.objects.filter(enrolment__order=order, day__gte=first, day__lte=last).values(
        "enrolment_id"
    )
    return (
        Enrolment.objects.filter(order=order)
        .filter(
            Q(entry_date__lte=last, exit_date__isnull=True)
            | Q(entry_date__lte=last, exit_date__gte=first)
            | Q(pk__in=with_hours)
        )
        .select_related("trainee")
        .order_by("trainee__last_name", "trainee__first_name", "pk")
    )


def _in_enrolment(enrolment: Enrolment, day: date) -> bool:
    return enrolment.entry_date <= day and (enrolment.exit_date is None or day <= enrolment.exit_date)


def _cell(
    enrolment: Enrolment, day: date, row: Attendance | None, month_kept: bool, name: str | None = None
) -> Cell:
    cell = Cell(
        enrolment_id=enrolment.pk,
        day=day,
        name=str(enrolment.trainee) if name is None else name,
        enabled=_in_enrolment(enrolment, day) and not month_kept,
        weekend=day.weekday() >= 5,
    )
    if row is not None:
        cell.realised, cell.counted = row.realised_hours, row.counted_unrealised_hours
        cell.reason, cell.is_correction = row.unrealised_reason, row.is_correction
    return cell


def build_month_grid(order, month: date) -> MonthGrid:
    first, last = month_bounds(month)
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    columns = {d: DayColumn(day=d, weekend=d.weekday() >= 5) for d in days}
    enrolments = list(enrolments_in_month(order, month))
    stored = Attendance.objects.filter(enrolment__order=order, day__gte=first, day__lte=last)
    by_day: dict[tuple[int, date], Attendance] = {}
    month_rows: dict[int, Attendance] = {}
    for att in stored:
        if att.kind == AttendanceKind.MONTH:
            month_rows[att.enrolment_id] = att
        else:
            by_day[(att.enrolment_id, att.day)] = att
    grid = MonthGrid(month=first, columns=list(columns.values()), rows=[])
    for enrolment in enrolments:
        month_row = month_rows.get(enrolment.pk)
        name = str(enrolment.trainee)
        row = GridRow(
            enrolment=enrolment,
            cells=[
                _cell(enrolment, d, by_day.get((enrolment.pk, d)), month_row is not None, name) for d in days
            ],
        )
        if month_row is not None:
            row.month_total = MonthHours(month_row.realised_hours, month_row.counted_unrealised_hours)
        for cell in row.cells:
            row.realised_total += cell.realised
            row.counted_total += cell.counted
            columns[cell.day].realised_total += cell.realised
            columns[cell.day].counted_total += cell.counted
        grid.realised_total += row.realised_total
        grid.counted_total += row.counted_total
        grid.rows.append(row)
    return grid


def cell_update(order, enrolment: Enrolment, day: date) -> dict:
    """What a saved cell sends back: the cell, its row totals, its column totals, the grand totals (4 queries)."""
    first, last = month_bounds(day)
    row = Attendance.objects.filter(enrolment=enrolment, day=day, kind=AttendanceKind.DAY).first()
    cell = _cell(enrolment, day, row, month_kept=False)
    in_month = Attendance.objects.filter(enrolment__order=order, day__gte=first, day__lte=last)
    enrolment_totals = in_month.filter(enrolment=enrolment).aggregate(
        r=_sum("realised_hours"), u=_sum("counted_unrealised_hours")
    )
    day_totals = in_month.filter(day=day, kind=AttendanceKind.DAY).aggregate(
        r=_sum("realised_hours"), u=_sum("counted_unrealised_hours")
    )
    month_totals = in_month.filter(kind=AttendanceKind.DAY).aggregate(
        r=_sum("realised_hours"), u=_sum("counted_unrealised_hours")
    )
    column = DayColumn(
        day=day,
        weekend=day.weekday() >= 5,
        realised_total=_hours(day_totals["r"]),
        counted_total=_hours(day_totals["u"]),
    )
    return {
        "cell": cell,
        "row": GridRow(
            enrolment=enrolment,
            cells=[],
            realised_total=_hours(enrolment_totals["r"]),
            counted_total=_hours(enrolment_totals["u"]),
        ),
        "column": column,
        "grid_totals": {"realised": _hours(month_totals["r"]), "counted": _hours(month_totals["u"])},
    }


# ---------------------------------------------------------------------------------------------
# Month-totals page
# ---------------------------------------------------------------------------------------------


@dataclass
class MonthCell(_HoursEntry):
    enrolment_id: int
    month: date
    name: str
    mode: str  # "saisie" (editable total), "jours" (kept day by day: read-only), "hors" (not enrolled)
    realised: Decimal = ZERO
    counted: Decimal = ZERO
    reason: str = ""
    error: str = ""
    show_reason: bool = False
    realised_input: str | None = None
    counted_input: str | None = None

    _hours_word = "Total des heures"

    @property
    def key(self) -> str:
        return f"{self.enrolment_id}-{self.month:%Y%m}"

    @property
    def kept_by_day(self) -> bool:
        """The month is kept day by day: the total is a read-only link to the grid."""
        return self.mode == "jours"

    @property
    def not_enrolled(self) -> bool:
        return self.mode == "hors"

    @property
    def period(self) -> str:
        return period_key(self.month)

    @property
    def total(self) -> Decimal:
        return self.realised + self.counted

    @property
    def _when(self) -> str:
        return f"en {format_month(self.month)}"


def order_months(order, with_hours=()) -> list[date]:
    end = order.real_end or order.planned_end
    months = set(months_between(order.planned_start, end)) | set(with_hours)
    return sorted(months)


def _month_cell(enrolment, month, by_kind, reasons) -> MonthCell:
    first, last = month_bounds(month)
    enrolled = enrolment.entry_date <= last and (enrolment.exit_date is None or enrolment.exit_date >= first)
    days = by_kind.get((enrolment.pk, month, AttendanceKind.DAY))
    total = by_kind.get((enrolment.pk, month, AttendanceKind.MONTH))
    mode = "jours" if days is not None else ("saisie" if enrolled or total is not None else "hors")
    hours = days or total or MonthHours()
    return MonthCell(
        enrolment_id=enrolment.pk,
        month=month,
        name=str(enrolment.trainee),
        mode=mode,
        realised=hours.realised,
        counted=hours.counted_unrealised,
        reason=reasons.get((enrolment.pk, month), ""),
    )


def build_month_totals(order) -> dict:
    """Trainees × months of the action; 3 queries."""
    by_kind = monthly_totals_by_kind(order)
    reasons = {
        (enrolment_id, day): reason
        for enrolment_id, day, reason in Attendance.objects.filter(
            enrolment__order=order, kind=AttendanceKind.MONTH
        ).values_list("enrolment_id", "day", "unrealised_reason")
    }
    months = order_months(order, {key[1] for key in by_kind})
    enrolments = list(
        Enrolment.objects.filter(order=order)
        .select_related("trainee")
        .order_by("trainee__last_name", "trainee__first_name", "pk")
    )
    rows, month_totals = [], dict.fromkeys(months, ZERO)
    for enrolment in enrolments:
        cells = [_month_cell(enrolment, m, by_kind, reasons) for m in months]
        total = sum((c.total for c in cells), ZERO)
        for c in cells:
            month_totals[c.month] += c.total
        rows.append({"enrolment": enrolment, "cells": cells, "total": total})
    return {
        "months": [{"month": m, "period": period_key(m), "total": month_totals[m]} for m in months],
        "rows": rows,
        "grand_total": sum(month_totals.values(), ZERO),
        "reasons": UnrealisedReason.choices,
    }


def month_cell_update(order, enrolment, month: date) -> dict:
    by_kind = monthly_totals_by_kind(order)
    reasons = dict(
        ((enrolment.pk, day), reason)
        for day, reason in Attendance.objects.filter(
            enrolment=enrolment, kind=AttendanceKind.MONTH, day=month
        ).values_list("day", "unrealised_reason")
    )
    cell = _month_cell(enrolment, month, by_kind, reasons)
    row_total = sum((h.total for (e, _m, _k), h in by_kind.items() if e == enrolment.pk), ZERO)
    month_total = sum((h.total for (_e, m, _k), h in by_kind.items() if m == month), ZERO)
    grand_total = sum((h.total for h in by_kind.values()), ZERO)
    return {
        "cell": cell,
        "row": {"enrolment": enrolment, "total": row_total},
        "month_col": {"period": period_key(month), "total": month_total},
        "grand_total": grand_total,
    }

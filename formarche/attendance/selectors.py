"""Reading hours: the one place that aggregates attendance rows.

Every figure of hours the application shows or bills (grid totals, follow-up page, controls,
orders list, statements) comes from these functions, so that a day is counted the same way
everywhere. Each function runs **one** grouped query, whatever the number of trainees, days or
months; none loops over rows in Python.

Hours are ``Decimal`` with 2 places. Sums are computed by the database with an explicit
``DecimalField(max_digits=14, decimal_places=2)`` output (SQLite keeps decimals as floating
numbers; the result is quantized back to 2 places, exact for any realistic total), and missing
values come back as ``Decimal("0.00")``.

Months are ``datetime.date`` objects on the first day of the month. Rows of kind "mois" (a
month total) are stored on that first day, so day rows and month rows group the same way.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import connection
from django.db.models import DecimalField, Q, Sum, Value
from django.db.models.functions import Coalesce, Substr, TruncMonth

from formarche.attendance.models import Attendance
from formarche.orders.models import Order
from formarche.trainees.models import Enrolment
from formarche.utils.dates import month_bounds
from formarche.utils.money import ZERO, round_places

__all__ = [
    "MonthHours",
    "monthly_totals",
    "monthly_totals_by_kind",
    "order_cumulative",
    "order_month_totals",
    "order_month_totals_by_organisation",
    "orders_month_and_through",
    "orders_month_totals",
    "orders_cumulative_hours",
]

_HOURS = DecimalField(max_digits=14, decimal_places=2)


def _month_of_day():
    """The month of ``day``, grouped natively by the database.

    PostgreSQL: ``date_trunc('month', day)`` (TruncMonth). SQLite: TruncMonth is a Python
    function called on every row (slow on thousands of rows), while dates are stored as ISO text:
    the first 7 characters (``"2023-04"``) are the month, computed by SQLite itself.
    """
    if connection.vendor == "sqlite":
        return Substr("day", 1, 7)
    return TruncMonth("day")


def _sum(field: str, filter: Q | None = None):
    return Coalesce(
        Sum(field, output_field=_HOURS, filter=filter), Value(ZERO, output_field=_HOURS), output_field=_HOURS
    )


def _hours(value) -> Decimal:
    if value is None:
        return ZERO
    return round_places(Decimal(value), 2)


def _as_month(value) -> date:
    if isinstance(value, str):  # SQLite: "2023-04"
        return date(int(value[:4]), int(value[5:7]), 1)
    # TruncMonth gives a date on a DateField (a datetime on some backends' configurations).
    return value.date().replace(day=1) if hasattr(value, "date") else value.replace(day=1)


@dataclass(frozen=True, slots=True)
class MonthHours:
    """Hours of one month (of one trainee or of the whole action)."""

    realised: Decimal = ZERO
    counted_unrealised: Decimal = ZERO

    @property
    def total(self) -> Decimal:
        """Réalisé + non réalisé comptabilisé: the hours that are paid."""
        return self.realised + self.counted_unrealised

    def __add__(self, other: MonthHours) -> MonthHours:
        return MonthHours(self.realised + other.realised, self.counted_unrealised + other.counted_unrealised)


def monthly_totals(order) -> dict[tuple[int, date], MonthHours]:
    """Per enrolment and month: ``{(enrolment_id, month): MonthHours}`` — one grouped query.

    Only (enrolment, month) pairs having at least one row appear. Day rows and month-total rows
    are added together (the services forbid both for the same trainee and month).
    """
    rows = (
        Attendance.objects.filter(enrolment__order=order)
        .annotate(month=_month_of_day())
        .values("enrolment_id", "month")
        .annotate(realised=_sum("realised_hours"), counted=_sum("counted_unrealised_hours"))
        .order_by()
    )
    return {
        (row["enrolment_id"], _as_month(row["month"])): MonthHours(
            _hours(row["realised"]), _hours(row["counted"])
        )
        for row in rows
    }


def order_month_totals(order) -> dict[date, MonthHours]:
    """Per month, the whole action: ``{month: MonthHours}`` in month order — one grouped query."""
    rows = (
        Attendance.objects.filter(enrolment__order=order)
        .annotate(month=_month_of_day())
        .values("month")
        .annotate(realised=_sum("realised_hours"), counted=_sum("counted_unrealised_hours"))
        .order_by("month")
    )
    return {
        _as_month(row["month"]): MonthHours(_hours(row["realised"]), _hours(row["counted"])) for row in rows
    }


def order_month_totals_by_organisation(order) -> dict[int, dict[date, MonthHours]]:
    """Per trainee's organisation and month, one action: ``{organisation_id: {month: MonthHours}}``
    — the hours of each member of a group order (a member's trainees are those of its own
    registry, ADR 0018). One grouped query."""
    rows = (
        Attendance.objects.filter(enrolment__order=order)
        .annotate(month=_month_of_day())
        .values("enrolment__trainee__organisation_id", "month")
        .annotate(realised=_sum("realised_hours"), counted=_sum("counted_unrealised_hours"))
        .order_by("enrolment__trainee__organisation_id", "month")
    )
    result: dict[int, dict[date, MonthHours]] = {}
    for row in rows:
        result.setdefault(row["enrolment__trainee__organisation_id"], {})[_as_month(row["month"])] = (
            MonthHours(_hours(row["realised"]), _hours(row["counted"]))
        )
    return result


def orders_month_totals(
    order_ids: Iterable[int],
    through_month: date | None = None,
    since: Mapping[int, date | None] | None = None,
) -> dict[int, dict[date, MonthHours]]:
    """Per action and month, many actions at once: ``{order_id: {month: MonthHours}}`` in month
    order — one grouped query (what :func:`order_month_totals` gives for one action). Every id
    asked for is in the result (``{}`` when the action has no hours). Months after
    ``through_month`` are left out when it is given; with ``since`` (order id → first month, or
    ``None`` for all), the months before each action's first month too (the database reads only
    those days)."""
    ids = list(order_ids)
    result: dict[int, dict[date, MonthHours]] = {order_id: {} for order_id in ids}
    if not ids:
        return result
    qs = Attendance.objects.filter(enrolment__order_id__in=ids)
    if through_month is not None:
        qs = qs.filter(day__lte=month_bounds(through_month)[1])
    if since is not None:
        groups: dict[date | None, list[int]] = {}
        for order_id in ids:
            groups.setdefault(since.get(order_id), []).append(order_id)
        where = Q(pk__in=[])
        for first, members in groups.items():
            where |= Q(enrolment__order_id__in=members, **({"day__gte": first} if first else {}))
        qs = qs.filter(where)
    rows = (
        qs.annotate(month=_month_of_day())
        .values("enrolment__order_id", "month")
        .annotate(realised=_sum("realised_hours"), counted=_sum("counted_unrealised_hours"))
        .order_by("enrolment__order_id", "month")
    )
    for row in rows:
        result[row["enrolment__order_id"]][_as_month(row["month"])] = MonthHours(
            _hours(row["realised"]), _hours(row["counted"])
        )
    return result


def orders_month_and_through(
    order_ids: Iterable[int], month: date
) -> dict[int, tuple[MonthHours, MonthHours]]:
    """Many actions at once: ``{order_id: (hours of month, hours through its end)}`` — one grouped
    query, the hours through the month summed with those of the month itself (no grouping by
    month: what a Région's statements read). Every id asked for is in the result."""
    ids = list(order_ids)
    first, last = month_bounds(month)
    result = dict.fromkeys(ids, (MonthHours(), MonthHours()))
    if not ids:
        return result
    in_month = Q(day__gte=first)
    rows = (
        Attendance.objects.filter(enrolment__order_id__in=ids, day__lte=last)
        .values("enrolment__order_id")
        .annotate(
            realised=_sum("realised_hours"),
            counted=_sum("counted_unrealised_hours"),
            own_realised=_sum("realised_hours", filter=in_month),
            own_counted=_sum("counted_unrealised_hours", filter=in_month),
        )
        .order_by()
        .values_list("enrolment__order_id", "realised", "counted", "own_realised", "own_counted")
    )
    for order_id, realised, counted, own_realised, own_counted in rows:
        result[order_id] = (
            MonthHours(_hours(own_realised), _hours(own_counted)),
            MonthHours(_hours(realised), _hours(counted)),
        )
    return result


def order_cumulative(order, through_month: date | None = None) -> MonthHours:
    """Cumulative hours of the action up to the end of ``through_month`` (all hours if None) — one query."""
    qs = Attendance.objects.filter(enrolment__order=order)
    if through_month is not None:
        qs = qs.filter(day__lte=month_bounds(through_month)[1])
    row = qs.aggregate(realised=_sum("realised_hours"), counted=_sum("counted_unrealised_hours"))
    return MonthHours(_hours(row["realised"]), _hours(row["counted"]))


def orders_cumulative_hours(
    order_ids: Iterable[int], through_month: date | None = None
) -> dict[int, MonthHours]:
    """Cumulative hours of many actions at once: ``{order_id: MonthHours}`` — one grouped query.

    Every id asked for is in the result (``MonthHours()`` when the action has no hours). For
    lists of actions (orders list, billing overviews): never call :func:`order_cumulative` in a loop.
    """
    ids = list(order_ids)
    result = dict.fromkeys(ids, MonthHours())
    if not ids:
        return result
    qs = Attendance.objects.filter(enrolment__order_id__in=ids)
    if through_month is not None:
        qs = qs.filter(day__lte=month_bounds(through_month)[1])
    rows = (
        qs.values("enrolment__order_id")
        .annotate(realised=_sum("realised_hours"), counted=_sum("counted_unrealised_hours"))
        .order_by()
    )
    for row in rows:
        result[row["enrolment__order_id"]] = MonthHours(_hours(row["realised"]), _hours(row["counted"]))
    return result


def monthly_totals_by_kind(order) -> dict[tuple[int, date, str], MonthHours]:
    """Per enrolment, month and kind ("jour" / "mois"): ``{(enrolment_id, month, kind): MonthHours}`` — one query.

    For the month-totals page, which must know whether a trainee's month is kept day by day.
    """
    rows = (
        Attendance.objects.filter(enrolment__order=order)
        .annotate(month=_month_of_day())
        .values("enrolment_id", "month", "kind")
        .annotate(realised=_sum("realised_hours"), counted=_sum("counted_unrealised_hours"))
        .order_by()
    )
    return {
        (row["enrolment_id"], _as_month(row["month"]), row["kind"]): MonthHours(
            _hours(row["realised"]), _hours(row["counted"])
        )
        for row in rows
    }


def orders_for_pages():
    """The actions behind the attendance pages (scoped by the caller), with what their menus show."""
    return Order.objects.select_related("dispositif", "lot")


def enrolments_with_trainee():
    """Enrolments with their trainee (messages and cells name the trainee), scoped by the caller."""
    return Enrolment.objects.select_related("trainee")


def attendance_exists(*, enrolment, day, kind) -> bool:
    return Attendance.objects.filter(enrolment=enrolment, day=day, kind=kind).exists()

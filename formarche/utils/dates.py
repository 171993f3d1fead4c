"""Months and fiscal years: the calendar arithmetic of the domain, in one place."""

import calendar
from datetime import date

from formarche.utils.formatting import parse_month as parse_period  # noqa: F401  (one parser of "YYYY-MM")


def month_start(day: date) -> date:
    return day.replace(day=1)


def month_bounds(month: date) -> tuple[date, date]:
    """First and last day of the month containing ``month``."""
    first = month.replace(day=1)
    last = first.replace(day=calendar.monthrange(first.year, first.month)[1])
    return first, last


def add_months(month: date, count: int) -> date:
    index = month.year * 12 + (month.month - 1) + count
    return date(index // 12, index % 12 + 1, 1)


def months_between(first: date, last: date) -> list[date]:
    """Every month from ``first``'s to ``last``'s, inclusive (first days)."""
    months, current, end = [], month_start(first), month_start(last)
    while current <= end:
        months.append(current)
        current = add_months(current, 1)
    return months


def period_key(month: date) -> str:
    return f"{month.year:04d}-{month.month:02d}"

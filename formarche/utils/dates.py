"""Months and fiscal years: the calendar arithmetic of the domain, in one place."""

import calendar
from datetime import date


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


def parse_period(value: str) -> date:
    """``"2023-04"`` → date(2023, 4, 1); ValueError with a French message otherwise."""
    try:
        year, month = value.split("-")
        return date(int(year), int(month), 1)
    except (ValueError, AttributeError) as exc:
        raise ValueError(f"Période invalide « {value} » : attendu AAAA-MM, par exemple 2023-04.") from exc


def period_key(month: date) -> str:
    return f"{month.year:04d}-{month.month:02d}"

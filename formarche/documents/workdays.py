"""Working days of a month: Monday to Friday less the French public holidays (metropolitan list).

[design] Alsace-Moselle's two extra days (Vendredi saint, 26 décembre) are not counted: a
sheet with an extra column costs nothing, a missing one would.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache


def easter_sunday(year: int) -> date:
    """Gregorian Easter (the anonymous Gregorian algorithm, Meeus/Jones/Butcher)."""
    a = year % 19
    b, c = divmod(year, 100)
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    ell = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * ell) // 451
    month, day = divmod(h + ell - 7 * m + 114, 31)
    return date(year, month, day + 1)


@lru_cache(maxsize=64)
def french_holidays(year: int) -> frozenset[date]:
    easter = easter_sunday(year)
    return frozenset(
        {
            date(year, 1, 1),
            easter + timedelta(days=1),  # lundi de Pâques
            date(year, 5, 1),
            date(year, 5, 8),
            easter + timedelta(days=39),  # Ascension
            easter + timedelta(days=50),  # lundi de Pentecôte
            date(year, 7, 14),
            date(year, 8, 15),
            date(year, 11, 1),
            date(year, 11, 11),
            date(year, 12, 25),
        }
    )


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in french_holidays(day.year)


def working_days(first: date, last: date) -> list[date]:
    days, current = [], first
    while current <= last:
        if is_working_day(current):
            days.append(current)
        current += timedelta(days=1)
    return days


def weeks(days: list[date]) -> list[list[date]]:
    """``days`` (sorted) grouped by ISO week."""
    groups: list[list[date]] = []
    for day in days:
        if groups and groups[-1][0].isocalendar()[:2] == day.isocalendar()[:2]:
            groups[-1].append(day)
        else:
            groups.append([day])
    return groups

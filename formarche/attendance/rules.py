"""The rule of the date of an hour (issue #17): one pure function, called by every writer of hours.

:func:`hour_date_refusal` says whether hours may be recorded on a day (or for a month total) and,
if not, which bound was crossed, as a French phrase (lower case, no final full stop: the caller
makes it a sentence, or prefixes it with ``Ligne N : ``). It knows nothing of the database: the
single hours write path (:func:`formarche.attendance.services.attendance_bulk_upsert`: grid,
month totals, CSV/XLSX imports, API, émargement sync) and the interchange importer pass it plain
dates.

The bounds, checked in this order (the first one crossed is named):

1. **entry** — never before the enrolment's entry date;
2. **end** — never after the enrolment's exit date; without an exit, never after the action's
   real end date; without one, never after its planned end date (the first of these that is
   set is the only end checked);
3. **today** — never in the future (after ``today``, the local date of the server);
4. **validated month** — never in a month the caller may not correct (``validated=True``).

A **month total** (``month_total=True``) is dated by its month: ``day`` is any day of it, and
each bound is compared month to month — a total for March is refused only if March is before the
month of entry, after the month of the end, or after the current month (a total for the current
month is accepted while the month runs, as the grid accepts each day up to today).

About validated months: the hours write path does not refuse them. A change in a month whose
period is validated is accepted as a **rectificatif** (``is_correction``) and invoiced with the
next period, as the seed requires (« Sur la PERIODE y compris rectificatif », see
``docs/guide/realisations.md``); the write path flags it from the month locks
(:mod:`formarche.attendance.locks`) and passes ``validated=False``. A writer that cannot flag
rectificatifs (it writes the rows as they come) passes ``validated=True`` for a validated month
and gets the refusal.
"""

from __future__ import annotations

from datetime import date

from formarche.utils.dates import month_start
from formarche.utils.formatting import format_date, format_month

__all__ = ["hour_date_refusal"]


def _enrolled_phrase(trainee: str, when: date, entry: date, exit: date | None) -> str:
    bounds = f"entrée le {format_date(entry)}" + (f", sortie le {format_date(exit)}" if exit else "")
    return f"{trainee} n'est pas inscrit(e) en {format_month(when)} ({bounds})"


def _end_bound(exit, real_end, planned_end) -> tuple[date | None, str]:
    if exit:
        return exit, "sortie"
    if real_end:
        return real_end, "fin réelle"
    if planned_end:
        return planned_end, "fin prévue"
    return None, ""


def hour_date_refusal(
    *,
    day: date,
    entry: date,
    exit: date | None,
    real_end: date | None,
    planned_end: date | None,
    today: date,
    validated: bool = False,
    month_total: bool = False,
    trainee: str = "",
) -> str | None:
    """``None`` if hours may be recorded on ``day``, else the French phrase naming the crossed bound.

    ``entry``/``exit``: the enrolment's dates; ``real_end``/``planned_end``: the action's;
    ``today``: the current local date; ``validated``: the month is validated *and* the caller
    cannot record a rectificatif there; ``month_total``: ``day`` stands for its whole month;
    ``trainee``: the trainee's name, for the messages (« … de GARCIA Léa »).
    """
    who = f" de {trainee}" if trainee else ""
    end, end_label = _end_bound(exit, real_end, planned_end)
    if month_total:
        month = month_start(day)
        if month < month_start(entry) or (exit and month > month_start(exit)):
            return _enrolled_phrase(trainee or "le stagiaire", month, entry, exit)
        if end and month > month_start(end):
            return f"{format_month(month)} est après la {end_label} de l'action ({format_date(end)})"
        if month > month_start(today):
            return f"{format_month(month)} est dans le futur (nous sommes le {format_date(today)})"
        if validated:
            return f"{format_month(month)} est un mois validé : ses heures ne peuvent plus être modifiées"
        return None
    shown = format_date(day)
    if day < entry:
        return f"le {shown} est avant l'entrée en formation{who} (le {format_date(entry)})"
    if end and day > end:
        if exit:
            return f"le {shown} est après la sortie{who} (le {format_date(exit)})"
        return f"le {shown} est après la {end_label} de l'action ({format_date(end)})"
    if day > today:
        return f"le {shown} est dans le futur (nous sommes le {format_date(today)})"
    if validated:
        return f"le {shown} est dans un mois validé ({format_month(day)}) : ses heures ne peuvent plus être modifiées"
    return None

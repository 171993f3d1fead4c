"""The rules of one row of hours, checked before any write (see the package's docstring)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from formarche.attendance.models import MAX_DAY_HOURS, AttendanceKind, UnrealisedReason
from formarche.attendance.rules import hour_date_refusal
from formarche.attendance.services.refusals import HOURS_FROZEN, _refused
from formarche.orders.models import Order, write_refusal
from formarche.trainees.models import Enrolment
from formarche.utils.dates import month_bounds
from formarche.utils.formatting import format_month
from formarche.utils.money import ZERO, has_places, round_places

_MAX_HOURS = Decimal("10000")
_PARSED: dict[Decimal, Decimal] = {}  # accepted Decimal values → their 2-place form
_KINDS = frozenset(AttendanceKind.values)  # TextChoices.values builds a list at each call
_REASONS = frozenset(UnrealisedReason.values)


def parse_hours(*, value, label: str = "heures") -> Decimal:
    """``"7,5"``, ``"7.5"``, ``7``, ``Decimal("7.50")``, ``""`` or ``None`` (zero) → ``Decimal`` with 2 places.

    Refuses (``AttendanceRefused``) text that is not a number, negative values and more than 2
    decimals. Floats are a programming error (``TypeError``): hours are never floats.
    """
    if type(value) is Decimal and value.is_finite():
        parsed = _PARSED.get(value)  # imports repeat the same few values thousands of times
        if parsed is not None:
            return parsed
    if isinstance(value, float):
        raise TypeError("float near hours: pass a Decimal or a string")
    if value is None or (isinstance(value, str) and not value.strip()):
        return ZERO
    text = str(value).strip().replace("\u202f", "").replace(" ", "").replace(",", ".")
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise _refused(f"« {value} » n'est pas un nombre d'heures ({label})", label) from None
    if not number.is_finite():
        raise _refused(f"« {value} » n'est pas un nombre d'heures ({label})", label)
    if number < 0:
        raise _refused(f"le nombre d'heures ({label}) ne peut pas être négatif", label)
    if not has_places(number, 2):
        raise _refused(
            f"les heures ({label}) se saisissent avec 2 décimales au plus (par exemple 3,25)", label
        )
    if number >= _MAX_HOURS:
        raise _refused(f"{value} h ({label}) : nombre d'heures trop grand", label)
    number = round_places(number, 2)  # exact: 2 places at most, written with 2
    if type(value) is Decimal and len(_PARSED) < 10_000:
        _PARSED[value] = number  # keyed by value: Decimal("7") == Decimal("7.00"), same result
    return number


def _enrolled_days(enrolment: Enrolment, month: date) -> int:
    first, last = month_bounds(month)
    start = max(first, enrolment.entry_date)
    end = min(last, enrolment.exit_date) if enrolment.exit_date else last
    return max(0, (end - start).days + 1)


def _check(
    enrolment: Enrolment, day: date, kind: str, realised, counted, reason, *, bounds: OrderBounds, today: date
) -> tuple:
    """Normalised ``(day, realised, counted, reason)`` or ``AttendanceRefused`` (one row's rules)."""
    if kind not in _KINDS:
        raise _refused(f"nature de saisie inconnue : « {kind} »", "kind")
    if not isinstance(day, date):
        raise _refused("indiquez une date", "day")
    realised = parse_hours(value=realised, label="réalisé")
    counted = parse_hours(value=counted, label="non réalisé comptabilisé")
    reason = (reason or "").strip()
    if counted > 0:
        if not reason:
            raise _refused(
                "indiquez le motif du non réalisé comptabilisé (absence justifiée, maladie…)", "reason"
            )
        if reason not in _REASONS:
            raise _refused(f"motif inconnu : « {reason} »", "reason")
    else:
        reason = ""
    if kind == AttendanceKind.DAY:
        if realised + counted > MAX_DAY_HOURS:
            raise _refused(
                "une journée ne peut pas compter plus de 24 heures (réalisé + non réalisé comptabilisé)",
                "réalisé",
            )
    else:
        day = day.replace(day=1)
    refusal = _date_refusal(enrolment, day, kind, realised + counted, bounds, today)
    if refusal:
        raise _refused(refusal, "day")
    if kind == AttendanceKind.MONTH:
        enrolled = _enrolled_days(enrolment, day)
        if realised + counted > MAX_DAY_HOURS * enrolled:
            raise _refused(
                f"{realised + counted} h en {format_month(day)} : plus de 24 h par jour d'inscription "
                f"({enrolled} jour(s))",
                "réalisé",
            )
    return day, realised, counted, reason


@dataclass(frozen=True, slots=True)
class OrderBounds:
    """What the rules need of an action: its refusal if closed or archived, its end dates."""

    closed_phrase: str | None
    real_end: date | None
    planned_end: date | None


_NO_END = OrderBounds(None, None, None)


def _order_bounds(order_ids) -> dict[int, OrderBounds]:
    """Each action among ``order_ids``: the refusal phrase of a closed or archived one and its end
    dates, all of them locked until the end of the transaction (one query).

    The lock (``FOR NO KEY UPDATE`` on PostgreSQL, the database lock on SQLite) makes a closing
    of the action wait for the hours being written, and the hours wait for a closing under way.
    """
    found = {}
    for pk, status, real_end, planned_end in (
        Order.objects.select_for_update(no_key=True)
        .filter(pk__in=sorted(order_ids))
        .values_list("pk", "status", "real_end", "planned_end")
    ):
        refusal = write_refusal(status, HOURS_FROZEN)  # « L'action est fermée|archivée : … »
        phrase = refusal[:1].lower() + refusal[1:] if refusal else None
        found[pk] = OrderBounds(phrase, real_end, planned_end)
    return found


def _date_refusal(enrolment, day: date, kind: str, hours, bounds: OrderBounds, today: date) -> str | None:
    """The rule of the date of an hour (:mod:`formarche.attendance.rules`) for one row.

    A row without hours (it clears a day) is checked against the enrolment only: clearing a day
    after the action's end or in the future is harmless, and a file may list a whole month.
    Validated months are not refused here: :mod:`.bulk` writes them as rectificatifs.
    """
    if not hours:
        bounds, today = _NO_END, date.max
    entry = enrolment.entry_date
    if kind == AttendanceKind.DAY and entry is not None:
        # the days the rule accepts, set-wise (no phrase built, no trainee named): entry … the
        # first end set and today; outside, the rule itself names the bound crossed
        end = enrolment.exit_date or bounds.real_end or bounds.planned_end
        if entry <= day <= (min(end, today) if end else today):
            return None
    return hour_date_refusal(
        day=day,
        entry=enrolment.entry_date,
        exit=enrolment.exit_date,
        real_end=bounds.real_end,
        planned_end=bounds.planned_end,
        today=today,
        validated=False,
        month_total=kind == AttendanceKind.MONTH,
        trainee=str(enrolment.trainee),
    )

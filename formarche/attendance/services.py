"""Writing hours: every change to attendance goes through these keyword-only functions.

The grid (htmx), the month-totals page, the imports and the API all call them, so the rules are
checked once, here:

- hours are ≥ 0 with at most 2 decimals; a day counts at most 24 h (réalisé + non réalisé
  comptabilisé); a month total at most 24 h per enrolled day of the month;
- non réalisé comptabilisé needs a reason (``UnrealisedReason``);
- the day (or month) must fall within the trainee's enrolment (entry date … exit date);
- a trainee's month is kept either day by day or as one month total, never both;
- a change to a month whose period is already validated is accepted and marked ``is_correction``
  (rectificatif): it will be invoiced with the next period [seed: "y compris rectificatif"]. In
  such a month, setting a day to zero keeps the row (at zero, flagged) instead of deleting it, so
  that the correction stays visible to billing and to the controls.

A refusal raises :class:`AttendanceRefused` (one row) or :class:`AttendanceBulkRefused` (many
rows, each with its index) with a French message, and changes nothing. The 12-hour-a-day limit is
not a refusal: it is a blocking control (``controls.py``), so that an unusual day can be entered
and then corrected before the period is validated.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from formarche.attendance.models import (
    MAX_DAY_HOURS,
    Attendance,
    AttendanceKind,
    AttendanceSource,
    UnrealisedReason,
)
from formarche.trainees.models import Enrolment
from formarche.utils.dates import month_bounds
from formarche.utils.formatting import format_date, format_month

__all__ = [
    "AttendanceBulkRefused",
    "AttendanceRefused",
    "AttendanceRow",
    "BulkResult",
    "attendance_bulk_upsert",
    "attendance_set",
    "attendance_set_month_total",
    "parse_hours",
]

ZERO = Decimal("0.00")
_CENT = Decimal("0.01")
BATCH_SIZE = 500


class AttendanceRefused(ValueError):
    """A write refused, with a French message for the user; ``field`` names the culprit if known."""

    def __init__(self, message: str, *, field: str | None = None):
        self.message = message
        self.field = field
        super().__init__(message)


class AttendanceBulkRefused(AttendanceRefused):
    """A batch refused as a whole: ``errors`` is a list of ``(index, message)``, index 0-based in ``rows``."""

    def __init__(self, errors: list[tuple[int, str]]):
        self.errors = errors
        count = len(errors)
        head = "; ".join(f"ligne {i + 1} : {m}" for i, m in errors[:5])
        more = f" (et {count - 5} autre(s))" if count > 5 else ""
        super().__init__(f"{count} ligne(s) refusée(s), rien n'a été enregistré — {head}{more}")


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


@dataclass(frozen=True, slots=True)
class BulkResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0


# ---------------------------------------------------------------------------------------------
# Validation shared by every entry point
# ---------------------------------------------------------------------------------------------


def parse_hours(value, label: str = "heures") -> Decimal:
    """``"7,5"``, ``"7.5"``, ``7``, ``Decimal("7.50")``, ``""`` or ``None`` (zero) → ``Decimal`` with 2 places.

    Refuses (``AttendanceRefused``) text that is not a number, negative values and more than 2
    decimals. Floats are a programming error (``TypeError``): hours are never floats.
    """
    if isinstance(value, float):
        raise TypeError("float near hours: pass a Decimal or a string")
    if value is None or (isinstance(value, str) and not value.strip()):
        return ZERO
    text = str(value).strip().replace("\u202f", "").replace(" ", "").replace(",", ".")
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise AttendanceRefused(f"« {value} » n'est pas un nombre d'heures ({label}).", field=label) from None
    if not number.is_finite():
        raise AttendanceRefused(f"« {value} » n'est pas un nombre d'heures ({label}).", field=label)
    if number < 0:
        raise AttendanceRefused(f"Le nombre d'heures ({label}) ne peut pas être négatif.", field=label)
    if number != number.quantize(_CENT):
        raise AttendanceRefused(
            f"Les heures ({label}) se saisissent avec 2 décimales au plus (par exemple 3,25).", field=label
        )
    if number >= Decimal("10000"):
        raise AttendanceRefused(f"{value} h ({label}) : nombre d'heures trop grand.", field=label)
    return number.quantize(_CENT)


def _enrolled_days(enrolment: Enrolment, month: date) -> int:
    first, last = month_bounds(month)
    start = max(first, enrolment.entry_date)
    end = min(last, enrolment.exit_date) if enrolment.exit_date else last
    return max(0, (end - start).days + 1)


def _clean(enrolment: Enrolment, day: date, kind: str, realised, counted, reason) -> tuple:
    """Normalised ``(day, realised, counted, reason)`` or ``AttendanceRefused``."""
    if kind not in AttendanceKind.values:
        raise AttendanceRefused(f"Nature de saisie inconnue : « {kind} ».", field="kind")
    if not isinstance(day, date):
        raise AttendanceRefused("Indiquez une date.", field="day")
    realised = parse_hours(realised, "réalisé")
    counted = parse_hours(counted, "non réalisé comptabilisé")
    reason = (reason or "").strip()
    name = str(enrolment.trainee)
    if counted > 0:
        if not reason:
            raise AttendanceRefused(
                "Indiquez le motif du non réalisé comptabilisé (absence justifiée, maladie…).", field="reason"
            )
        if reason not in UnrealisedReason.values:
            raise AttendanceRefused(f"Motif inconnu : « {reason} ».", field="reason")
    else:
        reason = ""
    if kind == AttendanceKind.DAY:
        if realised + counted > MAX_DAY_HOURS:
            raise AttendanceRefused(
                "Une journée ne peut pas compter plus de 24 heures (réalisé + non réalisé comptabilisé).",
                field="réalisé",
            )
        if day < enrolment.entry_date:
            raise AttendanceRefused(
                f"Le {format_date(day)} est avant l'entrée en formation de {name} "
                f"(le {format_date(enrolment.entry_date)}).",
                field="day",
            )
        if enrolment.exit_date and day > enrolment.exit_date:
            raise AttendanceRefused(
                f"Le {format_date(day)} est après la sortie de {name} (le {format_date(enrolment.exit_date)}).",
                field="day",
            )
    else:
        day = day.replace(day=1)
        enrolled = _enrolled_days(enrolment, day)
        if not enrolled:
            raise AttendanceRefused(
                f"{name} n'est pas inscrit(e) en {format_month(day)} (entrée le {format_date(enrolment.entry_date)}"
                + (f", sortie le {format_date(enrolment.exit_date)}" if enrolment.exit_date else "")
                + ").",
                field="day",
            )
        if realised + counted > MAX_DAY_HOURS * enrolled:
            raise AttendanceRefused(
                f"{realised + counted} h en {format_month(day)} : plus de 24 h par jour d'inscription "
                f"({enrolled} jour(s)).",
                field="réalisé",
            )
    return day, realised, counted, reason


def _validated_months(order_ids: Iterable[int]) -> set[tuple[int, date]]:
    from formarche.billing.models import Period, PeriodStatus

    return set(
        Period.objects.filter(order_id__in=list(order_ids), status=PeriodStatus.VALIDATED).values_list(
            "order_id", "month"
        )
    )


def _mixing_message(kind: str, enrolment: Enrolment, month: date) -> str:
    if kind == AttendanceKind.DAY:
        return (
            f"{format_month(month)} est saisi en total mensuel pour {enrolment.trainee} : "
            "modifiez ce total, ou supprimez-le pour saisir jour par jour."
        )
    return (
        f"{format_month(month)} est déjà saisi jour par jour pour {enrolment.trainee} : "
        "un total mensuel ne peut pas s'y ajouter."
    )


def _apply(row: Attendance, realised, counted, reason, by, source, correction: bool) -> bool:
    """Copy the values onto ``row``; False when nothing changes."""
    if (
        row.pk
        and row.realised_hours == realised
        and row.counted_unrealised_hours == counted
        and row.unrealised_reason == reason
    ):
        return False
    row.realised_hours = realised
    row.counted_unrealised_hours = counted
    row.unrealised_reason = reason
    row.source = source
    row.updated_by = by
    row.updated_at = timezone.now()
    row._history_user = by
    if correction:
        row.is_correction = True
    return True


def _set_one(
    *, enrolment, day, kind, realised_hours, counted_unrealised_hours, unrealised_reason, by, source
):
    day, realised, counted, reason = _clean(
        enrolment, day, kind, realised_hours, counted_unrealised_hours, unrealised_reason
    )
    month = day.replace(day=1)
    first, last = month_bounds(month)
    other_kind = AttendanceKind.MONTH if kind == AttendanceKind.DAY else AttendanceKind.DAY
    with transaction.atomic():
        other = Attendance.objects.filter(enrolment=enrolment, kind=other_kind, day__gte=first, day__lte=last)
        if other.exists():
            raise AttendanceRefused(_mixing_message(kind, enrolment, month), field="day")
        correction = (enrolment.order_id, month) in _validated_months([enrolment.order_id])
        row = Attendance.objects.select_for_update().filter(enrolment=enrolment, day=day, kind=kind).first()
        if realised == 0 and counted == 0 and not correction:
            if row is not None:
                row._history_user = by
                row.delete()
            return None
        if row is None:
            if realised == 0 and counted == 0:
                return None  # nothing to correct: the day had no hours
            row = Attendance(enrolment=enrolment, day=day, kind=kind)
        if _apply(row, realised, counted, reason, by, source, correction):
            row.save()
        return row


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
    row is kept (even at zero) and flagged ``is_correction``. Raises :class:`AttendanceRefused`.
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


def _row_value(row, key, default=None):
    if isinstance(row, Mapping):
        return row.get(key, default)
    return getattr(row, key, default)


def attendance_bulk_upsert(*, rows: Iterable[AttendanceRow | Mapping], by=None, source: str) -> BulkResult:
    """Create, update or delete many rows at once — all or nothing (imports, API).

    Each row: ``enrolment`` (object or id) or ``enrolment_id``, ``day``, ``realised_hours``,
    ``counted_unrealised_hours`` (default 0), ``unrealised_reason`` (default ""), ``kind`` (default
    "jour"). The same rules as :func:`attendance_set` apply to every row; a row with zero hours
    deletes the stored one (kept at zero and flagged in a validated month). Any refused row
    refuses the whole batch: :class:`AttendanceBulkRefused` lists every refused row (0-based
    index, French message) and nothing is written. Otherwise returns the counts.

    Queries do not depend on the number of rows except for the writes, batched by 500 (and one
    query per deleted row, so that each deletion enters the history).
    """
    rows = list(rows)
    errors: list[tuple[int, str]] = []
    by_id: dict[int, Enrolment] = {}
    wanted_ids = set()
    for row in rows:
        enrolment = _row_value(row, "enrolment")
        if isinstance(enrolment, Enrolment):
            by_id[enrolment.pk] = enrolment
        else:
            wanted_ids.add(enrolment if enrolment is not None else _row_value(row, "enrolment_id"))
    missing = {i for i in wanted_ids - set(by_id) if isinstance(i, int)}
    if missing:
        by_id.update(Enrolment.objects.select_related("trainee").in_bulk(missing))

    cleaned = []  # (index, enrolment, day, kind, realised, counted, reason)
    seen: dict[tuple[int, date, str], int] = {}
    for index, row in enumerate(rows):
        ref = _row_value(row, "enrolment")
        enrolment = ref if isinstance(ref, Enrolment) else by_id.get(ref or _row_value(row, "enrolment_id"))
        if enrolment is None:
            errors.append((index, "Inscription inconnue."))
            continue
        kind = _row_value(row, "kind", AttendanceKind.DAY) or AttendanceKind.DAY
        try:
            day, realised, counted, reason = _clean(
                enrolment,
                _row_value(row, "day"),
                kind,
                _row_value(row, "realised_hours", ZERO),
                _row_value(row, "counted_unrealised_hours", ZERO),
                _row_value(row, "unrealised_reason", ""),
            )
        except AttendanceRefused as exc:
            errors.append((index, exc.message))
            continue
        except TypeError:
            errors.append((index, "Nombre d'heures illisible."))
            continue
        key = (enrolment.pk, day, kind)
        if key in seen:
            errors.append((index, f"Même stagiaire et même jour que la ligne {seen[key] + 1}."))
            continue
        seen[key] = index
        cleaned.append((index, enrolment, day, kind, realised, counted, reason))

    with transaction.atomic():
        existing: dict[tuple[int, date, str], Attendance] = {}
        if cleaned:
            days = [c[2] for c in cleaned]
            first = min(days).replace(day=1)
            last = month_bounds(max(days))[1]
            enrolment_ids = {c[1].pk for c in cleaned}
            for att in Attendance.objects.select_for_update().filter(
                enrolment_id__in=enrolment_ids, day__gte=first, day__lte=last
            ):
                existing[(att.enrolment_id, att.day, att.kind)] = att
        # one trainee-month is kept day by day or as a total, in the database and in the batch
        kinds_by_month: dict[tuple[int, date], set[str]] = {}
        for (enrolment_id, day, kind), _att in existing.items():
            kinds_by_month.setdefault((enrolment_id, day.replace(day=1)), set()).add(kind)
        for _index, enrolment, day, kind, *_ in cleaned:
            kinds_by_month.setdefault((enrolment.pk, day.replace(day=1)), set()).add(kind)
        validated = _validated_months({c[1].order_id for c in cleaned})

        to_create, to_update, to_delete = [], [], []
        unchanged = 0
        for index, enrolment, day, kind, realised, counted, reason in cleaned:
            month = day.replace(day=1)
            if len(kinds_by_month[(enrolment.pk, month)]) > 1:
                errors.append((index, _mixing_message(kind, enrolment, month)))
                continue
            correction = (enrolment.order_id, month) in validated
            row = existing.get((enrolment.pk, day, kind))
            if realised == 0 and counted == 0 and not correction:
                if row is None:
                    unchanged += 1
                else:
                    to_delete.append(row)
                continue
            if row is None:
                if realised == 0 and counted == 0:
                    unchanged += 1
                    continue
                row = Attendance(enrolment=enrolment, day=day, kind=kind)
                _apply(row, realised, counted, reason, by, source, correction)
                to_create.append(row)
            elif _apply(row, realised, counted, reason, by, source, correction):
                to_update.append(row)
            else:
                unchanged += 1
        if errors:
            errors.sort()
            raise AttendanceBulkRefused(errors)

        if to_create:
            bulk_create_with_history(to_create, Attendance, batch_size=BATCH_SIZE, default_user=by)
        if to_update:
            bulk_update_with_history(
                to_update,
                Attendance,
                [
                    "realised_hours",
                    "counted_unrealised_hours",
                    "unrealised_reason",
                    "is_correction",
                    "source",
                    "updated_by",
                    "updated_at",
                ],
                batch_size=BATCH_SIZE,
                default_user=by,
            )
        for row in to_delete:
            row._history_user = by
            row.delete()
    return BulkResult(
        created=len(to_create), updated=len(to_update), unchanged=unchanged, deleted=len(to_delete)
    )

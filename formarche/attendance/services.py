"""Writing hours: every change to attendance goes through these keyword-only functions.

The grid (htmx), the month-totals page, the imports, the API and the émargement all call them,
so the rules are checked once, here, and every write goes through one writer
(:mod:`formarche.attendance.bulk`: plain SQL by batches, history rows included):

- hours can only change while the action is open (``order.status == "ouverte"``): a closed or
  archived action is read-only (the refusal names which, ``orders.models.write_refusal``);
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
rows, each with its index) with a French message, and changes nothing. Each refusal also carries
its ``phrase`` (the message without capital nor full stop) for reports that prefix the line
(``Ligne 4 : …``). The 12-hour-a-day limit is not a refusal: it is a blocking control
(``controls.py``), so that an unusual day can be entered and then corrected before the period is
validated.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from django.db import transaction

from formarche.attendance import bulk
from formarche.attendance.bulk import BulkResult
from formarche.attendance.models import (
    MAX_DAY_HOURS,
    Attendance,
    AttendanceKind,
    AttendanceSource,
    UnrealisedReason,
)
from formarche.orders.models import Order, write_refusal
from formarche.trainees.models import Enrolment
from formarche.utils.dates import month_bounds
from formarche.utils.formatting import format_date, format_month

__all__ = [
    "CLOSED_ORDER_MESSAGE",
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
_MAX_HOURS = Decimal("10000")
_PARSED: dict[Decimal, Decimal] = {}  # accepted Decimal values → their 2-place form
_KINDS = frozenset(AttendanceKind.values)  # TextChoices.values builds a list at each call
_REASONS = frozenset(UnrealisedReason.values)
HOURS_FROZEN = "les heures ne peuvent plus être modifiées"
CLOSED_ORDER_PHRASE = "l'action est fermée : " + HOURS_FROZEN
ARCHIVED_ORDER_PHRASE = "l'action est archivée : " + HOURS_FROZEN


def _sentence(phrase: str) -> str:
    return phrase[:1].upper() + phrase[1:] + "."


CLOSED_ORDER_MESSAGE = _sentence(CLOSED_ORDER_PHRASE)


class AttendanceRefused(ValueError):
    """A write refused, with a French message for the user; ``field`` names the culprit if known.

    ``phrase`` is the same message without capital nor final full stop (for ``Ligne N : …``).
    """

    def __init__(self, message: str, *, field: str | None = None, phrase: str | None = None):
        self.message = message
        self.field = field
        self.phrase = phrase if phrase is not None else message.rstrip(".")
        super().__init__(message)


def _refused(phrase: str, field: str | None = None) -> AttendanceRefused:
    return AttendanceRefused(_sentence(phrase), field=field, phrase=phrase)


class AttendanceBulkRefused(AttendanceRefused):
    """A batch refused as a whole: ``errors`` is a list of ``(index, message)``, index 0-based in ``rows``.

    ``phrases`` holds the same refusals as ``(index, phrase)``.
    """

    def __init__(self, phrases: list[tuple[int, str]]):
        self.phrases = phrases
        self.errors = [(index, _sentence(phrase)) for index, phrase in phrases]
        count = len(phrases)
        head = "; ".join(f"ligne {i + 1} : {m}" for i, m in self.errors[:5])
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


# ---------------------------------------------------------------------------------------------
# Validation shared by every entry point
# ---------------------------------------------------------------------------------------------


def parse_hours(value, label: str = "heures") -> Decimal:
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
    if number != number.quantize(_CENT):
        raise _refused(
            f"les heures ({label}) se saisissent avec 2 décimales au plus (par exemple 3,25)", label
        )
    if number >= _MAX_HOURS:
        raise _refused(f"{value} h ({label}) : nombre d'heures trop grand", label)
    number = number.quantize(_CENT)
    if type(value) is Decimal and len(_PARSED) < 10_000:
        _PARSED[value] = number  # keyed by value: Decimal("7") == Decimal("7.00"), same result
    return number


def _enrolled_days(enrolment: Enrolment, month: date) -> int:
    first, last = month_bounds(month)
    start = max(first, enrolment.entry_date)
    end = min(last, enrolment.exit_date) if enrolment.exit_date else last
    return max(0, (end - start).days + 1)


def _check(enrolment: Enrolment, day: date, kind: str, realised, counted, reason) -> tuple:
    """Normalised ``(day, realised, counted, reason)`` or ``AttendanceRefused`` (one row's rules)."""
    if kind not in _KINDS:
        raise _refused(f"nature de saisie inconnue : « {kind} »", "kind")
    if not isinstance(day, date):
        raise _refused("indiquez une date", "day")
    realised = parse_hours(realised, "réalisé")
    counted = parse_hours(counted, "non réalisé comptabilisé")
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
        if day < enrolment.entry_date:
            raise _refused(
                f"le {format_date(day)} est avant l'entrée en formation de {enrolment.trainee} "
                f"(le {format_date(enrolment.entry_date)})",
                "day",
            )
        if enrolment.exit_date and day > enrolment.exit_date:
            raise _refused(
                f"le {format_date(day)} est après la sortie de {enrolment.trainee} "
                f"(le {format_date(enrolment.exit_date)})",
                "day",
            )
    else:
        day = day.replace(day=1)
        enrolled = _enrolled_days(enrolment, day)
        if not enrolled:
            raise _refused(
                f"{enrolment.trainee} n'est pas inscrit(e) en {format_month(day)} "
                f"(entrée le {format_date(enrolment.entry_date)}"
                + (f", sortie le {format_date(enrolment.exit_date)}" if enrolment.exit_date else "")
                + ")",
                "day",
            )
        if realised + counted > MAX_DAY_HOURS * enrolled:
            raise _refused(
                f"{realised + counted} h en {format_month(day)} : plus de 24 h par jour d'inscription "
                f"({enrolled} jour(s))",
                "réalisé",
            )
    return day, realised, counted, reason


def _closed_order_phrases(order_ids) -> dict[int, str]:
    """The refusal phrase of each closed or archived action among ``order_ids`` (the open ones are
    absent), all of them locked until the end of the transaction.

    The lock (``FOR NO KEY UPDATE`` on PostgreSQL, the database lock on SQLite) makes a closing
    of the action wait for the hours being written, and the hours wait for a closing under way.
    """
    phrases = {}
    for pk, status in (
        Order.objects.select_for_update(no_key=True)
        .filter(pk__in=sorted(order_ids))
        .values_list("pk", "status")
    ):
        refusal = write_refusal(status, HOURS_FROZEN)  # « L'action est fermée|archivée : … »
        if refusal:
            phrases[pk] = refusal[:1].lower() + refusal[1:]
    return phrases


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
    closed_orders = _closed_order_phrases({e.order_id for e in enrolments if e is not None})
    refusals: list[tuple[int, str, str | None]] = []
    checked: list[bulk.CheckedRow] = []
    seen: dict[tuple[int, date, str], int] = {}
    for index, (row, enrolment) in enumerate(zip(rows, enrolments, strict=True)):
        if enrolment is None:
            refusals.append((index, "inscription inconnue", None))
            continue
        if enrolment.order_id in closed_orders:
            refusals.append((index, closed_orders[enrolment.order_id], None))
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
            day, realised, counted, reason = _check(enrolment, values[0], kind, *values[2:])
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

"""Contrôles: the checks an action's hours must pass before a period is validated.

:func:`run_controls` computes them live (nothing is stored) with a fixed number of queries (at
most six, whatever the number of trainees and days). Billing calls it before validating a period
and refuses when ``report.can_validate(month)`` is false.

Blocking (« bloquant ») — the period cannot be validated:

- ``hors_inscription``: hours on a day before the trainee's entry date or after their exit date;
- ``heures_negatives``: negative hours (the database forbids them; checked all the same);
- ``plus_de_12h``: more than 12 h (réalisé + non réalisé comptabilisé) on one day [design: the
  12-hour limit of a training day; up to 24 h can be entered, so the day can be fixed later];
- ``modification_non_rectificative``: a row of a validated month changed (or deleted) after the
  validation without being flagged as a rectificatif (only possible outside the services: admin,
  raw SQL…).

Warnings (« alerte ») — shown, validation still possible:

- ``depassement_prevu``: a trainee's cumulative hours exceed their planned hours (reported on
  the month it happens);
- ``depassement_contrat``: the action's cumulative hours exceed the contracted volume;
- ``mois_sans_heures``: a trainee enrolled for a whole calendar month has no hours in it (months
  up to the last month with hours on the action).

A blocking issue of a month also blocks the validation of every later month:
``can_validate(month)`` is true when no blocking issue is dated ``month`` or earlier.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import F, Q, Value

from formarche.attendance import locks
from formarche.attendance.models import Attendance, AttendanceKind
from formarche.attendance.selectors import monthly_totals
from formarche.trainees.models import Enrolment
from formarche.utils.dates import month_bounds, months_between
from formarche.utils.formatting import format_date, format_hours, format_month

__all__ = ["BLOCKING", "WARNING", "ControlIssue", "ControlReport", "run_controls"]

BLOCKING = "bloquant"
WARNING = "alerte"
MAX_HOURS_PER_DAY = Decimal("12")

TITLES = {
    "hors_inscription": "Heures hors des dates d'inscription",
    "heures_negatives": "Heures négatives",
    "plus_de_12h": "Plus de 12 heures dans une journée",
    "modification_non_rectificative": "Modification d'un mois validé sans rectificatif",
    "depassement_prevu": "Heures prévues dépassées",
    "depassement_contrat": "Volume contractuel dépassé",
    "mois_sans_heures": "Stagiaire inscrit sans heures sur un mois",
}


@dataclass(frozen=True, slots=True)
class ControlIssue:
    code: str
    severity: str  # BLOCKING or WARNING
    month: date  # first day of the month concerned
    message: str  # French, names the trainee, the day and what is wrong
    enrolment_id: int | None = None
    trainee: str = ""
    day: date | None = None

    @property
    def title(self) -> str:
        return TITLES[self.code]

    @property
    def is_blocking(self) -> bool:
        return self.severity == BLOCKING


@dataclass
class ControlReport:
    blocking: list[ControlIssue] = field(default_factory=list)
    warnings: list[ControlIssue] = field(default_factory=list)

    def can_validate(self, month: date) -> bool:
        """True when no blocking issue is dated in ``month`` or before."""
        month = month.replace(day=1)
        return not any(issue.month <= month for issue in self.blocking)

    def blocking_for(self, month: date) -> list[ControlIssue]:
        month = month.replace(day=1)
        return [issue for issue in self.blocking if issue.month <= month]

    def by_month(self) -> list[dict]:
        """``[{"month", "blocking", "warnings"}]`` in month order, for the page."""
        months: dict[date, dict] = {}
        for issue in sorted(self.blocking + self.warnings, key=_sort_key):
            entry = months.setdefault(issue.month, {"month": issue.month, "blocking": [], "warnings": []})
            entry["blocking" if issue.is_blocking else "warnings"].append(issue)
        return [months[m] for m in sorted(months)]

    @property
    def is_clean(self) -> bool:
        return not self.blocking and not self.warnings


def _sort_key(issue: ControlIssue):
    return (issue.month, issue.day or issue.month, issue.trainee, issue.code)


def _suspicious_rows(order, validated, through: date | None):
    """The rows that may break a blocking rule (one query), and each validated month's date."""
    has_hours = Q(realised_hours__gt=0) | Q(counted_unrealised_hours__gt=0)
    suspicious = (
        (has_hours & Q(day__lt=F("enrolment__entry_date")))
        | (has_hours & Q(enrolment__exit_date__isnull=False, day__gt=F("enrolment__exit_date")))
        | Q(realised_hours__lt=0)
        | Q(counted_unrealised_hours__lt=0)
        | Q(
            kind=AttendanceKind.DAY,
            realised_hours__gt=Value(MAX_HOURS_PER_DAY) - F("counted_unrealised_hours"),
        )
    )
    validated_at = {}
    for month, at in validated:
        first, last = month_bounds(month)
        validated_at[month] = at
        suspicious |= Q(day__gte=first, day__lte=last, is_correction=False, updated_at__gt=at)
    rows = Attendance.objects.filter(enrolment__order=order).filter(suspicious)
    if through is not None:
        rows = rows.filter(day__lte=month_bounds(through)[1])
    return rows.order_by("day", "enrolment_id"), validated_at


@dataclass(frozen=True, slots=True)
class _Row:
    """The fields of a stored row the blocking rules read (a tuple from ``values_list``, not a
    model instance: issue #16, a month with many suspicious rows built hundreds of models)."""

    enrolment_id: int
    day: date
    kind: str
    realised_hours: Decimal
    counted_unrealised_hours: Decimal
    is_correction: bool
    updated_at: object


_ROW_FIELDS = (
    "enrolment_id",
    "day",
    "kind",
    "realised_hours",
    "counted_unrealised_hours",
    "is_correction",
    "updated_at",
)


def _blocking(order, enrolments: dict[int, Enrolment], validated, through: date | None) -> list[ControlIssue]:
    rows, validated_at = _suspicious_rows(order, validated, through)
    issues: list[ControlIssue] = []
    names: dict[int, str] = {}
    for values in rows.values_list(*_ROW_FIELDS):
        row = _Row(*values)
        enrolment = enrolments[row.enrolment_id]
        if row.enrolment_id not in names:
            names[row.enrolment_id] = str(enrolment.trainee)
        issues.extend(_row_issues(row, enrolment, validated_at, name=names[row.enrolment_id]))
    issues.extend(_deleted_after_validation(order, enrolments, validated, through))
    return issues


def _row_issues(
    row, enrolment: Enrolment, validated_at: dict, *, name: str | None = None
) -> list[ControlIssue]:
    """The blocking issues of one stored row (``name``: the trainee's, when the caller has it)."""
    issues: list[ControlIssue] = []
    name = str(enrolment.trainee) if name is None else name
    month = row.day.replace(day=1)
    is_month_row = row.kind == AttendanceKind.MONTH
    when = f"En {format_month(month)}" if is_month_row else f"Le {format_date(row.day)}"
    total = row.realised_hours + row.counted_unrealised_hours
    common = {
        "month": month,
        "enrolment_id": enrolment.pk,
        "trainee": name,
        "day": None if is_month_row else row.day,
    }
    if total > 0 or row.realised_hours < 0 or row.counted_unrealised_hours < 0:
        first, last = month_bounds(month)
        before = (last if is_month_row else row.day) < enrolment.entry_date
        after = enrolment.exit_date is not None and (first if is_month_row else row.day) > enrolment.exit_date
        if before:
            issues.append(
                ControlIssue(
                    "hors_inscription",
                    BLOCKING,
                    message=f"{when} : {format_hours(total)} h pour {name}, avant son entrée en formation "
                    f"le {format_date(enrolment.entry_date)}.",
                    **common,
                )
            )
        if after:
            issues.append(
                ControlIssue(
                    "hors_inscription",
                    BLOCKING,
                    message=f"{when} : {format_hours(total)} h pour {name}, après sa sortie "
                    f"le {format_date(enrolment.exit_date)}.",
                    **common,
                )
            )
    if row.realised_hours < 0 or row.counted_unrealised_hours < 0:
        issues.append(
            ControlIssue(
                "heures_negatives",
                BLOCKING,
                message=f"{when} : heures négatives pour {name} (réalisé {format_hours(row.realised_hours)} h, "
                f"non réalisé comptabilisé {format_hours(row.counted_unrealised_hours)} h).",
                **common,
            )
        )
    if not is_month_row and total > MAX_HOURS_PER_DAY:
        issues.append(
            ControlIssue(
                "plus_de_12h",
                BLOCKING,
                message=f"{when} : {format_hours(total)} h pour {name}, plus de 12 h dans une journée.",
                **common,
            )
        )
    at = validated_at.get(month)
    if at is not None and not row.is_correction and row.updated_at > at:
        issues.append(
            ControlIssue(
                "modification_non_rectificative",
                BLOCKING,
                message=f"{when} : les heures de {name} ont été modifiées après la validation de "
                f"{format_month(month)} sans être marquées comme rectificatif.",
                **common,
            )
        )
    return issues


def _deleted_after_validation(order, enrolments, validated, through) -> list[ControlIssue]:
    """Rows of a validated month deleted afterwards (the services never do it: they keep a zero row)."""
    if not validated:
        return []
    condition = Q()
    for month, at in validated:
        if through is not None and month > through:
            continue
        first, last = month_bounds(month)
        condition |= Q(day__gte=first, day__lte=last, history_date__gt=at)
    if not condition:
        return []
    deleted = list(
        Attendance.history.filter(history_type="-", enrolment_id__in=list(enrolments))
        .filter(condition)
        .values_list("enrolment_id", "day", "kind")
        .distinct()
    )
    if not deleted:
        return []
    present = set(
        Attendance.objects.filter(
            enrolment_id__in={d[0] for d in deleted}, day__in={d[1] for d in deleted}
        ).values_list("enrolment_id", "day", "kind")
    )
    issues = []
    for enrolment_id, day, kind in sorted(set(deleted) - present):
        name = str(enrolments[enrolment_id].trainee)
        month = day.replace(day=1)
        when = f"En {format_month(month)}" if kind == AttendanceKind.MONTH else f"Le {format_date(day)}"
        issues.append(
            ControlIssue(
                "modification_non_rectificative",
                BLOCKING,
                month=month,
                message=f"{when} : les heures de {name} ont été supprimées après la validation de "
                f"{format_month(month)} sans rectificatif. Ressaisissez-les (elles seront marquées rectificatif).",
                enrolment_id=enrolment_id,
                trainee=name,
                day=None if kind == AttendanceKind.MONTH else day,
            )
        )
    return issues


def _warnings(order, enrolments: dict[int, Enrolment], through: date | None) -> list[ControlIssue]:
    issues: list[ControlIssue] = []
    totals = monthly_totals(order)
    if through is not None:
        totals = {key: hours for key, hours in totals.items() if key[1] <= through}
    per_enrolment: dict[int, list] = {}
    per_month: dict[date, Decimal] = {}
    for (enrolment_id, month), hours in totals.items():
        per_enrolment.setdefault(enrolment_id, []).append((month, hours.total))
        per_month[month] = per_month.get(month, Decimal(0)) + hours.total

    for enrolment_id, months in per_enrolment.items():
        enrolment = enrolments[enrolment_id]
        if enrolment.planned_hours <= 0:
            continue
        cumulative = Decimal(0)
        for month, hours in sorted(months):
            cumulative += hours
            if cumulative > enrolment.planned_hours:
                name = str(enrolment.trainee)
                issues.append(
                    ControlIssue(
                        "depassement_prevu",
                        WARNING,
                        month=month,
                        message=f"{name} : {format_hours(cumulative)} h cumulées fin {format_month(month)} pour "
                        f"{format_hours(enrolment.planned_hours)} h prévues.",
                        enrolment_id=enrolment_id,
                        trainee=name,
                    )
                )
                break

    contracted = order.contracted_hours
    cumulative = Decimal(0)
    for month in sorted(per_month):
        cumulative += per_month[month]
        if cumulative > contracted:
            issues.append(
                ControlIssue(
                    "depassement_contrat",
                    WARNING,
                    month=month,
                    message=f"Fin {format_month(month)}, l'action cumule {format_hours(cumulative)} h pour un volume "
                    f"contractuel de {format_hours(contracted)} h.",
                )
            )
            break

    if per_month:
        last_month = max(per_month)
        for enrolment in enrolments.values():
            end = enrolment.exit_date or month_bounds(last_month)[1]
            for month in months_between(enrolment.entry_date, min(end, month_bounds(last_month)[1])):
                first, last = month_bounds(month)
                whole = enrolment.entry_date <= first and (
                    enrolment.exit_date is None or enrolment.exit_date >= last
                )
                if whole and (enrolment.pk, month) not in totals:
                    name = str(enrolment.trainee)
                    issues.append(
                        ControlIssue(
                            "mois_sans_heures",
                            WARNING,
                            month=month,
                            message=f"{name} : aucune heure en {format_month(month)}, alors que l'inscription couvre tout le mois.",
                            enrolment_id=enrolment.pk,
                            trainee=name,
                        )
                    )
    return issues


def run_controls(order, month: date | None = None) -> ControlReport:
    """Run every control on ``order``'s hours; with ``month``, only months up to that one."""
    through = month.replace(day=1) if month is not None else None
    enrolments = {e.pk: e for e in Enrolment.objects.filter(order=order).select_related("trainee")}
    validated = locks.validated_periods(order)
    blocking = _blocking(order, enrolments, validated, through)
    warnings = _warnings(order, enrolments, through)
    return ControlReport(blocking=sorted(blocking, key=_sort_key), warnings=sorted(warnings, key=_sort_key))

"""Reading the periods: hours of a month to freeze, the Suivi des validations rows, the attendance
controls, the statement of a month (frozen, or a preview that stores nothing)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.utils import timezone

from formarche.attendance.controls import run_controls
from formarche.attendance.selectors import MonthHours, order_month_totals
from formarche.billing import engine
from formarche.billing.models import Period, PeriodStatus, Statement
from formarche.billing.selectors.amendments import amendments_applying
from formarche.billing.selectors.group import (
    frozen_member_hours,
    group_statements_with,
    member_period_hours,
    order_members,
)
from formarche.orders.models import Order
from formarche.orders.terms import order_terms
from formarche.utils.dates import month_bounds, months_between
from formarche.utils.formatting import format_month
from formarche.utils.money import ZERO

# --------------------------------------------------------------------------------------------
# Hours of a period
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PeriodHours:
    """What validating ``month`` would freeze.

    ``realised``/``counted_unrealised`` = hours through the month − hours billed by earlier
    validated periods (so corrections of earlier months flow in); ``*_correction`` = the part of
    them that is not dated in the month itself (the rectificatif).
    """

    month: date
    realised: Decimal
    counted_unrealised: Decimal
    realised_correction: Decimal
    counted_unrealised_correction: Decimal
    pending_months: tuple[date, ...] = ()  # earlier months with hours, not validated, after the last period

    @property
    def total(self) -> Decimal:
        return self.realised + self.counted_unrealised


def period_hours(order, month: date, *, month_totals=None, validated=None) -> PeriodHours:
    """Hours of ``month`` for its statement (two queries, or none when the caller passes them)."""
    if month_totals is None:
        month_totals = order_month_totals(order)
    if validated is None:
        validated = list(Period.objects.filter(order=order, status=PeriodStatus.VALIDATED, month__lt=month))
    else:
        validated = [p for p in validated if p.month < month]
    through_realised = sum((h.realised for m, h in month_totals.items() if m <= month), ZERO)
    through_counted = sum((h.counted_unrealised for m, h in month_totals.items() if m <= month), ZERO)
    return period_hours_of(
        month=month,
        validated=validated,
        through=MonthHours(through_realised, through_counted),
        own=month_totals.get(month) or MonthHours(),
        earlier={m: h for m, h in month_totals.items() if m < month},
    )


def period_hours_of(
    *, month: date, validated, through: MonthHours, own: MonthHours, earlier: Mapping[date, MonthHours]
) -> PeriodHours:
    """:class:`PeriodHours` from sums already read: the validated periods before ``month`` (their
    frozen hours), the hours ``through`` the end of the month and those of the month itself
    (``own``), and the months before it with hours (``earlier``: at least those after the last
    validated period — the pending months are found there)."""
    billed_realised = sum((p.realised_hours for p in validated), ZERO)
    billed_counted = sum((p.counted_unrealised_hours for p in validated), ZERO)
    last_validated = max((p.month for p in validated), default=None)
    pending = tuple(
        m
        for m, h in sorted(earlier.items())
        if m < month and (last_validated is None or m > last_validated) and h.total
    )
    realised = through.realised - billed_realised
    counted = through.counted_unrealised - billed_counted
    return PeriodHours(
        month=month,
        realised=realised,
        counted_unrealised=counted,
        realised_correction=realised - own.realised,
        counted_unrealised_correction=counted - own.counted_unrealised,
        pending_months=pending,
    )


# --------------------------------------------------------------------------------------------
# Tabs of Validation / Facturation
# --------------------------------------------------------------------------------------------


@dataclass
class ValidationRow:
    month: date
    realised: Decimal
    counted_unrealised: Decimal
    period: Period | None
    statement: Statement | None
    can_validate: bool = False
    controls: str = ""
    blocking: list[str] = field(default_factory=list)

    @property
    def total(self) -> Decimal:
        return self.realised + self.counted_unrealised


def controls_for(order, month):
    """The attendance controls of the month: ``(label, blocking messages, warning count)``."""
    report = run_controls(order, month)
    warnings = sum(1 for issue in report.warnings if issue.month <= month)
    if report.can_validate(month):
        label = f"Conformes ({warnings} alerte{'s' if warnings > 1 else ''})" if warnings else "Conformes"
        return label, [], warnings
    blocking = [issue.message for issue in report.blocking_for(month)]
    return "Anomalies bloquantes", blocking, warnings


def validation_rows(order, *, today: date | None = None) -> list[ValidationRow]:
    """Suivi des validations: every month of the action, its hours, its period and statement."""
    today = today or timezone.localdate()
    month_totals = order_month_totals(order)
    periods = {
        p.month: p for p in Period.objects.filter(order=order).select_related("statement", "validated_by")
    }
    end = order.real_end or order.planned_end
    months = months_between(order.planned_start, end)
    extra = sorted(set(month_totals) | set(periods))
    months = sorted(set(months) | set(extra))
    last_validated = max((m for m, p in periods.items() if p.is_validated), default=None)
    final_done = any(p.is_validated and p.is_final for p in periods.values())
    next_candidate = None
    for month in months:
        if last_validated is not None and month <= last_validated:
            continue
        if month_totals.get(month) and month_totals[month].total or month == months[-1]:
            next_candidate = month
            break
    rows = []
    for month in months:
        hours = month_totals.get(month)
        period = periods.get(month)
        statement = getattr(period, "statement", None) if period and period.is_validated else None
        row = ValidationRow(
            month=month,
            realised=hours.realised if hours else ZERO,
            counted_unrealised=hours.counted_unrealised if hours else ZERO,
            period=period,
            statement=statement,
        )
        if period is None or not period.is_validated:
            if month == next_candidate and not final_done and month_bounds(month)[1] < today:
                row.controls, row.blocking, _ = controls_for(order, month)
                row.can_validate = not row.blocking
            elif month_bounds(month)[1] >= today:
                row.controls = "Période en cours"
            else:
                row.controls = "—"
        else:
            row.controls = "Validée"
        rows.append(row)
    return rows


# --------------------------------------------------------------------------------------------
# The statement of a month
# --------------------------------------------------------------------------------------------


def validated_periods(order, *, before: dt.date | None = None) -> list[Period]:
    """The validated periods of ``order``, oldest first (those before ``before`` when given)."""
    validated = Period.objects.filter(order=order, status=PeriodStatus.VALIDATED).order_by("month")
    if before is not None:
        validated = validated.filter(month__lt=before)
    return list(validated)


def statement_preview(order, month: dt.date) -> tuple[engine.Statement | None, object]:
    """The statement ``month`` would get if validated now (nothing stored), and its hours.

    Returns ``(None, hours)`` when the hours cannot make a statement (negative after corrections).
    """
    hours = period_hours(order, month)
    try:
        new = engine.PeriodInput(
            period=month, realised_hours=hours.realised, counted_unrealised_hours=hours.counted_unrealised
        )
        validated = validated_periods(order, before=month)
        members = order_members(order)
        if members:  # a group order: the group's statement, the sum of its members' (ADR 0018)
            own = member_period_hours(order, month, members, validated)
            frozen = frozen_member_hours(order, validated)
            return group_statements_with(order, members, frozen, (month, own, False))[-1].total, hours
        inputs = [p.engine_input() for p in validated] + [new]
        return engine.compute_statements(order_terms(order), inputs)[-1], hours
    except engine.EngineInputError:
        return None, hours


def order_period(order, month: dt.date, *, with_statement: bool = False) -> Period | None:
    """The period of ``month`` of ``order`` (``None`` when never validated nor imported)."""
    periods = Period.objects.filter(order=order, month=month)
    if with_statement:
        periods = periods.select_related("statement")
    return periods.first()


def frozen_statement(period: Period | None) -> Statement | None:
    """The stored statement of a validated period (``None`` otherwise, or when none was stored)."""
    if period is None or not period.is_validated:
        return None
    try:
        return period.statement
    except Statement.DoesNotExist:
        return None


def statement_context(order, month) -> dict:
    """The statement of a month: the frozen one when validated, else a preview (not stored)."""
    period = order_period(order, month, with_statement=True)
    frozen = frozen_statement(period)
    if frozen is not None:
        st = frozen.as_engine()
        corrections = (period.realised_correction_hours, period.counted_unrealised_correction_hours)
        preview = False
    else:
        st, hours = statement_preview(order, month)
        corrections = (hours.realised_correction, hours.counted_unrealised_correction)
        preview = True
    provider_code = order.provider.provider_code or order.provider.name
    return {
        "order": order,
        "st": st,
        "period": period,
        "period_label": format_month(month),
        "month": month,
        "preview": preview,
        "is_cref": st is not None and st.kind == engine.StatementKind.CREF,
        "corrections": corrections,
        "has_corrections": any(corrections),
        "providers": [
            {"code": line.provider or provider_code, "line": line} for line in (st.providers if st else ())
        ],
        "billed_ttc": sum((line.ttc for line in st.providers), 0) if st else 0,
        "generated_at": timezone.now(),
        # ADR 0020: the avenants this statement applies (number, date, what changed)
        "amendments": amendments_applying(order, month),
    }


def orders_with_labels():
    """The actions the billing pages reach (the caller scopes them to the tenant)."""
    return Order.objects.with_labels()

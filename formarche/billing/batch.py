"""Statements of many actions at once (a Région's month): the same figures as
:func:`formarche.billing.selectors.statement_preview` called action by action, in a constant number
of queries — one grouped query for the hours of every action, one for their validated periods,
one for the actions and their dispositifs — whatever the number of actions.

A validated month is never recomputed: its statement is frozen (``Statement``) and read as it is
by :func:`frozen_month_statements`.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from formarche.attendance.selectors import orders_month_and_through, orders_month_totals
from formarche.billing import engine
from formarche.billing.models import Period, PeriodStatus, Statement, statement_from_json
from formarche.billing.selectors import PeriodHours, period_hours_of
from formarche.orders.models import Order
from formarche.orders.terms import order_terms
from formarche.utils.dates import add_months
from formarche.utils.dbrouter import reads_from_replica


@dataclass(frozen=True, slots=True)
class FrozenPeriod:
    """The frozen hours of a validated period, as ``period_hours`` and the engine read them."""

    month: date
    realised_hours: Decimal
    counted_unrealised_hours: Decimal
    is_final: bool

    def engine_input(self) -> engine.PeriodInput:
        return engine.PeriodInput(
            period=self.month,
            realised_hours=self.realised_hours,
            counted_unrealised_hours=self.counted_unrealised_hours,
            final=self.is_final,
        )


@reads_from_replica()
def month_statements(orders, month: date) -> list[tuple[Order, engine.Statement | None, PeriodHours]]:
    """For each action of ``orders`` (a queryset), the statement ``month`` would get if validated
    now and its hours — ``statement_preview`` for every action, in five queries: the actions, their
    avenants, their validated periods, their hours through the month (with those of the month, one grouped sum per
    action: no grouping by month of every hour), and the months after each one's last validated
    period, grouped by month (the pending months: only those days are read). The engine builds
    only the month's statement (:func:`~formarche.billing.engine.compute_last_statement`)."""
    month = month.replace(day=1)
    # the avenants (ADR 0020): one more query, whatever the number of actions
    orders = list(orders.select_related("dispositif").prefetch_related("amendments").order_by("pk"))
    ids = [order.pk for order in orders]
    # the frozen hours only (no model instances: 40 000 periods for a Région)
    validated = defaultdict(list)
    rows = (
        Period.objects.filter(order_id__in=ids, status=PeriodStatus.VALIDATED, month__lt=month)
        .order_by("order_id", "month")
        .values_list("order_id", "month", "realised_hours", "counted_unrealised_hours", "is_final")
    )
    for order_id, *frozen in rows:
        validated[order_id].append(FrozenPeriod(*frozen))
    sums = orders_month_and_through(ids, month)
    since = {pk: add_months(periods[-1].month, 1) for pk, periods in validated.items()}
    earlier = orders_month_totals(ids, through_month=add_months(month, -1), since=since)
    out = []
    for order in orders:
        periods = validated[order.pk]
        own, through = sums[order.pk]
        hours = period_hours_of(
            month=month, validated=periods, through=through, own=own, earlier=earlier[order.pk]
        )
        new = engine.PeriodInput(
            period=month, realised_hours=hours.realised, counted_unrealised_hours=hours.counted_unrealised
        )
        try:
            statement = engine.compute_last_statement(
                order_terms(order), [p.engine_input() for p in periods] + [new]
            )
        except engine.EngineInputError:
            statement = None
        out.append((order, statement, hours))
    return out


@reads_from_replica()
def frozen_month_statements(orders, month: date) -> dict[int, engine.Statement]:
    """The frozen statements of a validated ``month``: ``{order_id: Statement}`` — one query."""
    rows = Statement.objects.filter(period__order__in=orders, period__month=month.replace(day=1)).values_list(
        "period__order_id", "data"
    )
    return {order_id: statement_from_json(data) for order_id, data in rows}

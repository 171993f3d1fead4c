"""Reading hours: one grouped query each, exact per-trainee sums."""

import datetime as dt
from decimal import Decimal

from formarche.attendance.selectors import (
    MonthHours,
    monthly_totals,
    monthly_totals_by_kind,
    order_cumulative,
    order_month_totals,
    orders_cumulative_hours,
)
from tests.attendance.conftest import seed_order
from tests.factories import AttendanceFactory, EnrolmentFactory, OrderFactory

D = Decimal
MARCH, APRIL = dt.date(2023, 3, 1), dt.date(2023, 4, 1)


def test_seed_order_month_totals_and_cumulative(db, django_assert_num_queries):
    order = seed_order()
    with django_assert_num_queries(1):
        months = order_month_totals(order)
    assert months == {MARCH: MonthHours(D("1662.00"), D("0.00")), APRIL: MonthHours(D("3000.00"), D("0.00"))}
    with django_assert_num_queries(1):
        per_trainee = monthly_totals(order)
    assert len(per_trainee) == 40
    assert sorted({h.realised for (_, m), h in per_trainee.items() if m == MARCH}) == [D("83.00"), D("84.00")]
    assert order_cumulative(order, MARCH).total == D("1662.00")
    assert order_cumulative(order, APRIL).total == D("4662.00")
    assert order_cumulative(order).total == D("4662.00")


def test_day_and_month_rows_group_together_with_counted_hours(db):
    enrolment = EnrolmentFactory()
    AttendanceFactory(
        enrolment=enrolment,
        day=dt.date(2023, 3, 6),
        realised_hours=D("3.25"),
        counted_unrealised_hours=D("3.75"),
        unrealised_reason="maladie",
    )
    AttendanceFactory(enrolment=enrolment, day=dt.date(2023, 3, 31), realised_hours=D("0.01"))
    AttendanceFactory(enrolment=enrolment, day=dt.date(2023, 4, 1), kind="mois", realised_hours=D("99.99"))
    totals = monthly_totals(enrolment.order)
    assert totals[(enrolment.pk, MARCH)] == MonthHours(D("3.26"), D("3.75"))
    assert totals[(enrolment.pk, MARCH)].total == D("7.01")
    assert totals[(enrolment.pk, APRIL)] == MonthHours(D("99.99"), D("0.00"))
    by_kind = monthly_totals_by_kind(enrolment.order)
    assert set(by_kind) == {(enrolment.pk, MARCH, "jour"), (enrolment.pk, APRIL, "mois")}


def test_many_orders_at_once_in_one_query(db, django_assert_num_queries):
    seeded = seed_order()
    other = EnrolmentFactory()
    AttendanceFactory(enrolment=other, day=dt.date(2023, 5, 2), realised_hours=D("7.5"))
    empty = OrderFactory()
    with django_assert_num_queries(1):
        result = orders_cumulative_hours([seeded.pk, other.order_id, empty.pk])
    assert result == {
        seeded.pk: MonthHours(D("4662.00"), D("0.00")),
        other.order_id: MonthHours(D("7.50"), D("0.00")),
        empty.pk: MonthHours(),
    }
    assert orders_cumulative_hours([seeded.pk], through_month=MARCH)[seeded.pk].total == D("1662.00")
    assert orders_cumulative_hours([]) == {}

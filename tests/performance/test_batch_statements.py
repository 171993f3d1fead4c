"""The statements of every action of a Région for one month, in a constant number of queries,
equal to ``statement_preview`` action by action."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from formarche.billing.batch import frozen_month_statements, month_statements
from formarche.billing.models import Statement
from formarche.billing.selectors import statement_preview
from formarche.orders.models import Order
from tests.performance.conftest import grow_order

pytestmark = pytest.mark.django_db


def test_month_statements_equal_the_preview_of_each_action(world):
    for trainees, validated in ((1, 0), (2, 1), (3, 2)):
        grow_order(world, trainees=trainees, validated=validated)
    orders = Order.objects.filter(region=world.region_a)
    for month in (dt.date(2023, 4, 1), dt.date(2023, 5, 1), dt.date(2023, 6, 1)):
        batch = month_statements(orders, month)
        assert len(batch) == orders.count()
        for order, statement, hours in batch:
            expected, expected_hours = statement_preview(order, month)
            assert statement == expected, (order.number, month)
            assert hours == expected_hours


def test_month_statements_queries_do_not_grow_with_actions(world):
    counts = []
    for added in (1, 5):
        for _ in range(added):
            grow_order(world, trainees=2, validated=1)
        orders = Order.objects.filter(region=world.region_a)
        with CaptureQueriesContext(connection) as queries:
            month_statements(orders, dt.date(2023, 5, 1))
        counts.append(len(queries))
    # actions, their avenants (ADR 0020), validated periods, hours, pending months
    assert counts[0] == counts[1] == 5, counts


def test_frozen_statements_are_read_not_recomputed(world):
    order = grow_order(world, trainees=2, validated=2)
    frozen = frozen_month_statements(Order.objects.filter(region=world.region_a), dt.date(2023, 4, 1))
    stored = Statement.objects.get(period__order=order, period__month=dt.date(2023, 4, 1))
    assert frozen == {order.pk: stored.as_engine()}

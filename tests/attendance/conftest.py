"""Builders shared by the attendance tests."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from formarche.attendance.demo import _enrol_and_fill, _trainees
from formarche.billing.models import Period, PeriodStatus
from tests.factories import EnrolmentFactory, OrderFactory, OrganisationFactory


def validated_period(order, month, *, at=None):
    """A validated Period created directly (the billing workflow is not under test here)."""
    return Period.objects.create(
        order=order,
        month=month,
        status=PeriodStatus.VALIDATED,
        validated_at=at or timezone.now() - dt.timedelta(days=1),
    )


@pytest.fixture
def enrolment(db):
    """A trainee enrolled on the seed's order from 06/03/2023 to 20/04/2023."""
    return EnrolmentFactory(
        entry_date=dt.date(2023, 3, 6),
        exit_date=dt.date(2023, 4, 20),
        exit_reason="fin_formation",
        trainee__last_name="Garcia",
        trainee__first_name="Léa",
        planned_hours=Decimal("300"),
    )


def seed_order(provider=None, region=None):
    """The seed's order filled by the demo's own code: 1 662,00 h in March 2023, 3 000,00 h in April 2023."""
    kwargs = {}
    if provider is not None:
        kwargs["provider"] = provider
    if region is not None:
        kwargs["region"] = region
    order = OrderFactory(**kwargs)
    trainees = _trainees(None, order.provider, "TARN", 20, 1985)
    _enrol_and_fill(
        order,
        trainees,
        [
            (dt.date(2023, 3, 13), dt.date(2023, 3, 31), [Decimal(83)] * 18 + [Decimal(84)] * 2),
            (dt.date(2023, 4, 1), dt.date(2023, 4, 30), [Decimal(150)] * 20),
        ],
    )
    return order


def sized_order(trainees: int, months: int, provider=None):
    """An order with ``trainees`` × ``months`` of daily hours (3 days a month, 7 h)."""
    from formarche.attendance.models import Attendance

    order = OrderFactory(provider=provider or OrganisationFactory())
    rows = []
    for _ in range(trainees):
        enrolment = EnrolmentFactory(order=order)
        for m in range(months):
            month = dt.date(2023 + (2 + m) // 12, (2 + m) % 12 + 1, 1)
            for d in (6, 7, 8):
                rows.append(
                    Attendance(enrolment=enrolment, day=month.replace(day=d), realised_hours=Decimal(7))
                )
    Attendance.objects.bulk_create(rows)
    return order

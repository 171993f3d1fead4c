"""Data that grows: actions of OF 1 bought by Région A, with trainees, daily hours, validated
periods with their frozen statements, invoices awaiting the Région, and fiscal years."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from formarche.attendance.models import Attendance
from formarche.billing import engine
from formarche.billing.models import Invoice, InvoiceStatus, Period, PeriodStatus, Statement
from formarche.bpf.models import FiscalYear
from formarche.orders.terms import order_terms
from tests.factories import EnrolmentFactory, OrderFactory, TraineeFactory

MONTHS = [dt.date(2023, 3, 1), dt.date(2023, 4, 1), dt.date(2023, 5, 1)]


def grow_order(world, *, trainees: int, validated: int = 2, invoice_status=InvoiceStatus.SIGNED):
    """An action of OF 1 for Région A: ``trainees`` × 3 months of hours (3 days a month), the
    first ``validated`` months validated with their statement and an invoice."""
    order = OrderFactory(region=world.region_a, provider=world.of1)
    rows = []
    for _ in range(trainees):
        enrolment = EnrolmentFactory(order=order, trainee=TraineeFactory(organisation=world.of1))
        for month in MONTHS:
            for d in (6, 7, 8):
                rows.append(
                    Attendance(enrolment=enrolment, day=month.replace(day=d), realised_hours=Decimal(7))
                )
    Attendance.objects.bulk_create(rows)
    per_month = Decimal(7 * 3 * trainees)
    inputs = [engine.PeriodInput(period=m, realised_hours=per_month) for m in MONTHS[:validated]]
    statements = engine.compute_statements(order_terms(order), inputs) if inputs else []
    user = world.users["region_a_officer"]
    for i, (inp, st) in enumerate(zip(inputs, statements, strict=True)):
        period = Period.objects.create(
            order=order,
            month=inp.period,
            status=PeriodStatus.VALIDATED,
            validated_at=dt.datetime(2023, 6, 1, tzinfo=dt.UTC),
            realised_hours=inp.realised_hours,
        )
        Statement.from_engine(period, st).save()
        seq = Invoice.objects.filter(organisation=world.of1).count() + 1
        Invoice.objects.create(
            order=order,
            period=period,
            organisation=world.of1,
            year=2023,
            sequence=seq,
            number=f"2023-{seq:05d}",
            support=str(st.kind),
            status=invoice_status,
            issue_date=dt.date(2023, 5 + i, 10),
            issued_by=user,
            billed_ht=st.billable,
            billed_ttc=st.billable + st.vat,
            payable_ht=st.total_ht,
            vat=st.vat,
            payable_ttc=st.total_ht + st.vat,
            seller={"name": world.of1.name},
            buyer={"name": world.region_a.name},
            received_on=dt.date(2023, 5 + i, 12),
        )
    return order


def grow_fiscal_years(world, count: int) -> None:
    have = FiscalYear.objects.filter(organisation=world.of1).count()
    for year in range(2010 + have, 2010 + have + count):
        FiscalYear.objects.create(
            organisation=world.of1, start=dt.date(year, 1, 1), end=dt.date(year, 12, 31)
        )


@pytest.fixture
def grow(world):
    return lambda **kwargs: grow_order(world, **kwargs)

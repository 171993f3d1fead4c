"""Helpers of the invoicing workflow tests: the seed's order with its hours, and its stages."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from formarche.attendance.models import Attendance, AttendanceKind
from formarche.billing import selectors, services
from formarche.billing.models import Period
from tests.factories import EnrolmentFactory, OrderFactory

MARCH = dt.date(2023, 3, 1)
APRIL = dt.date(2023, 4, 1)
D = Decimal


def seed_order(*, region, provider, referent=None, number="23Q00030612_1"):
    """The seed's order (57 820 € at 11,80 €/h, 18 months, 30 % advance, 80 % cap), with one
    trainee per 'block' of hours, month totals: March 1 662 h, April 3 000 h (as the seed)."""
    order = OrderFactory(number=number, region=region, provider=provider, referent=referent)
    add_month(order, MARCH, [D("831"), D("831")])
    add_month(order, APRIL, [D("1500"), D("1500")])
    return order


def add_month(order, month, hours_per_trainee, *, counted=None):
    enrolments = list(order.enrolments.order_by("pk"))
    while len(enrolments) < len(hours_per_trainee):
        enrolments.append(EnrolmentFactory(order=order, planned_hours=D("5000")))
    for index, hours in enumerate(hours_per_trainee):
        Attendance.objects.create(
            enrolment=enrolments[index],
            day=month,
            kind=AttendanceKind.MONTH,
            realised_hours=hours,
            counted_unrealised_hours=(counted or [D("0")] * len(hours_per_trainee))[index],
        )


def validate(order, month, user, **kwargs) -> Period:
    return services.period_validate(order=order, month=month, user=user, **kwargs)


def paid_march_and_validated_april(order, *, of_user, region_user):
    """The demo's path: advance paid, March invoiced, signed (check skipped), validated, paid."""
    services.advance_record(order=order, user=region_user, date=dt.date(2023, 3, 24), amount=D("11564.00"))
    march = validate(order, MARCH, of_user)
    invoice = services.invoice_issue(period=march, user=of_user, today=dt.date(2023, 4, 5))
    invoice = sign_unchecked(invoice, of_user)
    invoice = services.invoice_validate(invoice=invoice, user=region_user)
    services.payment_record(
        invoice=invoice, user=region_user, date=dt.date(2023, 5, 2), amount=invoice.payable_ttc
    )
    return validate(order, APRIL, of_user)


def sign_unchecked(invoice, user):
    with invoice.document.open("rb") as handle:
        data = handle.read()
    return services.invoice_upload_signed(
        invoice=invoice,
        data=data,
        filename=selectors.invoice_expected_filename(invoice),
        user=user,
        today=dt.date(2023, 4, 7),
        skip_signature_check_for_demo=True,
    )

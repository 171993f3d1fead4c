"""Issue #6: on a closed or archived action, no émargement write goes through — no session
planned, opened or confirmed, no link issued, no signature recorded (by link or on the device).
Each refusal names the state and changes nothing."""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import timezone

from formarche.attendance.models import Attendance
from formarche.orders.models import Order, OrderStatus
from formarche.signing import services
from formarche.signing.models import HalfDay, Session, Signature, SignatureChannel, SigningLink
from tests.factories import (
    EnrolmentFactory,
    OrderFactory,
    SessionFactory,
    TraineeFactory,
    signature_data_url,
    signature_png,
)

pytestmark = pytest.mark.django_db

AT = timezone.make_aware(dt.datetime(2023, 3, 6, 9, 10))  # during the open session (09:00–12:30)
STATES = {OrderStatus.CLOSED: "L'action est fermée : ", OrderStatus.ARCHIVED: "L'action est archivée : "}


@dataclass
class Setup:
    order: object
    signed: object  # enrolment who signed the open session
    unsigned: object  # enrolment with a live link, not signed yet
    open_session: object
    planned_session: object
    token: str


@pytest.fixture
def setup():
    order = OrderFactory()
    signed, unsigned = (
        EnrolmentFactory(order=order, trainee=TraineeFactory(organisation=order.provider)) for _ in range(2)
    )
    open_session = services.session_open(session=SessionFactory(order=order))
    planned = SessionFactory(order=order, afternoon=True)
    services.signature_record_on_device(
        session=open_session,
        enrolment=signed,
        data_url=signature_data_url(1),
        ip="10.0.0.1",
        user_agent="pytest",
        now=AT,
    )
    [(_, token)] = services.links_issue(session=open_session, enrolments=[unsigned], now=AT)
    return Setup(order, signed, unsigned, open_session, planned, token)


def _snapshot():
    return (
        list(Session.objects.order_by("pk").values()),
        list(Signature.objects.order_by("pk").values_list("pk", "sequence", "record_hash")),
        list(SigningLink.objects.order_by("pk").values()),
        list(Attendance.objects.order_by("pk").values()),
        Session.history.count(),
        Attendance.history.count(),
    )


def _signature_record(s):
    with transaction.atomic():
        return services.signature_record(
            session=s.open_session,
            enrolment=s.unsigned,
            image=signature_png(2),
            ip="10.0.0.2",
            user_agent="pytest",
            channel=SignatureChannel.DEVICE,
            now=AT,
        )


WRITES = {
    "schedule_create": lambda s: services.schedule_create(
        order=s.order,
        first=dt.date(2023, 3, 13),
        last=dt.date(2023, 3, 17),
        weekdays=[0, 1, 2],
        half_days=[services.HalfDaySpec(HalfDay.MORNING, dt.time(9), dt.time(12), Decimal("3"))],
    ),
    "session_open": lambda s: services.session_open(session=s.planned_session),
    "links_issue": lambda s: services.links_issue(session=s.open_session, now=AT),
    "signature_record": _signature_record,
    "signature_record_with_link": lambda s: services.signature_record_with_link(
        token=s.token, data_url=signature_data_url(3), ip="10.0.0.3", user_agent="pytest", now=AT
    ),
    "signature_record_on_device": lambda s: services.signature_record_on_device(
        session=s.open_session,
        enrolment=s.unsigned,
        data_url=signature_data_url(4),
        ip="10.0.0.4",
        user_agent="pytest",
        now=AT,
    ),
    "session_confirm": lambda s: services.session_confirm(session=s.open_session),
}


@pytest.mark.parametrize("status", list(STATES))
@pytest.mark.parametrize("write", list(WRITES))
def test_write_refused_on_a_closed_or_archived_action(setup, status, write):
    Order.objects.filter(pk=setup.order.pk).update(status=status)
    before = _snapshot()
    with pytest.raises(services.SigningRefused) as info:
        WRITES[write](setup)
    assert info.value.message.startswith(STATES[status]), info.value.message
    assert _snapshot() == before


@pytest.mark.parametrize("write", list(WRITES))
def test_the_same_writes_go_through_on_the_open_action(setup, write):
    """The refusals above come from the action's state, not from the setup."""
    WRITES[write](setup)

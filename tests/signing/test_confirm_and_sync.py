"""Confirming a session writes the signed trainees' hours (source « émargement ») through the
attendance service; the sync page shows the differences, then applies the chosen lines."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from formarche.attendance.models import Attendance, AttendanceSource
from formarche.signing.models import Session, SessionStatus
from formarche.signing.selectors import sync_diff
from formarche.signing.services import (
    SigningRefused,
    session_confirm,
    session_open,
    signature_record_on_device,
)
from tests.factories import (
    AttendanceFactory,
    EnrolmentFactory,
    SessionFactory,
    TraineeFactory,
    signature_data_url,
)

DAY = dt.date(2023, 3, 8)
AT = timezone.make_aware(dt.datetime(2023, 3, 8, 9, 30))


@pytest.fixture
def group(world):
    order = world.objects["order"]
    a = world.objects["enrolment"]
    b = EnrolmentFactory(order=order, trainee=TraineeFactory(organisation=world.of1, last_name="Bertrand"))
    morning = session_open(session=SessionFactory(order=order, date=DAY))
    afternoon = session_open(
        session=SessionFactory(order=order, date=DAY, afternoon=True, planned_hours=Decimal("3.00"))
    )
    return order, a, b, morning, afternoon


def _sign(session, enrolment):
    return signature_record_on_device(
        session=session, enrolment=enrolment, data_url=signature_data_url(), ip=None, user_agent="", now=AT
    )


@pytest.mark.django_db
def test_confirm_writes_signed_hours_and_lists_absences(group, world):
    order, a, b, morning, afternoon = group
    _sign(morning, a)
    result = session_confirm(session=morning, by=world.users["of1_staff"])
    assert [e.pk for e in result.signed] == [a.pk] or [e.pk for e in result.signed] == [a.pk]
    assert [e.pk for e in result.absent] == [b.pk]
    row = Attendance.objects.get(enrolment=a, day=DAY)
    assert row.realised_hours == Decimal("3.50") and row.source == AttendanceSource.SIGNING
    assert not Attendance.objects.filter(enrolment=b, day=DAY).exists()
    # the afternoon adds to the same day: 3,50 + 3,00
    _sign(afternoon, a)
    _sign(afternoon, b)
    session_confirm(session=afternoon, by=world.users["of1_staff"])
    assert Attendance.objects.get(enrolment=a, day=DAY).realised_hours == Decimal("6.50")
    assert Attendance.objects.get(enrolment=b, day=DAY).realised_hours == Decimal("3.00")
    morning.refresh_from_db()
    assert morning.status == SessionStatus.CONFIRMED and len(morning.confirmed_chain_head) == 64
    with pytest.raises(SigningRefused, match="déjà confirmée"):
        session_confirm(session=morning)
    with pytest.raises(SigningRefused):
        _sign(morning, b)  # no signature after confirmation


@pytest.mark.django_db
def test_confirm_keeps_counted_unrealised_hours(group):
    order, a, b, morning, afternoon = group
    AttendanceFactory(
        enrolment=a,
        day=DAY,
        realised_hours=Decimal("0"),
        counted_unrealised_hours=Decimal("3"),
        unrealised_reason="maladie",
    )
    _sign(morning, a)
    session_confirm(session=morning)
    row = Attendance.objects.get(enrolment=a, day=DAY)
    assert (row.realised_hours, row.counted_unrealised_hours, row.unrealised_reason) == (
        Decimal("3.50"),
        Decimal("3.00"),
        "maladie",
    )


@pytest.mark.django_db
def test_confirm_refused_by_the_attendance_service_changes_nothing(group):
    order, a, b, morning, afternoon = group
    AttendanceFactory(enrolment=a, day=DAY.replace(day=1), kind="mois", realised_hours=Decimal("20"))
    _sign(morning, a)
    with pytest.raises(SigningRefused, match="total mensuel"):
        session_confirm(session=morning)
    morning.refresh_from_db()
    assert morning.status == SessionStatus.OPEN


@pytest.mark.django_db
def test_sync_shows_the_diff_then_applies(group, world, login):
    order, a, b, morning, afternoon = group
    _sign(morning, a)
    _sign(morning, b)
    session_confirm(session=morning)
    # later, someone edits the grid by hand: a gets 7 h, b's day is deleted
    Attendance.objects.filter(enrolment=a, day=DAY).update(realised_hours=Decimal("7"))
    Attendance.objects.filter(enrolment=b, day=DAY).delete()
    lines = sync_diff(order, DAY)
    assert [(line.enrolment.pk, line.current, line.from_sessions) for line in lines] == sorted(
        [(a.pk, Decimal("7.00"), Decimal("3.50")), (b.pk, Decimal("0.00"), Decimal("3.50"))],
        key=lambda t: str(a.trainee) if t[0] == a.pk else str(b.trainee),
    )
    client = login(world.users["of1_staff"])
    url = reverse("signing:sync", kwargs={"order_id": order.pk, "period": "2023-03"})
    page = client.get(url)
    assert page.status_code == 200
    body = page.content.decode()
    assert "7,00" in body and "3,50" in body and str(b.trainee) in body
    # nothing chosen: nothing changes
    client.post(url, {})
    assert not Attendance.objects.filter(enrolment=b, day=DAY).exists()
    # apply only b's line
    key_b = next(line.key for line in lines if line.enrolment.pk == b.pk)
    response = client.post(url, {"ligne": [key_b, "999:2023-03-08", "nonsense"]})
    assert response.status_code == 302
    assert Attendance.objects.get(enrolment=b, day=DAY).realised_hours == Decimal("3.50")
    assert Attendance.objects.get(enrolment=a, day=DAY).realised_hours == Decimal("7.00")
    assert [line.enrolment.pk for line in sync_diff(order, DAY)] == [a.pk]


@pytest.mark.django_db
def test_sync_ignores_open_sessions_and_shows_missing_signature(group, world):
    order, a, b, morning, afternoon = group
    _sign(morning, a)
    session_confirm(session=morning)
    _sign(afternoon, b)  # afternoon still open: not synchronised
    Attendance.objects.filter(enrolment=a, day=DAY).delete()
    AttendanceFactory(enrolment=b, day=DAY, realised_hours=Decimal("7"))
    lines = {line.enrolment.pk: line for line in sync_diff(order, DAY)}
    assert lines[a.pk].from_sessions == Decimal("3.50") and lines[a.pk].signed_all
    assert lines[b.pk].from_sessions == Decimal("0.00") and not lines[b.pk].signed_all


@pytest.mark.django_db
def test_region_sees_sync_but_cannot_apply(group, world, login):
    order, a, b, morning, afternoon = group
    _sign(morning, a)
    session_confirm(session=morning)
    Attendance.objects.filter(enrolment=a, day=DAY).delete()
    client = login(world.users["region_a_officer"])
    url = reverse("signing:sync", kwargs={"order_id": order.pk, "period": "2023-03"})
    assert client.get(url).status_code == 200
    response = client.post(url, {"ligne": [f"{a.pk}:{DAY.isoformat()}"]})
    assert response.status_code == 403
    assert not Attendance.objects.filter(enrolment=a, day=DAY).exists()
    assert Session.objects.filter(order=order).count() == 3

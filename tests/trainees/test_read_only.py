"""Issue #6: an archived action is read-only, a closed one refuses what closing freezes.

Enrolment writes are refused on a closed or archived action; a trainee's identity is refused when
every action of theirs is closed or archived (a closed one's goes through a demande de
modification). Each refusal names the state and changes nothing.
"""

import datetime as dt
from decimal import Decimal

import pytest

from formarche.orders.models import Order, OrderStatus
from formarche.trainees import services
from formarche.trainees.models import Enrolment, Trainee
from tests.factories import EnrolmentFactory, OrderFactory, TraineeFactory

pytestmark = pytest.mark.django_db

STATES = {OrderStatus.CLOSED: "L'action est fermée : ", OrderStatus.ARCHIVED: "L'action est archivée : "}


@pytest.fixture
def enrolment():
    order = OrderFactory()
    TraineeFactory(organisation=order.provider, last_name="Libre")  # not enrolled: enrolment_create
    return EnrolmentFactory(order=order, trainee=TraineeFactory(organisation=order.provider))


def _snapshot(enrolment):
    return (
        list(Enrolment.objects.filter(pk=enrolment.pk).values()),
        list(Trainee.objects.filter(pk=enrolment.trainee_id).values()),
        Enrolment.history.count(),
        Trainee.history.count(),
    )


WRITES = {
    "enrolment_update": lambda e: services.enrolment_update(
        enrolment=e, entry_date=dt.date(2023, 3, 2), planned_hours=Decimal("200"), payer=e.payer
    ),
    "enrolment_update_exit": lambda e: services.enrolment_update_exit(
        enrolment=e, exit_date=dt.date(2023, 4, 28), exit_reason="fin_formation"
    ),
    "enrolment_update_exit (clear)": lambda e: services.enrolment_update_exit(enrolment=e, exit_date=None),
    "enrolment_change": lambda e: services.enrolment_change(
        enrolment=e,
        entry_date=dt.date(2023, 3, 2),
        planned_hours=Decimal("200"),
        payer=e.payer,
        exit_date=dt.date(2023, 4, 28),
        exit_reason="fin_formation",
    ),
    "enrolment_create": lambda e: services.enrolment_create(
        order=Order.objects.get(pk=e.order_id),
        trainee=Trainee.objects.get(last_name="Libre"),
        planned_hours=Decimal("100"),
    ),
    "trainee_update": lambda e: services.trainee_update(trainee=e.trainee, last_name="Autre"),
}


@pytest.mark.parametrize("status", list(STATES))
@pytest.mark.parametrize("write", list(WRITES))
def test_write_refused_on_a_closed_or_archived_action(enrolment, status, write):
    Order.objects.filter(pk=enrolment.order_id).update(status=status)
    before = _snapshot(enrolment)
    enrolments = Enrolment.objects.count()
    with pytest.raises(services.TraineeError) as info:
        WRITES[write](enrolment)
    assert info.value.message.startswith(STATES[status])
    assert _snapshot(enrolment) == before
    assert Enrolment.objects.count() == enrolments


def test_identity_is_editable_while_one_action_is_open(enrolment):
    Order.objects.filter(pk=enrolment.order_id).update(status=OrderStatus.ARCHIVED)
    EnrolmentFactory(order=OrderFactory(provider=enrolment.trainee.organisation), trainee=enrolment.trainee)
    assert services.trainee_update(trainee=enrolment.trainee, last_name="Autre").last_name == "Autre"


def test_identity_of_a_closed_action_goes_through_a_change_request(enrolment):
    Order.objects.filter(pk=enrolment.order_id).update(status=OrderStatus.CLOSED)
    with pytest.raises(services.TraineeError, match="demande de modification"):
        services.trainee_update(trainee=enrolment.trainee, last_name="Autre")
    updated = services.trainee_update(trainee=enrolment.trainee, allow_closed=True, last_name="Autre")
    assert updated.last_name == "Autre"
    Order.objects.filter(pk=enrolment.order_id).update(status=OrderStatus.ARCHIVED)
    with pytest.raises(services.TraineeError, match="^L'action est archivée : "):
        services.trainee_update(trainee=enrolment.trainee, allow_closed=True, last_name="Encore")


def test_a_trainee_without_action_is_editable():
    trainee = TraineeFactory()
    assert services.trainee_update(trainee=trainee, first_name="Zoé").first_name == "Zoé"

"""A small action to close: OF 1's order from Région A, components C1 and C2, three trainees with
hours up to 28/04/2023, planned end 31/08/2024, the Région A officer as référent."""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import pytest

from formarche.attendance.models import Attendance
from formarche.orders.models import Component
from tests.factories import EnrolmentFactory, OrderFactory, TraineeFactory

LAST_DAY = dt.date(2023, 4, 28)


@dataclass
class Action:
    order: object
    c1: object
    c2: object
    enrolments: list


@pytest.fixture
def action(world):
    order = OrderFactory(
        number="23Q00030612_9",
        region=world.region_a,
        provider=world.of1,
        referent=world.users["region_a_officer"],
        planned_start=dt.date(2023, 3, 1),
        planned_end=dt.date(2024, 8, 31),
    )
    c1 = Component.objects.create(order=order, code="C1", label="Tronc commun")
    c2 = Component.objects.create(order=order, code="C2", label="Stage")
    enrolments = []
    for last, first in [("MARTIN", "Léa"), ("DUBOIS", "Hugo"), ("LEROY", "Chloé")]:
        trainee = TraineeFactory(
            organisation=world.of1, last_name=last, first_name=first, email=f"{first}@ex.fr"
        )
        enrolment = EnrolmentFactory(order=order, trainee=trainee)
        Attendance.objects.create(enrolment=enrolment, day=dt.date(2023, 3, 6), realised_hours=Decimal("7"))
        Attendance.objects.create(enrolment=enrolment, day=LAST_DAY, realised_hours=Decimal("6"))
        enrolments.append(enrolment)
    enrolments.sort(key=lambda e: e.trainee.last_name)
    return Action(order=order, c1=c1, c2=c2, enrolments=enrolments)

"""A group order for the tests: the seed's order executed by OF 1 (mandataire, 60 %) and OF 2
(co-traitant, 40 %), with hours per member (March 1 000 + 662 h, April 1 800 + 1 200 h)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from formarche.attendance.models import Attendance, AttendanceKind
from formarche.billing import services
from tests.billing.workflow import APRIL, MARCH, seed_order  # noqa: F401
from tests.factories import EnrolmentFactory, TraineeFactory

D = Decimal
MANDATAIRE_NAME = "Mandatairestagiaire"
COTRAITANT_NAME = "Cotraitantstagiaire"


def group_order(world, *, number="23Q00099999_1"):
    region_user = world.users["region_a_manager"]
    order = seed_order(
        region=world.region_a, provider=world.of1, referent=world.users["region_a_officer"], number=number
    )
    # seed_order gave OF 1 two trainees (831 + 831 h in March, 1 500 + 1 500 in April): re-cut
    Attendance.objects.filter(enrolment__order=order).delete()
    services.group_members_set(order=order, user=region_user, co_members=[(world.of2, D("23128.00"))])
    own = list(order.enrolments.order_by("pk"))
    own[0].trainee.last_name = MANDATAIRE_NAME
    own[0].trainee.save()
    theirs = [
        EnrolmentFactory(
            order=order,
            trainee=TraineeFactory(organisation=world.of2, last_name=f"{COTRAITANT_NAME}{i}"),
            planned_hours=D("5000"),
        )
        for i in range(2)
    ]
    for month, hours in ((MARCH, ("500", "500", "331", "331")), (APRIL, ("900", "900", "600", "600"))):
        for enrolment, h in zip([*own, *theirs], hours, strict=True):
            Attendance.objects.create(
                enrolment=enrolment, day=month, kind=AttendanceKind.MONTH, realised_hours=D(h)
            )
    return order


def advance_paid(order, world):
    services.advance_record(
        order=order, user=world.users["region_a_officer"], date=dt.date(2023, 3, 24), amount=D("11564.00")
    )

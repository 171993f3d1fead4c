"""A small world for access tests: two Régions, two OFs, one user per role.

Everything that belongs to OF 1 (and to Région A's orders) carries MARKER in a text field, so that
a test can assert that another organisation's responses never contain it.
"""

from dataclasses import dataclass, field

from django.contrib.auth.hashers import make_password

from formarche.accounts.models import Membership, Role, User
from tests.factories import MembershipFactory, OrganisationFactory

MARKER = "ZQXALPHA"
PASSWORD = "mot-de-passe-de-test"


@dataclass
class World:
    region_a: object
    region_b: object
    of1: object
    of2: object
    users: dict = field(default_factory=dict)
    memberships: dict = field(default_factory=dict)
    objects: dict = field(default_factory=dict)


ROLES = {
    # key: (organisation attribute, role)
    "of1_staff": ("of1", Role.OF_STAFF),
    "of1_manager": ("of1", Role.OF_MANAGER),
    "of2_manager": ("of2", Role.OF_MANAGER),
    "region_a_officer": ("region_a", Role.REGION_OFFICER),
    "region_a_manager": ("region_a", Role.REGION_MANAGER),
    "region_b_officer": ("region_b", Role.REGION_OFFICER),
}

# Who must never see OF 1's data.
FOREIGN_TO_OF1 = ("of2_manager", "region_b_officer")


def build_world() -> World:
    region_a = OrganisationFactory(region=True, name="Région Alpha")
    region_b = OrganisationFactory(region=True, name="Région Bêta")
    of1 = OrganisationFactory(name=f"Organisme {MARKER}", director_name=f"Dirigeant {MARKER}")
    of2 = OrganisationFactory(name="Organisme Deux")
    world = World(region_a=region_a, region_b=region_b, of1=of1, of2=of2)
    hashed = make_password(PASSWORD, hasher="md5")
    for key, (org_attr, role) in ROLES.items():
        user = User.objects.create(
            email=f"{key}@exemple.fr", password=hashed, first_name="Test", last_name=key
        )
        world.users[key] = user
        world.memberships[key] = MembershipFactory(
            user=user, organisation=getattr(world, org_attr), role=role
        )
    # a member of OF 1 with a marked name: OF 2 must never see them
    marked = User.objects.create(email="marque@exemple.fr", password=hashed, last_name=MARKER)
    world.objects["of1_marked_membership"] = Membership.objects.create(
        user=marked, organisation=of1, role=Role.OF_STAFF
    )
    for extend in EXTENSIONS:
        extend(world)
    return world


# Later apps append functions that add their objects to the world (orders, trainees, invoices…).
EXTENSIONS = []


def _orders_and_hours(world):
    """OF 1 has a marked order from Région A, with a component, a trainee, an enrolment and hours;
    OF 2 has an order of its own from Région A; Région B orders nothing from OF 1."""
    import datetime as dt
    from decimal import Decimal

    from tests.factories import (
        AttendanceFactory,
        ComponentFactory,
        EnrolmentFactory,
        OrderFactory,
        TraineeFactory,
    )

    order = OrderFactory(region=world.region_a, provider=world.of1, title=f"Action {MARKER}")
    world.objects["order"] = order
    world.objects["component"] = ComponentFactory(order=order, label=f"Composante {MARKER}")
    trainee = TraineeFactory(organisation=world.of1, last_name=f"Stagiaire{MARKER}")
    world.objects["trainee"] = trainee
    enrolment = EnrolmentFactory(order=order, trainee=trainee)
    world.objects["enrolment"] = enrolment
    world.objects["attendance"] = AttendanceFactory(enrolment=enrolment, day=dt.date(2023, 3, 6))
    world.objects["of2_order"] = OrderFactory(region=world.region_a, provider=world.of2, title="Action Deux")
    world.objects["region_b_order"] = OrderFactory(
        region=world.region_b, provider=world.of2, amount=Decimal("1000")
    )


EXTENSIONS.append(_orders_and_hours)


def _import_job(world):
    """OF 1 has an import job (its file name carries the marker)."""
    from formarche.imports.models import ImportJob, ImportKind, ImportStatus

    world.objects["import_job"] = ImportJob.objects.create(
        organisation=world.of1,
        kind=ImportKind.HOURS_DAILY,
        file_name=f"heures-{MARKER}.csv",
        file_hash="0" * 64,
        status=ImportStatus.DONE,
        total_rows=1,
        processed_rows=1,
        report={"summary": f"Import {MARKER}", "errors": [], "error_count": 0},
    )


EXTENSIONS.append(_import_job)

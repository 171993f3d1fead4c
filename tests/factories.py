"""factory_boy factories with traits, shared by every test."""

import factory
from stdnum import luhn

from formarche.accounts.models import Membership, Role, User
from formarche.organisations.models import Organisation, OrganisationKind


def make_siret(n: int) -> str:
    siren_base = f"{n:08d}"
    siren = siren_base + luhn.calc_check_digit(siren_base)
    base = siren + "0001"
    return base + luhn.calc_check_digit(base)


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    kind = OrganisationKind.OF
    name = factory.Sequence(lambda n: f"Organisme {n}")
    siret = factory.Sequence(lambda n: make_siret(10_000_000 + n))
    nda = factory.Sequence(lambda n: f"76{n:09d}")
    nda_region = "Occitanie"
    naf_code = "8559A"
    provider_code = factory.Sequence(lambda n: f"IN{9000 + n}")
    city = "Toulouse"

    class Params:
        region = factory.Trait(
            kind=OrganisationKind.REGION, nda="", naf_code="", name=factory.Sequence(lambda n: f"Région {n}")
        )


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("email",)

    email = factory.Sequence(lambda n: f"utilisateur{n}@exemple.fr")
    first_name = "Camille"
    last_name = factory.Sequence(lambda n: f"Nom{n}")
    # MD5 only to keep the suite fast; Argon2 is asserted in test_security.
    password = factory.django.Password(
        "mot-de-passe-de-test",
    )


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    role = Role.OF_STAFF


# --- orders, trainees, attendance ------------------------------------------------------------
import datetime as _dt  # noqa: E402
from decimal import Decimal  # noqa: E402

from formarche.attendance.models import Attendance  # noqa: E402
from formarche.orders.models import Component, Dispositif, Lot, Market, Order  # noqa: E402
from formarche.trainees.models import Civility, Enrolment, EntryStatus, Trainee  # noqa: E402


class MarketFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Market

    region = factory.SubFactory(OrganisationFactory, region=True)
    reference = factory.Sequence(lambda n: f"MARCHE-{n}")
    title = "Programme régional de formation"
    year = 2023


class LotFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Lot

    market = factory.SubFactory(MarketFactory)
    number = factory.Sequence(lambda n: n + 1)
    sector = "AGRICULTURE"
    trade_family = "METIERS DE LA PRODUCTION VEGETALE"
    territory = "DEPARTEMENT DU TARN"


class DispositifFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Dispositif

    region = factory.SubFactory(OrganisationFactory, region=True)
    code = factory.Sequence(lambda n: f"dispositif-{n}")
    name = "Parcours Qualifiants"
    advance_rate = Decimal("0.30")
    cap_rate = Decimal("0.80")


class OrderFactory(factory.django.DjangoModelFactory):
    """Defaults: the seed's order (57 820,00 € at 11,80 €/h, 18 months, 30 % advance, 80 % cap)."""

    class Meta:
        model = Order

    number = factory.Sequence(lambda n: f"23Q{n:08d}_1")
    title = "Action de formation"
    region = factory.SubFactory(OrganisationFactory, region=True)
    lot = factory.SubFactory(LotFactory, market__region=factory.SelfAttribute("...region"))
    dispositif = factory.SubFactory(DispositifFactory, region=factory.SelfAttribute("..region"))
    provider = factory.SubFactory(OrganisationFactory)
    unit_price = Decimal("11.80")
    amount = Decimal("57820.00")
    duration_months = 18
    planned_start = _dt.date(2023, 3, 1)
    planned_end = _dt.date(2024, 8, 31)
    planned_headcount = 20


class ComponentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Component

    order = factory.SubFactory(OrderFactory)
    code = factory.Sequence(lambda n: f"C{n}")
    label = "Composante"


class TraineeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Trainee

    organisation = factory.SubFactory(OrganisationFactory)
    civility = Civility.MADAME
    last_name = factory.Sequence(lambda n: f"Stagiaire{n}")
    first_name = "Léa"
    birth_date = _dt.date(1990, 5, 17)
    entry_status = EntryStatus.JOB_SEEKER


class EnrolmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Enrolment

    order = factory.SubFactory(OrderFactory)
    trainee = factory.SubFactory(TraineeFactory, organisation=factory.SelfAttribute("..order.provider"))
    entry_date = factory.SelfAttribute("order.planned_start")
    planned_hours = Decimal("300")


class AttendanceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Attendance

    enrolment = factory.SubFactory(EnrolmentFactory)
    day = _dt.date(2023, 3, 6)
    realised_hours = Decimal("7")


# --- documents and émargement (signing) ------------------------------------------------------
from formarche.signing.models import HalfDay, Session  # noqa: E402


class SessionFactory(factory.django.DjangoModelFactory):
    """A half-day session of an action (default: a Monday morning of the seed's order, 3,5 h)."""

    class Meta:
        model = Session

    order = factory.SubFactory(OrderFactory)
    date = _dt.date(2023, 3, 6)
    half_day = HalfDay.MORNING
    start_time = _dt.time(9, 0)
    end_time = _dt.time(12, 30)
    planned_hours = Decimal("3.50")
    trainer_name = "Formatrice"

    class Params:
        afternoon = factory.Trait(
            half_day=HalfDay.AFTERNOON, start_time=_dt.time(13, 30), end_time=_dt.time(17, 0)
        )


def signature_png(seed: int = 0, size=(300, 120)) -> bytes:
    """A small PNG with a drawn stroke (a valid, non-empty signature image)."""
    import io

    from PIL import Image, ImageDraw

    image = Image.new("RGBA", size, (255, 255, 255, 0))
    draw = ImageDraw.Draw(image)
    w, h = size
    draw.line(
        [(10, h // 2), (w // 3, 10 + seed % 20), (2 * w // 3, h - 20), (w - 10, h // 3)],
        fill="black",
        width=4,
    )
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def signature_data_url(seed: int = 0) -> str:
    import base64

    return "data:image/png;base64," + base64.b64encode(signature_png(seed)).decode("ascii")

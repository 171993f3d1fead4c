"""Issue #7, the model: a co-funding (EnrolmentFunding) and its database invariants; and the
trainee's ``name_key`` kept in step with the name on every write path, bulk ones included."""

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from formarche.trainees.models import EnrolmentFunding, Payer, Trainee
from tests.factories import EnrolmentFactory, OrganisationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def enrolment():
    return EnrolmentFactory(payer=Payer.REGION)


def _refused(**fields):
    with pytest.raises(IntegrityError), transaction.atomic():
        EnrolmentFunding.objects.create(**fields)


def test_a_flat_amount_or_an_hourly_rate(enrolment):
    flat = EnrolmentFunding.objects.create(
        enrolment=enrolment, payer=Payer.INDIVIDUAL, amount=Decimal("300.00"), label="Reste à charge"
    )
    rate = EnrolmentFunding.objects.create(enrolment=enrolment, payer=Payer.CPF, hourly_rate=Decimal("2.5"))
    assert list(enrolment.fundings.all()) == [flat, rate]
    assert flat.is_flat and not rate.is_flat
    assert str(flat) == "Personnes à titre individuel et à leurs frais (Reste à charge)"
    assert flat.history.count() == 1


@pytest.mark.parametrize(
    "values",
    [
        {"amount": Decimal("0")},
        {"amount": Decimal("-10")},
        {"hourly_rate": Decimal("0")},
        {"hourly_rate": Decimal("-1")},
        {},  # neither
        {"amount": Decimal("100"), "hourly_rate": Decimal("2")},  # both
    ],
    ids=["amount-0", "amount-negative", "rate-0", "rate-negative", "neither", "both"],
)
def test_the_database_refuses_a_bad_co_funding(enrolment, values):
    _refused(enrolment=enrolment, payer=Payer.INDIVIDUAL, **values)
    assert not EnrolmentFunding.objects.exists()


def test_one_co_funding_per_payer(enrolment):
    EnrolmentFunding.objects.create(enrolment=enrolment, payer=Payer.INDIVIDUAL, amount=Decimal("300"))
    _refused(enrolment=enrolment, payer=Payer.INDIVIDUAL, amount=Decimal("50"))
    assert enrolment.fundings.count() == 1


def test_scoped_like_the_enrolment(world):
    from formarche.accounts.tenancy import Tenant

    enrolment = EnrolmentFactory(order__provider=world.of1, order__region=world.region_a)
    funding = EnrolmentFunding.objects.create(
        enrolment=enrolment, payer=Payer.INDIVIDUAL, amount=Decimal("1")
    )

    def tenant(key):
        m = world.memberships[key]
        return Tenant.from_membership(m)

    visible = {key: list(EnrolmentFunding.objects.for_tenant(tenant(key))) for key in world.memberships}
    ours = {funding, world.objects["funding"]}  # the world's own co-funding, on OF 1's action too
    assert set(visible["of1_manager"]) == ours
    assert set(visible["region_a_officer"]) == ours
    assert visible["of2_manager"] == []
    assert visible["region_b_officer"] == []
    assert list(EnrolmentFunding.objects.for_tenant(None)) == []


# --- Trainee.name_key on every write path --------------------------------------------------------


def _trainee(org, last, first="Léa"):
    import datetime as dt

    return Trainee(
        organisation=org,
        civility="mme",
        last_name=last,
        first_name=first,
        birth_date=dt.date(1990, 1, 1),
        entry_status="demandeur_emploi",
    )


def _keys(org):
    return dict(Trainee.objects.filter(organisation=org).values_list("last_name", "name_key"))


def test_name_key_filled_by_bulk_create_and_bulk_update():
    org = OrganisationFactory()
    Trainee.objects.bulk_create([_trainee(org, "Hélène-Dupré"), _trainee(org, "D'Arc", "Jeanne")])
    assert _keys(org) == {"Hélène-Dupré": "helene dupre|lea", "D'Arc": "d arc|jeanne"}
    trainee = Trainee.objects.get(organisation=org, last_name="D'Arc")
    trainee.last_name = "Élise"
    Trainee.objects.bulk_update([trainee], ["last_name"])  # name_key added to the fields
    assert _keys(org)["Élise"] == "elise|jeanne"


def test_name_key_filled_by_simple_history_bulk_paths():
    org = OrganisationFactory()
    bulk_create_with_history([_trainee(org, "Çà-Là")], Trainee)
    assert _keys(org) == {"Çà-Là": "ca la|lea"}
    assert Trainee.history.filter(name_key="ca la|lea").count() == 1
    trainee = Trainee.objects.get(organisation=org)
    trainee.first_name = "Zoé"
    bulk_update_with_history([trainee], Trainee, ["first_name"])
    assert _keys(org) == {"Çà-Là": "ca la|zoe"}


def test_name_key_follows_a_queryset_update_and_can_be_refreshed():
    org = OrganisationFactory()
    trainee = _trainee(org, "Durand")
    trainee.save()
    Trainee.objects.filter(pk=trainee.pk).update(last_name="Dupré")
    assert _keys(org) == {"Dupré": "dupre|lea"}
    # a raw write (SQL, another tool) leaves the key stale: refresh_name_keys() repairs it
    Trainee.objects.filter(pk=trainee.pk).update(name_key="")
    assert Trainee.objects.filter(organisation=org).refresh_name_keys() == 1
    assert _keys(org) == {"Dupré": "dupre|lea"}
    assert Trainee.objects.filter(organisation=org).refresh_name_keys() == 0

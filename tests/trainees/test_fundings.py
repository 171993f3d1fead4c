"""Issue #7: co-fundings (cofinancements) of an enrolment — the service's French refusals and the
enrolment page's « Cofinancements » section (OF only, read-only for the Région, nothing changed on
a refusal, a repeated POST harmless)."""

import html
from decimal import Decimal

import pytest
from django.urls import reverse

from formarche.orders.models import Order, OrderStatus
from formarche.trainees import services
from formarche.trainees.models import Enrolment, EnrolmentFunding, Payer
from tests.factories import EnrolmentFactory
from tests.world import MARKER

pytestmark = pytest.mark.django_db

STATES = {OrderStatus.CLOSED: "L'action est fermée : ", OrderStatus.ARCHIVED: "L'action est archivée : "}


@pytest.fixture
def enrolment():
    return EnrolmentFactory(payer=Payer.REGION, planned_hours=Decimal("100"))


def _add(enrolment, **kw):
    values = {"payer": Payer.INDIVIDUAL, "amount": Decimal("300")}
    values.update(kw)
    return services.enrolment_funding_add(enrolment=enrolment, **values)


def _state(enrolment):
    return list(
        EnrolmentFunding.objects.filter(enrolment=enrolment).values()
    ), EnrolmentFunding.history.count()


# --- the service ----------------------------------------------------------------------------------


def test_add_a_flat_amount_and_an_hourly_rate(enrolment):
    own = _add(enrolment, label="  Reste à charge CPF ")
    cpf = _add(enrolment, payer=Payer.CPF, amount=None, hourly_rate=Decimal("1.5"))
    assert own.label == "Reste à charge CPF" and own.amount == Decimal("300")
    assert cpf.hourly_rate == Decimal("1.5") and cpf.amount is None
    assert [f.payer for f in enrolment.fundings.order_by("pk")] == [Payer.INDIVIDUAL, Payer.CPF]


REFUSALS = {
    "amount zero": ({"amount": Decimal("0")}, "Le montant du cofinancement doit être supérieur à zéro."),
    "amount negative": ({"amount": Decimal("-5")}, "Le montant du cofinancement doit être supérieur à zéro."),
    "rate zero": (
        {"amount": None, "hourly_rate": Decimal("0")},
        "Le tarif horaire du cofinancement doit être supérieur à zéro.",
    ),
    "neither": (
        {"amount": None},
        "Indiquez le montant forfaitaire ou le tarif horaire du cofinancement.",
    ),
    "both": (
        {"hourly_rate": Decimal("2")},
        "Indiquez soit un montant forfaitaire, soit un tarif horaire, pas les deux.",
    ),
    "cents": (
        {"amount": Decimal("10.005")},
        "Le montant du cofinancement s'écrit en euros et centimes (deux décimales au plus).",
    ),
    "unknown payer": ({"payer": "c99"}, "Cofinanceur inconnu."),
    "no payer": ({"payer": ""}, "Choisissez le cofinanceur."),
    "principal payer": (
        {"payer": Payer.REGION},
        "« Conseils régionaux » est déjà le financeur principal de cette inscription : un cofinancement "
        "vient d'un autre financeur.",
    ),
    "label too long": ({"label": "x" * 121}, "Le libellé du cofinancement ne dépasse pas 120 caractères."),
}


@pytest.mark.parametrize("case", list(REFUSALS))
def test_add_refused_in_french_and_nothing_changed(enrolment, case):
    values, message = REFUSALS[case]
    before = _state(enrolment)
    with pytest.raises(services.TraineeError) as info:
        _add(enrolment, **values)
    assert info.value.message == message
    assert _state(enrolment) == before


def test_the_same_payer_twice_is_refused(enrolment):
    _add(enrolment)
    before = _state(enrolment)
    with pytest.raises(services.TraineeError) as info:
        _add(enrolment, amount=Decimal("50"))
    assert info.value.message == (
        "« Personnes à titre individuel et à leurs frais » cofinance déjà cette inscription : supprimez "
        "ce cofinancement pour le remplacer."
    )
    assert _state(enrolment) == before


def test_a_flat_amount_needs_planned_hours(enrolment):
    Enrolment.objects.filter(pk=enrolment.pk).update(planned_hours=0)
    with pytest.raises(services.TraineeError, match="réparti au prorata des heures prévues"):
        _add(enrolment)
    assert _add(enrolment, amount=None, hourly_rate=Decimal("2")).hourly_rate == Decimal("2")


def test_the_principal_payer_cannot_become_a_co_funder_nor_lose_its_planned_hours(enrolment):
    _add(enrolment)
    with pytest.raises(services.TraineeError, match="cofinance déjà cette inscription"):
        services.enrolment_update(
            enrolment=enrolment, entry_date=enrolment.entry_date, planned_hours=Decimal("100"), payer="c9"
        )
    with pytest.raises(services.TraineeError, match="les heures prévues ne peuvent pas être nulles"):
        services.enrolment_update(
            enrolment=enrolment, entry_date=enrolment.entry_date, planned_hours=Decimal("0"), payer="c6"
        )
    updated = services.enrolment_update(
        enrolment=enrolment, entry_date=enrolment.entry_date, planned_hours=Decimal("120"), payer="c5"
    )
    assert (updated.payer, updated.planned_hours) == ("c5", Decimal("120"))


@pytest.mark.parametrize("status", list(STATES))
def test_add_and_delete_refused_on_a_closed_or_archived_action(enrolment, status):
    funding = _add(enrolment)
    Order.objects.filter(pk=enrolment.order_id).update(status=status)
    before = _state(enrolment)
    for write in (
        lambda: _add(enrolment, payer=Payer.CPF),
        lambda: services.enrolment_funding_delete(funding=funding),
    ):
        with pytest.raises(services.TraineeError) as info:
            write()
        assert info.value.message == STATES[status] + "les cofinancements ne sont plus modifiables."
        assert _state(enrolment) == before


def test_delete_twice_is_harmless(enrolment):
    funding = _add(enrolment)
    assert services.enrolment_funding_delete(funding=funding) is True
    assert services.enrolment_funding_delete(funding=funding) is False
    assert not enrolment.fundings.exists()


# --- the pages ------------------------------------------------------------------------------------


def _urls(world):
    order, enrolment = world.objects["order"], world.objects["enrolment"]
    kw = {"order_id": order.pk, "enrolment_id": enrolment.pk}
    return (
        reverse("trainees:enrolment_edit", kwargs=kw),
        reverse("trainees:enrolment_funding_add", kwargs=kw),
        reverse(
            "trainees:enrolment_funding_delete", kwargs={**kw, "funding_id": world.objects["funding"].pk}
        ),
    )


def _post(amount="", rate="", payer="c2e", label=""):
    return {
        "cofinancement-payer": payer,
        "cofinancement-amount": amount,
        "cofinancement-hourly_rate": rate,
        "cofinancement-label": label,
    }


@pytest.mark.parametrize("role", ["of1_staff", "of1_manager"])
def test_of_members_see_add_and_delete(world, login, role):
    client = login(world.users[role])
    page, add, delete = _urls(world)
    body = html.unescape(client.get(page).content.decode())
    assert 'id="cofinancements"' in body
    assert f"Reste à charge {MARKER}" in body and "300,00 € HT forfaitaires" in body
    # every field of the add form has its label
    for name in ("payer", "amount", "hourly_rate", "label"):
        assert f'<label class="form-label" for="id_cofinancement-{name}">' in body
    assert f'action="{delete}"' in body and f'action="{add}"' in body
    response = client.post(add, _post(rate="1,25", label="Abondement CPF"))
    assert response.status_code == 302 and response["Location"].endswith("#cofinancements")
    funding = EnrolmentFunding.objects.get(payer="c2e")
    assert (funding.hourly_rate, funding.label) == (Decimal("1.25"), "Abondement CPF")
    body = html.unescape(client.get(page).content.decode())
    assert "1,25 € HT par heure" in body


def test_form_errors_in_french_and_nothing_saved(world, login):
    client = login(world.users["of1_staff"])
    _, add, _ = _urls(world)
    count = EnrolmentFunding.objects.count()
    for data, message in [
        (_post(amount="0"), "Le montant du cofinancement doit être supérieur à zéro."),
        (
            _post(amount="100", rate="2"),
            "Indiquez soit un montant forfaitaire, soit un tarif horaire, pas les deux.",
        ),
        (_post(), "Indiquez le montant forfaitaire ou le tarif horaire du cofinancement."),
        (_post(payer="", amount="10"), "Choisissez le cofinanceur."),
        (_post(amount="abc"), "Saisissez un nombre."),
    ]:
        response = client.post(add, data)
        assert response.status_code == 200
        assert message in html.unescape(response.content.decode()), data
    assert EnrolmentFunding.objects.count() == count


def test_a_double_post_adds_once_and_deletes_once(world, login):
    client = login(world.users["of1_manager"])
    page, add, delete = _urls(world)
    assert client.post(add, _post(amount="120,50")).status_code == 302
    response = client.post(add, _post(amount="120,50"))
    assert response.status_code == 200
    assert "cofinance déjà cette inscription" in html.unescape(response.content.decode())
    assert EnrolmentFunding.objects.filter(payer="c2e").count() == 1
    response = client.post(delete, follow=True)
    assert "supprimé" in html.unescape(response.content.decode())
    response = client.post(delete, follow=True)
    assert response.status_code == 200
    assert "Ce cofinancement a déjà été supprimé." in html.unescape(response.content.decode())
    assert not EnrolmentFunding.objects.filter(pk=world.objects["funding"].pk).exists()


@pytest.mark.parametrize("status", list(STATES))
def test_closed_or_archived_action_shows_no_form_and_refuses(world, login, status):
    client = login(world.users["of1_manager"])
    page, add, delete = _urls(world)
    Order.objects.filter(pk=world.objects["order"].pk).update(status=status)
    body = html.unescape(client.get(page).content.decode())
    assert STATES[status] + "les cofinancements ne sont plus modifiables." in body
    assert f'action="{add}"' not in body and f'action="{delete}"' not in body
    count = EnrolmentFunding.objects.count()
    response = client.post(add, _post(amount="10"))
    assert STATES[status] + "les cofinancements ne sont plus modifiables." in html.unescape(
        response.content.decode()
    )
    response = client.post(delete, follow=True)
    assert STATES[status] + "les cofinancements ne sont plus modifiables." in html.unescape(
        response.content.decode()
    )
    assert EnrolmentFunding.objects.count() == count


def test_region_sees_co_fundings_read_only(world, login):
    client = login(world.users["region_a_officer"])
    page, add, delete = _urls(world)
    order, trainee = world.objects["order"], world.objects["trainee"]
    for url in (
        reverse("trainees:action_trainees", kwargs={"order_id": order.pk}),
        reverse("trainees:trainee_detail", kwargs={"trainee_id": trainee.pk}),
    ):
        body = html.unescape(client.get(url).content.decode())
        assert (
            "cofinancement Personnes à titre individuel et à leurs frais : 300,00 € HT forfaitaires" in body
        )
        assert f"Reste à charge {MARKER}" in body
        assert "Supprimer" not in body
    assert client.get(page).status_code == 403
    count = EnrolmentFunding.objects.count()
    assert client.post(add, _post(amount="10")).status_code == 403
    assert client.post(delete).status_code == 403
    assert EnrolmentFunding.objects.count() == count


def test_another_of_gets_404_and_changes_nothing(world, login):
    client = login(world.users["of2_manager"])
    _, add, delete = _urls(world)
    count = EnrolmentFunding.objects.count()
    assert client.post(add, _post(amount="10")).status_code == 404
    assert client.post(delete).status_code == 404
    assert EnrolmentFunding.objects.count() == count
    # nor through its own action: the enrolment must belong to the order in the URL
    other = EnrolmentFactory(order=world.objects["of2_order"])
    url = reverse(
        "trainees:enrolment_funding_delete",
        kwargs={
            "order_id": other.order_id,
            "enrolment_id": other.pk,
            "funding_id": world.objects["funding"].pk,
        },
    )
    response = client.post(url, follow=True)
    assert "déjà été supprimé" in html.unescape(response.content.decode())
    assert EnrolmentFunding.objects.count() == count


def test_get_on_the_write_urls_is_not_allowed(world, login):
    client = login(world.users["of1_manager"])
    _, add, delete = _urls(world)
    assert client.get(add).status_code == 405
    assert client.get(delete).status_code == 405


def test_action_list_query_count_constant_with_co_fundings(world, login, django_assert_max_num_queries):
    order = world.objects["order"]
    client = login(world.users["of1_staff"])
    url = reverse("trainees:action_trainees", kwargs={"order_id": order.pk})
    client.get(url)
    with django_assert_max_num_queries(30) as before:
        client.get(url)
    for e in EnrolmentFactory.create_batch(5, order=order, planned_hours=Decimal("100")):
        services.enrolment_funding_add(enrolment=e, payer="c9", amount=Decimal("10"))
        services.enrolment_funding_add(enrolment=e, payer="c2e", hourly_rate=Decimal("1"))
    with django_assert_max_num_queries(len(before.captured_queries)):
        body = html.unescape(client.get(url).content.decode())
    assert body.count("+ cofinancement") == 11

"""Pénalités / Bonus: the Région (officer or manager) adds and removes line items with a reason
until the solde is issued; the OF reads them; other organisations see nothing."""

import html
from decimal import Decimal

import pytest
from django.urls import reverse

from formarche.billing import services
from formarche.billing.models import Adjustment, AdjustmentKind

pytestmark = pytest.mark.django_db
D = Decimal


def text(response) -> str:
    return html.unescape(response.content.decode()).replace("\u202f", " ")


@pytest.fixture
def order(world):
    return world.objects["order"]


def page_url(order):
    return reverse("billing:penalties", kwargs={"order_id": order.pk})


def add_url(order):
    return reverse("billing:penalty_add", kwargs={"order_id": order.pk})


ITEM = {
    "kind": "bonus",
    "label": "Insertion au-delà des objectifs",
    "amount": "300.00",
    "reason": "8 CDI sur 10.",
}


@pytest.mark.parametrize("role", ["region_a_officer", "region_a_manager"])
def test_region_officers_and_managers_add_and_remove(client, world, order, role):
    client.force_login(world.users[role])
    response = client.post(add_url(order), ITEM, follow=True)
    assert "Bonus « Insertion au-delà des objectifs » enregistré(e)." in text(response)
    item = Adjustment.objects.get(order=order, kind=AdjustmentKind.BONUS)
    assert (item.amount, item.reason, item.created_by) == (D("300.00"), "8 CDI sur 10.", world.users[role])
    page = text(client.get(page_url(order)))
    assert "Insertion au-delà des objectifs" in page and "+300,00" in page and "Effet sur le solde" in page
    remove = reverse("billing:penalty_remove", kwargs={"order_id": order.pk, "penalty_id": item.pk})
    assert "supprimé(e)" in text(client.post(remove, follow=True))
    assert not Adjustment.objects.filter(pk=item.pk).exists()
    assert item.history.filter(history_type="-", history_user=world.users[role]).exists()


def test_the_of_reads_but_cannot_write(client, world, order):
    penalty = world.objects["penalty"]
    client.force_login(world.users["of1_manager"])
    page = text(client.get(page_url(order)))
    assert penalty.label in page and penalty.reason in page and "Ajouter une pénalité" not in page
    assert client.post(add_url(order), ITEM).status_code == 403
    remove = reverse("billing:penalty_remove", kwargs={"order_id": order.pk, "penalty_id": penalty.pk})
    assert client.post(remove).status_code == 403
    assert Adjustment.objects.filter(order=order).count() == 1


def test_another_region_gets_404(client, world, order):
    client.force_login(world.users["region_b_officer"])
    assert client.get(page_url(order)).status_code == 404
    assert client.post(add_url(order), ITEM).status_code == 404
    assert Adjustment.objects.filter(order=order).count() == 1


@pytest.mark.parametrize(
    "change, message",
    [
        ({"reason": ""}, "Ce champ est obligatoire"),
        ({"amount": "0"}, "supérieure ou égale à 0.01"),
        ({"amount": "-5"}, "supérieure ou égale à 0.01"),
        ({"label": " "}, "Ce champ est obligatoire"),
        ({"kind": "remise"}, "Sélectionnez un choix valide"),
    ],
)
def test_bad_input_is_refused_and_changes_nothing(client, world, order, change, message):
    client.force_login(world.users["region_a_officer"])
    response = client.post(add_url(order), {**ITEM, **change})
    assert response.status_code == 400 and message in text(response)
    assert Adjustment.objects.filter(order=order).count() == 1


def test_service_refusals(world, order):
    officer = world.users["region_a_officer"]
    for kwargs, message in [
        ({"reason": "  "}, "motif"),
        ({"amount": D("0")}, "positif"),
        ({"amount": D("1.234")}, "centimes"),
        ({"kind": "autre"}, "pénalité ou bonus"),
    ]:
        values = {"kind": "penalite", "label": "Retard", "amount": D("10.00"), "reason": "Retard.", **kwargs}
        with pytest.raises(services.BillingError, match=message):
            services.adjustment_add(order=order, user=officer, **values)


def test_query_count_does_not_grow(client, world, order, django_assert_max_num_queries):
    client.force_login(world.users["region_a_officer"])
    with django_assert_max_num_queries(25) as few:
        client.get(page_url(order))
    for index in range(8):
        services.adjustment_add(
            order=order,
            user=world.users["region_a_officer"],
            kind="penalite",
            label=f"P{index}",
            amount=D("1.00"),
            reason="Motif.",
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(page_url(order))

"""The demo world's avenant (issue #18, ADR 0020): avenant n° 1 of order 23Q05322133_1 is on
the action's page for the Région and the OF, and on the statements from March 2024."""

import html
from decimal import Decimal

import pytest
from django.test import override_settings
from django.urls import reverse

from formarche.accounts.demo import build_demo_world
from formarche.billing.demo_amend import populate_amend
from formarche.orders.demo import AUDE_ORDER
from formarche.orders.models import Amendment, Order

pytestmark = pytest.mark.django_db
D = Decimal


def text(response):
    return html.unescape(response.content.decode()).replace("\u202f", " ")


@override_settings(DEBUG=True)
def test_the_demo_avenant_is_on_screen(client):
    world = build_demo_world()
    order = Order.objects.get(number=AUDE_ORDER)
    amendment = Amendment.objects.get(order=order)
    assert (amendment.number, amendment.amount_before, amendment.amount_after) == (
        1,
        D("42480.00"),
        D("47200.00"),
    )
    assert (order.amount, order.contracted_hours, order.duration_months) == (D("47200.00"), D("4000.00"), 14)
    # idempotent
    assert populate_amend(world) is None and Amendment.objects.filter(order=order).count() == 1

    detail = reverse("orders:action_detail", kwargs={"order_id": order.pk})
    for email in ("region@demo.formarche.fr", "of@demo.formarche.fr"):
        assert client.login(username=email, password="demo-formarche")
        page = text(client.get(detail))
        assert "Avenant n° 1" in page and "01/03/2024" in page
        assert "3 600,00 h → 4 000,00 h" in page
        assert "47 200,00 €" in page  # the current terms
        client.logout()

    assert client.login(username="of@demo.formarche.fr", password="demo-formarche")
    statement = lambda period: text(  # noqa: E731
        client.get(reverse("billing:statement", kwargs={"order_id": order.pk, "period": period}))
    )
    assert "Avenants appliqués" in statement("2024-03")
    assert "Avenants appliqués" not in statement("2024-02")

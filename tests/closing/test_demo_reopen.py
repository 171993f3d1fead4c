"""The demo world (issue #18): order 23Q09120777_1 was closed, reopened by the Région with its
reason, corrected (one day 7 → 3,5 h) and closed again; its solde, annulled by the reopening, was
issued again 43,75 € lower (3,5 h × 12,50 €)."""

import html
from decimal import Decimal

import pytest
from django.test import override_settings
from django.urls import reverse

from formarche.accounts.demo import build_demo_world
from formarche.billing.models import Invoice, InvoiceStatus, Solde
from formarche.closing.demo_reopen import REASON, REOPEN_ORDER
from formarche.closing.models import Reopening
from formarche.orders.models import Order, OrderStatus

pytestmark = pytest.mark.django_db
D = Decimal


def text(response) -> str:
    return html.unescape(response.content.decode()).replace("\u202f", " ")


@override_settings(DEBUG=True)
def test_the_demo_reopened_action_is_on_screen(client):
    world = build_demo_world()
    order = Order.objects.get(number=REOPEN_ORDER)
    assert order.status == OrderStatus.CLOSED
    reopening = Reopening.objects.get(order=order)
    assert reopening.solde_voided and reopening.reclosed_at is not None
    solde = Solde.objects.get(order=order)
    invoices = list(Invoice.objects.filter(solde=solde).order_by("sequence"))
    assert [i.status for i in invoices] == [InvoiceStatus.REJECTED, InvoiceStatus.ISSUED]
    assert invoices[0].payable_ttc - invoices[1].payable_ttc == D("43.75")
    assert solde.as_engine().correction_hours == D("-3.50") and not solde.is_voided
    for user in (world.users["region"], world.users["of2"]):
        client.force_login(user)
        page = text(client.get(reverse("closing:close", kwargs={"order_id": order.pk})))
        assert "Rouverte par la Région le" in page and REASON in page and "Fermée de nouveau le" in page
        solde_page = text(client.get(reverse("billing:solde", kwargs={"order_id": order.pk})))
        assert "dont rectificatif après le CRE final" in solde_page
        assert "−3,50" in solde_page or "-3,50" in solde_page
    build_demo_world()  # idempotent
    assert Reopening.objects.filter(order=order).count() == 1
    assert Invoice.objects.filter(solde=solde).count() == 2

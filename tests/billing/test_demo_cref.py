"""The demo world (issue #6, item 8): order 23Q00030612_1 ends closed, with its April 2023 CRE
final validated and its invoice issued, reading exactly as the seed."""

import html
from decimal import Decimal

import pytest
from django.test import override_settings
from django.urls import reverse

from formarche.accounts.demo import build_demo_world
from formarche.billing.demo import finalise_seed_order
from formarche.billing.models import Invoice, InvoiceStatus, Payment, Period
from formarche.orders.demo import SEED_ORDER
from formarche.orders.models import Order, OrderStatus

pytestmark = pytest.mark.django_db
D = Decimal


@override_settings(DEBUG=True)
def test_the_demo_cref_reads_as_the_seed(client):
    world = build_demo_world()
    order = Order.objects.get(number=SEED_ORDER)
    assert order.status == OrderStatus.CLOSED
    assert Payment.objects.get(order=order, kind="avance").amount == D("11564.00")
    march, april = Period.objects.filter(order=order).order_by("month")
    assert not march.is_final and april.is_final
    st = april.statement
    assert st.kind == "CRE final"
    assert (st.billable, st.cap_regulation, st.advance_repayment, st.total_ttc, st.already_paid) == (
        D("35400.00"),
        D("-8755.60"),
        D("-6198.93"),
        D("20445.47"),
        D("25810.53"),
    )
    invoice = Invoice.objects.get(period=april)
    assert (invoice.support, invoice.status, invoice.billed_ht, invoice.payable_ttc) == (
        "CRE final",
        InvoiceStatus.ISSUED,
        D("35400.00"),
        D("20445.47"),
    )
    assert invoice.issue_date.isoformat() == "2023-08-08"
    # Idempotent.
    assert finalise_seed_order(world).pk == invoice.pk
    assert Invoice.objects.filter(order=order).count() == 2

    assert client.login(username="of@demo.formarche.fr", password="demo-formarche")
    page = html.unescape(
        client.get(
            reverse("billing:statement", kwargs={"order_id": order.pk, "period": "2023-04"})
        ).content.decode()
    ).replace("\u202f", " ")
    assert "Compte-rendu d'exécution final" in page
    for figure in ["35 400,00", "-8 755,60", "-6 198,93", "20 445,47", "25 810,53"]:
        assert figure in page, figure

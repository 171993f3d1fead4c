"""The demo world's group order (ADR 0018): 23Q08120377_1, IN2045 mandataire (60 %) and IN1331
co-traitant (40 %), September 2023 validated, each member's invoice issued — on screen for the
Région and both OFs, each OF seeing only its own part."""

import html
from decimal import Decimal

import pytest
from django.test import override_settings

from formarche.accounts.demo import build_demo_world
from formarche.billing.models import Invoice, MemberStatement
from formarche.orders.demo_group import GROUP_ORDER
from formarche.orders.models import Order

pytestmark = pytest.mark.django_db


def _text(response):
    """The page's text, thin spaces of the amounts as plain spaces (« 4 320,00 »)."""
    assert response.status_code == 200
    return html.unescape(response.content.decode()).replace("\u202f", " ").replace("\xa0", " ")


D = Decimal


@override_settings(DEBUG=True)
def test_the_demo_group_order_is_on_screen(client):
    world = build_demo_world()
    order = Order.objects.get(number=GROUP_ORDER)
    rows = {
        r.member.organisation.provider_code: r for r in MemberStatement.objects.filter(period__order=order)
    }
    assert (rows["IN2045"].billable, rows["IN2045"].total_ht) == (D("4320.00"), D("2880.00"))
    assert (rows["IN1331"].billable, rows["IN1331"].total_ht) == (D("2880.00"), D("1920.00"))
    invoices = {i.organisation.provider_code: i for i in Invoice.objects.filter(order=order)}
    assert list(invoices) == ["IN2045"] and invoices["IN2045"].payable_ttc == D("2880.00")
    url = f"/actions/{order.pk}/groupement/"

    client.force_login(world.users["region"])
    page = _text(client.get(url))
    assert "Part de" in page and "4 320,00" in page and "2 880,00" in page and "4 800,00" in page
    assert "IN1331" in page and "IN2045" in page

    client.force_login(world.users["of1"])
    page = _text(client.get(url))
    assert "Emettre la facture" in page and "1 920,00" in page
    september = MemberStatement.objects.filter(period__order=order).first().period
    client.post(f"/actions/{order.pk}/groupement/{september.month:%Y-%m}/emettre/")
    own = Invoice.objects.get(order=order, organisation=world.of1)
    assert own.payable_ttc == D("1920.00")
    page = _text(client.get(url))
    assert (
        own.number in page
        and invoices["IN2045"].number not in page
        or own.number == invoices["IN2045"].number
    )
    assert "4 320,00" not in page  # the mandataire's billed amount is not the co-traitant's to see
    # its own trainees only
    trainees = _text(client.get(f"/actions/{order.pk}/stagiaires/"))
    own = [str(e.trainee) for e in order.enrolments.filter(trainee__organisation=world.of1)]
    others = [str(e.trainee) for e in order.enrolments.filter(trainee__organisation=world.of2)]
    assert len(own) == 4 and all(name in trainees for name in own)
    assert [name for name in others if name not in own and name in trainees] == []
    assert [name for name in others if name not in own]  # the check above is not vacuous

    client.force_login(world.users["of2"])
    page = _text(client.get(url))
    assert "4 320,00" in page and "1 920,00" in page  # the mandataire reads the whole group
    # a second build changes nothing
    build_demo_world()
    assert Invoice.objects.filter(order=order).count() == 2  # the demo's and the co-traitant's

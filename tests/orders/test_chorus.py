"""The Chorus Pro fields of an order (issue #19, point 2): set by the Région's users on the
action's page, read by the others, carried on the Factur-X (BT-23, BT-13, BT-10, BT-49)."""

import pytest
from django.urls import reverse
from lxml import etree

from formarche.billing.facturx import build_facturx_xml
from formarche.orders import services
from formarche.orders.models import OrderStatus
from tests.billing.test_facturx import seed_document

pytestmark = pytest.mark.django_db
NS = {
    "rsm": "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100",
    "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
}
GOOD = {"billing_frame": "A1", "commitment_number": "1300045678", "service_code": "FORMATION-PRO"}


def _url(order):
    return reverse("orders:chorus", kwargs={"order_id": order.pk})


@pytest.mark.parametrize("who", ["region_a_manager", "region_a_officer"])
def test_the_region_sets_the_chorus_fields(login, world, who):
    order = world.objects["order"]
    client = login(world.users[who])
    assert '<form method="post"' in client.get(_url(order)).content.decode()
    assert client.post(_url(order), GOOD).status_code == 302
    order.refresh_from_db()
    assert (order.chorus_billing_frame, order.chorus_commitment_number, order.chorus_service_code) == (
        "A1",
        "1300045678",
        "FORMATION-PRO",
    )
    assert order.history.first().history_user == world.users[who]
    page = client.get(reverse("orders:action_detail", kwargs={"order_id": order.pk})).content.decode()
    assert "1300045678" in page and "FORMATION-PRO" in page


def test_a_second_identical_post_changes_nothing(login, world):
    order = world.objects["order"]
    client = login(world.users["region_a_manager"])
    client.post(_url(order), GOOD)
    versions = order.history.count()
    assert client.post(_url(order), GOOD).status_code == 302
    assert order.history.count() == versions


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("billing_frame", "A7", "Sélectionnez un choix valide"),
        ("commitment_number", "EJ<script>", "lettres, chiffres, espaces"),
        ("service_code", "X" * 101, "au plus 100 caractères"),
    ],
)
def test_bad_input_is_refused_in_french_and_changes_nothing(login, world, field, value, message):
    order = world.objects["order"]
    client = login(world.users["region_a_manager"])
    response = client.post(_url(order), {**GOOD, field: value})
    assert response.status_code == 200
    assert message in response.content.decode()
    order.refresh_from_db()
    assert (order.chorus_billing_frame, order.chorus_commitment_number, order.chorus_service_code) == (
        "",
        "",
        "",
    )


@pytest.mark.parametrize("who", ["of1_manager", "of1_staff"])
def test_others_read_and_cannot_write(login, world, who):
    order = world.objects["order"]
    services.order_chorus_update(order=order, **GOOD)
    client = login(world.users[who])
    page = client.get(_url(order))
    assert page.status_code == 200
    assert '<form method="post" class="col-lg-8"' not in page.content.decode()
    assert "FORMATION-PRO" in page.content.decode()
    assert client.post(_url(order), {**GOOD, "service_code": "AUTRE"}).status_code == 403
    order.refresh_from_db()
    assert order.chorus_service_code == "FORMATION-PRO"


@pytest.mark.parametrize("who", ["region_b_officer", "of2_manager"])
def test_another_organisation_gets_404(login, world, who):
    assert login(world.users[who]).get(_url(world.objects["order"])).status_code == 404


def test_an_archived_action_refuses(world):
    order = world.objects["order"]
    order.status = OrderStatus.ARCHIVED
    order.save()
    with pytest.raises(services.OrderError, match="archivée"):
        services.order_chorus_update(order=order, **GOOD)


def test_the_facturx_carries_the_fields_or_falls_back_to_the_order_number():
    def values(xml):
        root = etree.fromstring(xml)

        def one(path):
            return root.xpath(f"string({path})", namespaces=NS)

        return (
            one("//rsm:ExchangedDocumentContext/ram:BusinessProcessSpecifiedDocumentContextParameter/ram:ID"),
            one("//ram:ApplicableHeaderTradeAgreement/ram:BuyerOrderReferencedDocument/ram:IssuerAssignedID"),
            one("//ram:ApplicableHeaderTradeAgreement/ram:BuyerReference"),
            one("//ram:BuyerTradeParty/ram:URIUniversalCommunication/ram:URIID"),
        )

    plain = values(build_facturx_xml(seed_document()))
    assert plain == ("", "23Q00030612_1", "", "20005379100014")
    chorus = build_facturx_xml(
        seed_document(
            billing_frame="A1", purchase_order_reference="1300045678", buyer_reference="FORMATION-PRO"
        )
    )
    assert values(chorus) == ("A1", "1300045678", "FORMATION-PRO", "20005379100014")


def test_the_demo_order_shows_its_chorus_pro_fields(client):
    from formarche.orders.demo import SEED_ORDER
    from tests.browser.worlds import demo_world

    with demo_world() as demo:
        order = demo.orders[SEED_ORDER]
        client.force_login(demo.users["region"])
        page = client.get(reverse("orders:action_detail", kwargs={"order_id": order.pk})).content.decode()
        assert "1300045678" in page and "FORMATION-PRO" in page and "cadre A1" in page
        chorus = client.get(_url(order)).content.decode()
        assert 'value="FORMATION-PRO"' in chorus

"""Orders: services, forms' French errors, pages and their tenancy, query counts, home blocks."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from formarche.accounts.tenancy import Tenant
from formarche.orders import selectors, services
from formarche.orders.forms import OpeningForm, OrderCreateForm
from formarche.orders.models import Order, OrderStatus
from tests.factories import AttendanceFactory, EnrolmentFactory, LotFactory, OrderFactory
from tests.world import MARKER

pytestmark = pytest.mark.django_db


def tenant_of(world, key):
    return Tenant.from_membership(world.memberships[key])


OPENING = {
    "actual_start": "13/03/2023",
    "place": "Lycée agricole, Albi",
    "certification_type": "rncp",
    "certification_code": "rncp38233",
    "certification_level": "3",
    "nsf_code": "210",
    "training_kind": "formation",
    "distance_part": "on",
}


# --- the realisation rate ---------------------------------------------------------------------


def test_realisation_rate_reproduces_the_seed(world):
    order = world.objects["order"]  # 57 820 € at 11,80 €/h; already 7 h from the world
    enrolment = world.objects["enrolment"]
    AttendanceFactory(
        enrolment=enrolment, day=dt.date(2023, 4, 1), realised_hours=Decimal("4655"), kind="mois"
    )
    annotated = selectors.orders_with_hours(tenant_of(world, "of1_staff")).get(pk=order.pk)
    assert annotated.cumulative_hours == Decimal("4662.00")
    assert round(annotated.realisation_rate, 2) == Decimal("95.14")
    assert Order.objects.get(pk=order.pk).realisation_rate == annotated.realisation_rate  # one query fallback


def test_counted_unrealised_hours_count(world):
    AttendanceFactory(
        enrolment=world.objects["enrolment"],
        day=dt.date(2023, 3, 8),
        realised_hours=Decimal("0"),
        counted_unrealised_hours=Decimal("3.5"),
        unrealised_reason="maladie",
    )
    order = selectors.orders_with_hours(tenant_of(world, "region_a_officer")).get(
        pk=world.objects["order"].pk
    )
    assert order.cumulative_hours == Decimal("10.50")


# --- services ----------------------------------------------------------------------------------


def test_order_open_sets_opened_at_once_and_normalises(world):
    order = world.objects["order"]
    user = world.users["of1_staff"]
    data = dict(
        actual_start=dt.date(2023, 3, 13),
        place="Albi",
        certification_type="rncp",
        certification_code="rncp38233",
        certification_level="3",
        nsf_code="210",
        training_kind="formation",
        distance_part=True,
    )
    opened = services.order_open(order=order, by=user, **data)
    assert opened.opened_at is not None and opened.certification_code == "RNCP38233"
    first = opened.opened_at
    again = services.order_open(order=order, by=user, **{**data, "place": "Castres"})
    assert again.opened_at == first and again.place == "Castres"
    assert again.history.first().history_user == user


@pytest.mark.parametrize(
    "kind, code, message",
    [
        ("rncp", "RS1234", "RNCP suivi de chiffres"),
        ("rs", "RNCP12345", "RS suivi de chiffres"),
        ("rs", "", "RS suivi de chiffres"),
        ("aucune", "RNCP12345", "n'est attendu que"),
    ],
)
def test_order_open_checks_the_certification_code(world, kind, code, message):
    with pytest.raises(services.OrderError, match=message):
        services.order_open(
            order=world.objects["order"],
            actual_start=dt.date(2023, 3, 13),
            place="Albi",
            certification_type=kind,
            certification_code=code,
        )


def test_order_open_refused_on_closed_order(world):
    order = world.objects["order"]
    Order.objects.filter(pk=order.pk).update(status=OrderStatus.CLOSED)
    with pytest.raises(services.OrderError, match="L.action est fermée : son ouverture"):
        services.order_open(
            order=order, actual_start=dt.date(2023, 3, 13), place="Albi", certification_type="cqp"
        )
    assert Order.objects.get(pk=order.pk).opened_at is None


def _create_kwargs(world, **overrides):
    order = world.objects["order"]
    kwargs = dict(
        region=world.region_a,
        number="23Q99999999_1",
        title="Nouvelle action",
        lot=order.lot,
        dispositif=order.dispositif,
        provider=world.of1,
        unit_price=Decimal("11.80"),
        amount=Decimal("11800"),
        planned_start=dt.date(2024, 1, 8),
        planned_end=dt.date(2024, 6, 28),
        duration_months=6,
        referent=world.users["region_a_officer"],
        components=[("C1", "Remise à niveau"), ("C2", "Plateau technique")],
    )
    kwargs.update(overrides)
    return kwargs


def test_order_create_with_components(world):
    order = services.order_create(**_create_kwargs(world))
    assert order.contracted_hours == Decimal("1000.00")
    assert list(order.components.values_list("code", flat=True)) == ["C1", "C2"]


@pytest.mark.parametrize(
    "override, message",
    [
        ("foreign_lot", "lot n'appartient pas"),
        ("foreign_dispositif", "dispositif n'appartient pas"),
        ("region_as_provider", "organisme de formation"),
        ("foreign_referent", "référent doit être"),
        ("existing_number", "existe déjà"),
        ("bad_dates", "précède"),
    ],
)
def test_order_create_refusals(world, override, message):
    b_order = world.objects["region_b_order"]
    overrides = {
        "foreign_lot": {"lot": b_order.lot},
        "foreign_dispositif": {"dispositif": b_order.dispositif},
        "region_as_provider": {"provider": world.region_b},
        "foreign_referent": {"referent": world.users["region_b_officer"]},
        "existing_number": {"number": world.objects["order"].number},
        "bad_dates": {"planned_end": dt.date(2023, 1, 1)},
    }[override]
    before = Order.objects.count()
    with pytest.raises(services.OrderError, match=message):
        services.order_create(**_create_kwargs(world, **overrides))
    assert Order.objects.count() == before


def test_parse_components():
    assert services.parse_components("C1 - Remise à niveau\n\nPlateau technique\n") == [
        ("C1", "Remise à niveau"),
        ("C2", "Plateau technique"),
    ]
    with pytest.raises(services.OrderError, match="en double"):
        services.parse_components("C1 - a\nC1 - b")


def test_dispositif_create_checks_the_bands(world):
    with pytest.raises(services.OrderError, match="Tranche 1"):
        services.dispositif_create(
            region=world.region_a,
            code="x",
            name="X",
            advance_rate=Decimal("0.3"),
            cap_rate=None,
            resorption_bands=[["a", "b"]],
        )


# --- forms: French errors -----------------------------------------------------------------------


def test_opening_form_french_errors():
    form = OpeningForm(
        {**OPENING, "certification_code": "RS12", "nsf_code": "999", "actual_start": "2023-13-45"}
    )
    assert not form.is_valid()
    assert "RNCP suivi de chiffres" in form.errors["certification_code"][0]
    assert "Sélectionnez un choix valide" in form.errors["nsf_code"][0]
    assert "date valide" in form.errors["actual_start"][0]
    assert OpeningForm(OPENING).is_valid()


def test_order_create_form_decimal_and_scoping(world):
    tenant = tenant_of(world, "region_a_manager")
    order = world.objects["order"]
    data = {
        "number": "23Q1_1",
        "title": "Action",
        "lot": order.lot.pk,
        "dispositif": order.dispositif.pk,
        "provider": world.of1.provider_code.lower(),
        "provider_role": "titulaire",
        "unit_price": "11,80",
        "amount": "57 820,00",
        "planned_start": "13/03/2023",
        "planned_end": "2024-09-12",
        "duration_months": "18",
    }
    form = OrderCreateForm(data, tenant=tenant)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["unit_price"] == Decimal("11.80") and form.cleaned_data["provider"] == world.of1
    bad = OrderCreateForm(
        {
            **data,
            "unit_price": "0",
            "amount": "abc",
            "provider": "IN0000",
            "lot": world.objects["region_b_order"].lot.pk,
        },
        tenant=tenant,
    )
    assert not bad.is_valid()
    assert bad.errors["unit_price"] == ["Le prix unitaire « 0 » doit être positif"]
    assert "n'est pas un nombre" in bad.errors["amount"][0]
    assert "Aucun organisme de formation" in bad.errors["provider"][0]
    assert "Sélectionnez un choix valide" in bad.errors["lot"][0]


# --- pages ----------------------------------------------------------------------------------------


def test_of_opens_its_action(login, world):
    order = world.objects["order"]
    client = login(world.users["of1_staff"])
    url = reverse("orders:opening", kwargs={"order_id": order.pk})
    assert client.get(url).status_code == 200
    response = client.post(url, OPENING)
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.opened_at and order.nsf_code == "210" and order.distance_part


def test_of_opening_form_error_changes_nothing(login, world):
    order = world.objects["order"]
    client = login(world.users["of1_staff"])
    response = client.post(
        reverse("orders:opening", kwargs={"order_id": order.pk}), {**OPENING, "certification_code": "12345"}
    )
    assert response.status_code == 200
    assert "RNCP suivi de chiffres" in response.content.decode()
    order.refresh_from_db()
    assert order.opened_at is None


def test_region_sees_opening_read_only(login, world):
    order = world.objects["order"]
    client = login(world.users["region_a_officer"])
    url = reverse("orders:opening", kwargs={"order_id": order.pk})
    response = client.get(url)
    assert (
        response.status_code == 200
        and '<form method="post" class="col-lg-8"' not in response.content.decode()
    )
    assert client.post(url, OPENING).status_code == 403
    order.refresh_from_db()
    assert order.opened_at is None


def test_action_detail(login, world):
    order = world.objects["order"]
    response = login(world.users["region_a_officer"]).get(
        reverse("orders:action_detail", kwargs={"order_id": order.pk})
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "4\u202f900,00" in body and f"Composante {MARKER}" in body and "0,14\u202f%" in body


def test_action_list_scoping_and_filters(login, world):
    client = login(world.users["of2_manager"])
    body = client.get(reverse("orders:action_list")).content.decode()
    assert world.objects["of2_order"].number in body and world.objects["order"].number not in body
    client = login(world.users["region_a_officer"])
    body = client.get(reverse("orders:action_list")).content.decode()
    assert world.objects["order"].number in body and world.objects["of2_order"].number in body
    assert world.objects["region_b_order"].number not in body
    body = client.get(reverse("orders:action_list"), {"provider": world.of2.pk}).content.decode()
    assert world.objects["of2_order"].number in body and world.objects["order"].number not in body
    body = client.get(
        reverse("orders:action_list"), {"q": world.objects["order"].number[-5:]}
    ).content.decode()
    assert world.objects["order"].number in body and world.objects["of2_order"].number not in body
    body = client.get(reverse("orders:action_list"), {"status": "fermee"}).content.decode()
    assert "Aucune action" in body


def _add_orders(world, count):
    for _ in range(count):
        order = OrderFactory(
            region=world.region_a,
            provider=world.of1,
            lot=world.objects["order"].lot,
            dispositif=world.objects["order"].dispositif,
        )
        AttendanceFactory(enrolment=EnrolmentFactory(order=order))


@pytest.mark.parametrize("role", ["of1_staff", "region_a_officer"])
def test_action_list_query_count_does_not_grow(login, world, role, django_assert_num_queries):
    client = login(world.users[role])
    url = reverse("orders:action_list")
    client.get(url)  # warm caches (content types, sessions)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    _add_orders(world, 12)
    with django_assert_num_queries(len(small.captured_queries)):
        response = client.get(url)
    assert response.status_code == 200
    assert response.content.decode().count("/ouverture/") == 0  # rows link to the summary only


def test_region_creates_an_order_by_form(login, world):
    client = login(world.users["region_a_officer"])
    order = world.objects["order"]
    data = {
        "number": "23Q00099999_1",
        "title": "Action créée",
        "lot": order.lot.pk,
        "dispositif": order.dispositif.pk,
        "provider": world.of2.provider_code,
        "provider_role": "cotraitant",
        "unit_price": "12",
        "amount": "1200",
        "planned_start": "2024-01-08",
        "planned_end": "2024-03-29",
        "duration_months": "3",
        "referent": world.users["region_a_officer"].pk,
        "components": "Socle\nPratique",
    }
    response = client.post(reverse("orders:order_create"), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    created = Order.objects.get(number="23Q00099999_1")
    assert (
        created.region == world.region_a and created.provider == world.of2 and created.components.count() == 2
    )
    # OF users cannot reach the page
    assert login(world.users["of1_manager"]).get(reverse("orders:order_create")).status_code == 403


def test_region_manager_sets_up_market_lot_dispositif(login, world):
    client = login(world.users["region_a_manager"])
    assert (
        client.post(reverse("orders:market_create"), {"reference": "M-2024", "title": "PRF 2024"}).status_code
        == 302
    )
    from formarche.orders.models import Dispositif, Market

    market = Market.objects.get(reference="M-2024")
    response = client.post(
        reverse("orders:lot_create"),
        {
            "market": market.pk,
            "number": "7",
            "sector": "BTP",
            "trade_family": "GROS OEUVRE",
            "territory": "GERS",
            "pricing_unit": "HSTA",
        },
    )
    assert response.status_code == 302 and market.lots.get().number == 7
    response = client.post(
        reverse("orders:dispositif_create"),
        {
            "code": "cp",
            "name": "Compétences Plus",
            "advance_rate": "30",
            "cap_rate": "80",
            "vat_rate": "0",
            "resorption_bands": "10 ; 20 ; 1/3\n30;40;2/3\n50;60;1",
        },
    )
    assert response.status_code == 302
    dispositif = Dispositif.objects.get(region=world.region_a, code="cp")
    assert dispositif.advance_rate == Decimal("0.30") and dispositif.cap_rate == Decimal("0.80")
    assert dispositif.resorption_bands[0] == ["10", "20", "1/3"]
    body = client.get(reverse("orders:setup")).content.decode()
    assert "30,00\u202f%" in body and "Lot 7 - BTP" in body
    # officers read, managers create
    officer = login(world.users["region_a_officer"])
    assert officer.get(reverse("orders:market_create")).status_code == 403


def test_region_b_cannot_use_region_a_market(login, world):
    from formarche.orders.models import Lot

    client = login(world.users["region_b_officer"])
    assert client.get(reverse("orders:lot_create")).status_code == 403  # officers do not create lots
    lot = LotFactory(market__region=world.region_b)
    assert Lot.objects.filter(market__region=world.region_b).count() >= 1 and lot.pk


# --- home blocks ------------------------------------------------------------------------------------


def test_home_blocks(login, world):
    body = login(world.users["of1_staff"]).get(reverse("ui:home")).content.decode()
    assert "Mes actions ouvertes" in body and world.objects["order"].number in body
    Order.objects.filter(pk=world.objects["of2_order"].pk).update(referent=world.users["region_a_officer"])
    body = login(world.users["region_a_officer"]).get(reverse("ui:home")).content.decode()
    assert "Commandes suivies" in body and "<strong>vous</strong>" in body
    assert world.objects["region_b_order"].number not in body

"""Avenants through the services and the pages (ADR 0020), and the advance check (table of cases)."""

import datetime as dt
import html
from decimal import Decimal

import pytest
from django.urls import reverse

from formarche.accounts.models import Membership, Role, User
from formarche.billing import engine, services
from formarche.billing.models import Payment, PaymentKind, Period, Statement
from formarche.orders.models import Amendment, Order, OrderStatus
from formarche.orders.terms import order_terms
from formarche.utils.formatting import format_amount
from tests.billing.closing_helpers import close_order
from tests.billing.workflow import APRIL, MARCH, seed_order, validate
from tests.factories import DispositifFactory, OrganisationFactory

D = Decimal
pytestmark = pytest.mark.django_db


@pytest.fixture
def actors():
    region = OrganisationFactory(region=True, name="Région Occitanie")
    provider = OrganisationFactory(name="Formations Agricoles du Tarn", provider_code="IN1331")
    region_user = User.objects.create(email="referent@region.fr", first_name="Sophie", last_name="Durand")
    Membership.objects.create(user=region_user, organisation=region, role=Role.REGION_MANAGER)
    of_user = User.objects.create(email="of@organisme.fr", first_name="Claire", last_name="Martin")
    Membership.objects.create(user=of_user, organisation=provider, role=Role.OF_MANAGER)
    return {"region": region, "provider": provider, "of_user": of_user, "region_user": region_user}


@pytest.fixture
def order(actors):
    return seed_order(region=actors["region"], provider=actors["provider"], referent=actors["region_user"])


def amend(order, user, **kwargs):
    values = {"effective_date": dt.date(2023, 4, 10), "reason": "Hausse des effectifs (avenant signé)."}
    values.update(kwargs)
    return services.amendment_create(order=order, user=user, **values)


def frozen(order, month):
    return Statement.objects.get(period__order=order, period__month=month).data


# --------------------------------------------------------------------------------------------
# Avenant mid-action
# --------------------------------------------------------------------------------------------


def test_avenant_mid_action_keeps_march_and_amends_april(order, actors):
    of_user, region_user = actors["of_user"], actors["region_user"]
    services.advance_record(order=order, user=region_user, date=dt.date(2023, 3, 24), amount=D("11564.00"))
    validate(order, MARCH, of_user)
    march_before = frozen(order, MARCH)

    amendment = amend(order, region_user, volume_hours=D("5500"))

    assert (amendment.number, amendment.amount_before, amendment.amount_after) == (
        1,
        D("57820.00"),
        D("64900.00"),
    )
    order.refresh_from_db()
    assert (order.amount, order.contracted_hours) == (D("64900.00"), D("5500.00"))
    april = validate(order, APRIL, of_user).statement.as_engine()
    # March is frozen, and the engine reproduces it on the initial terms
    assert frozen(order, MARCH) == march_before
    periods = [p.engine_input() for p in Period.objects.filter(order=order).order_by("month")]
    recomputed = engine.compute_statements(order_terms(order), periods)
    assert Statement.objects.get(period__month=MARCH, period__order=order).as_engine() == recomputed[0]
    assert recomputed[1] == april
    # April on the amended terms: r = 55 011,60 / 64 900 = 84,76 %, plafond 0,8 × 64 900 = 51 920,00,
    # régulation −(55 011,60 − 51 920,00) = −3 091,60; advance fully resorbed (−6 198,93);
    # total 35 400,00 − 3 091,60 − 6 198,93 = 26 109,47; déjà versé 11 564 + 14 246,53 = 25 810,53
    assert (april.realisation_rate, april.cap_amount, april.cap_regulation) == (
        D("84.76"),
        D("51920.00"),
        D("-3091.60"),
    )
    assert (april.advance, april.advance_repayment, april.total_ht, april.already_paid) == (
        D("11564.00"),
        D("-6198.93"),
        D("26109.47"),
        D("25810.53"),
    )


def test_avenant_is_audited_with_its_author(order, actors):
    amendment = amend(order, actors["region_user"], unit_price=D("12.50"))
    assert amendment.history.get().history_user == actors["region_user"]
    latest = Order.history.filter(id=order.pk).latest("history_date")
    assert latest.history_user == actors["region_user"]
    assert latest.history_change_reason.startswith("Avenant n° 1")
    # a price alone keeps the volume: 4 900 h × 12,50 = 61 250,00
    assert (amendment.unit_price_after, amendment.amount_after) == (D("12.50"), D("61250.00"))
    assert [label for label, *_ in amendment.changes()] == ["montant HT", "prix unitaire HT"]


def test_avenants_are_numbered_in_date_order(order, actors):
    user = actors["region_user"]
    first = amend(order, user, planned_end=dt.date(2024, 10, 31), duration_months=20)
    second = amend(order, user, effective_date=dt.date(2023, 5, 2), amount=D("60000.00"))
    assert (first.number, second.number) == (1, 2)
    assert [a.number for a in Amendment.objects.filter(order=order)] == [1, 2]
    terms = order_terms(order)
    assert [a.from_period for a in terms.amendments] == [APRIL, dt.date(2023, 5, 1)]
    assert (terms.amount, terms.current.amount) == (D("57820.00"), D("60000.00"))
    with pytest.raises(services.BillingError, match="L'avenant n° 2 prend effet le 02/05/2023"):
        amend(order, user, effective_date=dt.date(2023, 4, 20), amount=D("61000.00"))


REFUSALS = [
    (
        {"effective_date": dt.date(2023, 3, 20), "amount": D("60000.00")},
        "La période Mars 2023 est déjà validée",
    ),
    ({"effective_date": dt.date(2023, 3, 20), "amount": D("60000.00")}, "à partir du 01/04/2023"),
    ({"amount": D("60000.00"), "reason": "  "}, "Indiquez le motif de l'avenant."),
    ({"amount": D("57820.00")}, "L'avenant ne change rien"),
    ({"amount": D("60000.00"), "volume_hours": D("5000")}, "pas les deux"),
    ({"amount": D("15000.00")}, "inférieur au montant déjà facturé sur les relevés validés (19"),
    ({"amount": D("-1.00")}, "Nouveau montant HT : un nombre positif est attendu."),
    ({"unit_price": D("12.12345")}, "4 décimales au plus"),
    ({"planned_end": dt.date(2022, 12, 31)}, "précède le début de l'action"),
    ({"effective_date": dt.date(2023, 2, 1), "amount": D("60000.00")}, "précède le début de l'action"),
]


@pytest.mark.parametrize(("values", "message"), REFUSALS)
def test_refusals_in_french_change_nothing(order, actors, values, message):
    validate(order, MARCH, actors["of_user"])
    with pytest.raises(services.BillingError) as info:
        amend(order, actors["region_user"], **values)
    assert message in str(info.value)
    order.refresh_from_db()
    assert (order.amount, order.unit_price, order.planned_end) == (
        D("57820.00"),
        D("11.80"),
        dt.date(2024, 8, 31),
    )
    assert not Amendment.objects.exists()


def test_no_avenant_after_the_cref_nor_on_an_archived_action(order, actors):
    of_user, region_user = actors["of_user"], actors["region_user"]
    validate(order, MARCH, of_user)
    close_order(order, of_user=of_user, region_user=region_user)
    validate(order, APRIL, of_user, is_final=True)
    with pytest.raises(services.BillingError, match="Le CRE final est validé"):
        amend(order, region_user, effective_date=dt.date(2023, 5, 2), amount=D("60000.00"))
    Order.objects.filter(pk=order.pk).update(status=OrderStatus.ARCHIVED)
    with pytest.raises(services.BillingError, match="L'action est archivée"):
        amend(order, region_user, effective_date=dt.date(2023, 5, 2), amount=D("60000.00"))


def test_double_post_records_one_avenant(order, actors):
    amend(order, actors["region_user"], amount=D("60000.00"))
    with pytest.raises(services.BillingError, match="ne change rien"):
        amend(order, actors["region_user"], amount=D("60000.00"))
    assert Amendment.objects.count() == 1


# --------------------------------------------------------------------------------------------
# Pages
# --------------------------------------------------------------------------------------------


def test_region_passes_an_avenant_and_both_sides_see_it(order, actors, client):
    client.force_login(actors["region_user"])
    url = reverse("billing:amendment_create", kwargs={"order_id": order.pk})
    page = client.get(url)
    assert page.status_code == 200 and "Passer un avenant (n° 1)" in page.content.decode()
    response = client.post(
        url,
        {"effective_date": "2023-04-10", "volume_hours": "5500", "reason": "Hausse des effectifs."},
        follow=True,
    )
    body = response.content.decode()
    assert "Avenant n° 1 du 10/04/2023 (effet avril 2023)" in body
    assert "relevés à partir de" in body and "Hausse des effectifs." in body
    assert "64\u202f900,00" in body or "64 900,00" in body
    client.force_login(actors["of_user"])
    detail = client.get(reverse("orders:action_detail", kwargs={"order_id": order.pk})).content.decode()
    assert "Avenant n° 1" in detail and "Passer un avenant" not in detail
    assert client.get(url).status_code == 403


def test_form_refusal_is_shown_and_nothing_is_written(order, actors, client):
    validate(order, MARCH, actors["of_user"])
    client.force_login(actors["region_user"])
    url = reverse("billing:amendment_create", kwargs={"order_id": order.pk})
    response = client.post(url, {"effective_date": "2023-03-15", "amount": "60000", "reason": "x"})
    assert response.status_code == 200
    assert "La période Mars 2023 est déjà validée" in response.content.decode()
    assert not Amendment.objects.exists()


# --------------------------------------------------------------------------------------------
# The advance (ADR 0020): table of cases on the seed's order, expected advance 11 564,00 €
# --------------------------------------------------------------------------------------------

ADVANCE_REFUSED = "Rien n'a été enregistré."


@pytest.mark.parametrize(
    ("advance_paid", "when", "amount", "outcome", "march_total", "march_already_paid"),
    [
        # no advance recorded, order « avec avance »: the statement deducts it all the same
        (True, None, None, "none", "14246.53", "11564.00"),
        # exact, before the first CRE
        (True, "before", "11564.00", "recorded", "14246.53", "11564.00"),
        # partial / over: refused, the statement unchanged
        (True, "before", "5000.00", "est inférieur à", "14246.53", "11564.00"),
        (True, "before", "12000.00", "dépasse", "14246.53", "11564.00"),
        # late, after the first CRE computed with the advance: recorded, the frozen CRE agrees
        (True, "after", "11564.00", "recorded", "14246.53", "11564.00"),
        # order « sans avance »: no deduction, « déjà versé » 0
        (False, None, None, "none", "19611.60", "0.00"),
        # sans avance, paid before the first CRE: the order becomes « avec avance »
        (False, "before", "11564.00", "recorded", "14246.53", "11564.00"),
        # sans avance, paid after the first CRE computed without it: refused
        (False, "after", "11564.00", "ses relevés sont calculés ainsi depuis Mars 2023", "19611.60", "0.00"),
    ],
)
def test_advance_table(order, actors, advance_paid, when, amount, outcome, march_total, march_already_paid):
    of_user, region_user = actors["of_user"], actors["region_user"]
    Order.objects.filter(pk=order.pk).update(advance_paid=advance_paid)
    order.refresh_from_db()

    def record():
        return services.advance_record(
            order=order, user=region_user, date=dt.date(2023, 3, 24), amount=D(amount)
        )

    error = None
    if when == "before":
        try:
            record()
        except services.BillingError as exc:
            error = str(exc)
    march = validate(order, MARCH, of_user).statement.as_engine()
    if when == "after":
        try:
            record()
        except services.BillingError as exc:
            error = str(exc)
    recorded = Payment.objects.filter(order=order, kind=PaymentKind.ADVANCE)
    if outcome == "recorded":
        assert error is None
        assert recorded.get().amount == D("11564.00")
    elif outcome == "none":
        assert not recorded.exists()
    else:
        assert outcome in error and not recorded.exists()
        if "inférieur" in outcome or "dépasse" in outcome:
            assert f"{format_amount(D('11564.00'))} €" in error
            assert f"de la base de {format_amount(D('38546.67'))} €" in error
            assert ADVANCE_REFUSED in error
    assert (march.total_ht, march.already_paid) == (D(march_total), D(march_already_paid))
    assert march.advance == D(march_already_paid)


def test_advance_refused_when_the_dispositif_has_none(actors):
    dispositif = DispositifFactory(region=actors["region"], advance_rate=D("0"))
    order = seed_order(region=actors["region"], provider=actors["provider"])
    Order.objects.filter(pk=order.pk).update(dispositif=dispositif)
    order.refresh_from_db()
    with pytest.raises(services.BillingError, match="ne prévoit pas d'avance"):
        services.advance_record(
            order=order, user=actors["region_user"], date=dt.date(2023, 3, 24), amount=D("100.00")
        )


def test_advance_after_an_avenant_is_the_initial_terms(order, actors):
    amend(order, actors["region_user"], effective_date=dt.date(2023, 3, 1), volume_hours=D("8000"))
    # the advance stays 30 % × 57 820 × 12 / 18: the avenant does not change it
    with pytest.raises(services.BillingError, match="dépasse"):
        services.advance_record(
            order=order, user=actors["region_user"], date=dt.date(2023, 3, 24), amount=D("18880.00")
        )
    services.advance_record(
        order=order, user=actors["region_user"], date=dt.date(2023, 3, 24), amount=D("11564.00")
    )


def test_the_cref_lists_the_avenants_it_applies_and_march_none(order, actors, client):
    of_user, region_user = actors["of_user"], actors["region_user"]
    validate(order, MARCH, of_user)
    amend(order, region_user, volume_hours=D("5500"), planned_end=dt.date(2024, 10, 31))
    close_order(order, of_user=of_user, region_user=region_user)
    cref = validate(order, APRIL, of_user, is_final=True).statement.as_engine()
    assert cref.kind == engine.StatementKind.CREF and cref.cap_amount == D("51920.00")
    client.force_login(of_user)

    def page(month):
        url = reverse("billing:statement", kwargs={"order_id": order.pk, "period": month.strftime("%Y-%m")})
        return client.get(url).content.decode()

    april = page(APRIL)
    assert "Avenants appliqués" in april and "Avenant n° 1" in april
    assert "volume 4\u202f900,00 h → 5\u202f500,00 h" in april
    assert "date de fin prévisionnelle 31/08/2024 → 31/10/2024" in april
    assert "Avenants appliqués" not in page(MARCH)


def test_after_a_validated_period_the_change_request_points_to_the_avenant(order, actors):
    from formarche.closing.errors import ClosingError
    from formarche.closing.models import ChangeKind
    from formarche.closing.services.change_requests import change_request_create

    validate(order, MARCH, actors["of_user"])
    with pytest.raises(ClosingError, match="il passe un avenant"):
        change_request_create(
            order=order,
            kind=ChangeKind.VOLUME,
            new_values={"volume_hours": "5500"},
            reason="Plus de stagiaires.",
            by=actors["of_user"],
        )


def test_the_avenant_is_in_the_action_journal(order, actors, client):
    amend(order, actors["region_user"], amount=D("60000.00"))
    client.force_login(actors["region_user"])
    page = client.get(reverse("audit:order_journal", kwargs={"order_id": order.pk}))
    assert page.status_code == 200
    from formarche.accounts.tenancy import Tenant
    from formarche.audit.selectors import journal_rows

    membership = Membership.objects.get(user=actors["region_user"])
    tenant = Tenant(membership.pk, membership.organisation_id, membership.role, actors["region_user"].pk)
    kinds = {row["j_kind"] for row in journal_rows(tenant, order_id=order.pk)}
    assert "avenant" in kinds, kinds


def test_payments_tab_states_the_advance_rule_and_refuses_a_partial_one(order, actors, client):
    client.force_login(actors["region_user"])
    url = reverse("billing:payments", kwargs={"order_id": order.pk})
    assert "Elle s'enregistre en une fois, à ce montant exact" in html.unescape(
        client.get(url).content.decode()
    )
    response = client.post(
        reverse("billing:advance", kwargs={"order_id": order.pk}),
        {"date": "2023-03-24", "amount": "5000.00", "reference": "M-1"},
        follow=True,
    )
    assert "est inférieur à l'avance de cette action" in html.unescape(response.content.decode())
    assert not Payment.objects.filter(order=order).exists()
    Order.objects.filter(pk=order.pk).update(advance_paid=False)
    assert "Action sans avance" in client.get(url).content.decode()

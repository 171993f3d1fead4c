"""Groups (ADR 0018): the Région sets up the group, the mandataire validates the group's month,
each member's statement is frozen on its share, each member issues its own invoice."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from formarche.accounts.tenancy import Tenant
from formarche.billing import services
from formarche.billing.models import Invoice, InvoiceCounter, MemberStatement
from formarche.billing.services import BillingError
from formarche.orders.models import MemberRole, Order, OrderMember
from formarche.trainees.models import Enrolment
from tests.billing.group_helpers import COTRAITANT_NAME, MANDATAIRE_NAME, advance_paid, group_order
from tests.billing.workflow import APRIL, MARCH, validate

D = Decimal
pytestmark = pytest.mark.django_db


def test_group_set_up_gives_the_mandataire_the_rest(world):
    order = group_order(world)
    members = {m.organisation_id: m for m in OrderMember.objects.filter(order=order)}
    assert members[world.of1.pk].role == MemberRole.MANDATAIRE
    assert members[world.of1.pk].amount == D("34692.00")
    assert members[world.of2.pk].amount == D("23128.00")
    assert order.is_group


@pytest.mark.parametrize(
    ("amount", "message"),
    [("57820.00", "il ne reste rien au mandataire"), ("-5.00", "positive"), ("10.001", "centimes")],
)
def test_bad_shares_refused_nothing_changed(world, amount, message):
    order = group_order(world)
    with pytest.raises(BillingError, match=message):
        services.group_members_set(order=order, user=None, co_members=[(world.of2, D(amount))])
    assert OrderMember.objects.get(order=order, organisation=world.of2).amount == D("23128.00")


def test_mandataire_cannot_be_co_traitant_nor_twice(world):
    order = group_order(world)
    with pytest.raises(BillingError, match="déjà le mandataire"):
        services.group_members_set(order=order, user=None, co_members=[(world.of1, D("100.00"))])
    with pytest.raises(BillingError, match="deux fois"):
        services.group_members_set(
            order=order, user=None, co_members=[(world.of2, D("100.00")), (world.of2, D("100.00"))]
        )


def test_same_data_twice_writes_nothing(world):
    order = group_order(world)
    count = OrderMember.history.count()
    services.group_members_set(order=order, user=None, co_members=[(world.of2, D("23128.00"))])
    assert OrderMember.history.count() == count


def test_co_traitant_with_trainees_cannot_leave(world):
    order = group_order(world)
    with pytest.raises(BillingError, match="stagiaires inscrits"):
        services.group_members_set(order=order, user=None, co_members=[])


def _tenant(world, key):
    return Tenant.from_membership(world.memberships[key])


def test_each_member_reaches_the_order_and_only_its_own_trainees(world):
    order = group_order(world)
    of1, of2 = _tenant(world, "of1_manager"), _tenant(world, "of2_manager")
    assert Order.objects.for_tenant(of2).filter(pk=order.pk).exists()
    names_of2 = set(
        Enrolment.objects.for_tenant(of2).filter(order=order).values_list("trainee__last_name", flat=True)
    )
    names_of1 = set(
        Enrolment.objects.for_tenant(of1).filter(order=order).values_list("trainee__last_name", flat=True)
    )
    assert names_of2 == {f"{COTRAITANT_NAME}0", f"{COTRAITANT_NAME}1"}
    assert MANDATAIRE_NAME in names_of1 and not any(n.startswith(COTRAITANT_NAME) for n in names_of1)


def test_member_statements_and_own_invoices(world):
    order = group_order(world)
    advance_paid(order, world)
    march = validate(order, MARCH, world.users["of1_manager"])
    rows = {r.member.organisation_id: r for r in MemberStatement.objects.filter(period=march)}
    assert (rows[world.of1.pk].billable, rows[world.of1.pk].total_ht) == (D("11800.00"), D("8558.93"))
    assert (rows[world.of2.pk].billable, rows[world.of2.pk].total_ht) == (D("7811.60"), D("5687.60"))
    assert march.statement.total_ht == D("14246.53")  # the group's: the sum of the members'
    assert [line["provider"] for line in march.statement.data["providers"]] == [
        world.of1.provider_code or world.of1.name,
        world.of2.provider_code or world.of2.name,
    ]
    with pytest.raises(BillingError, match="groupement"):
        services.invoice_issue(period=march, user=world.users["of1_manager"])
    mine = services.invoice_member_issue(
        period=march, organisation=world.of1, user=world.users["of1_manager"], today=dt.date(2023, 4, 5)
    )
    theirs = services.invoice_member_issue(
        period=march, organisation=world.of2, user=world.users["of2_manager"], today=dt.date(2023, 4, 6)
    )
    assert (mine.payable_ht, theirs.payable_ht) == (D("8558.93"), D("5687.60"))
    assert (mine.organisation, theirs.organisation) == (world.of1, world.of2)
    # each in its own sequence: the number is the last of the issuer's own counter
    for invoice in (mine, theirs):
        counter = InvoiceCounter.objects.get(organisation=invoice.organisation, year=2023)
        assert invoice.number == f"2023-{counter.last_number:05d}"
    with pytest.raises(BillingError, match="déjà émise"):
        services.invoice_member_issue(period=march, organisation=world.of2, user=None)
    assert list(Invoice.objects.for_tenant(_tenant(world, "of2_manager")).filter(order=order)) == [theirs]


def test_cref_of_the_group_is_the_seed_figure(world):
    from tests.billing.closing_helpers import close_order

    order = group_order(world)
    advance_paid(order, world)
    validate(order, MARCH, world.users["of1_manager"])
    close_order(order, of_user=world.users["of1_manager"], region_user=world.users["region_a_officer"])
    april = validate(order, APRIL, world.users["of1_manager"], is_final=True)
    assert april.statement.total_ht == D("20445.47")
    rows = {r.member.organisation_id: r.total_ht for r in MemberStatement.objects.filter(period=april)}
    assert rows == {world.of1.pk: D("12256.27"), world.of2.pk: D("8189.20")}
    with pytest.raises(BillingError, match="groupement"):
        services.solde_issue(order=order, user=world.users["of1_manager"])


def test_group_frozen_once_a_period_is_validated(world):
    order = group_order(world)
    validate(order, MARCH, world.users["of1_manager"])
    with pytest.raises(BillingError, match="déjà validée"):
        services.group_members_set(order=order, user=None, co_members=[(world.of2, D("20000.00"))])


def test_group_page_region_sets_up_and_each_member_sees_its_part(world, client):
    from tests.factories import OrderFactory

    order = OrderFactory(
        region=world.region_a, provider=world.of1, amount=D("10000.00"), unit_price=D("10.00")
    )
    client.force_login(world.users["region_a_manager"])
    url = f"/actions/{order.pk}/groupement/"
    page = client.get(url)
    assert page.status_code == 200 and "Constituer le groupement" in page.content.decode()
    bad = client.post(url, {"cotraitant_1": str(world.of2.pk), "part_1": "10000.00"})
    assert "il ne reste rien au mandataire" in bad.content.decode() or bad.status_code == 302
    assert not OrderMember.objects.filter(order=order).exists()
    done = client.post(url, {"cotraitant_1": str(world.of2.pk), "part_1": "4000.00"}, follow=True)
    assert [str(m) for m in done.context["messages"]] == ["Le groupement de l'action est enregistré."]
    assert OrderMember.objects.get(order=order, organisation=world.of2).amount == D("4000.00")
    assert OrderMember.objects.get(order=order, organisation=world.of1).amount == D("6000.00")
    client.force_login(world.users["of2_manager"])
    page = client.get(url).content.decode()
    assert f"Part de {world.of2}" in page and f"Part de {world.of1}" not in page
    assert "Constituer le groupement" not in page
    assert client.get(f"/actions/{order.pk}/facturation/").status_code == 403
    client.force_login(world.users["of1_manager"])
    page = client.get(url).content.decode()
    assert f"Part de {world.of2}" in page and f"Part de {world.of1}" in page


def test_api_reads_the_members_and_each_member_its_own_enrolments(world):
    from tests.api.tokens import api_client

    order = group_order(world)
    client = api_client(world, "of2_manager")  # a token with every scope of the OF (ADR 0022)
    data = client.get(f"/api/orders/{order.pk}/").json()
    assert [(m["role"], m["amount"]) for m in data["members"]] == [
        ("cotraitant", "23128.00"),
        ("mandataire", "34692.00"),
    ]
    enrolments = client.get("/api/enrolments/", {"order": order.pk}).json()["results"]
    ids = {e["id"] for e in enrolments}
    assert ids == set(
        Enrolment.objects.filter(order=order, trainee__organisation=world.of2).values_list("pk", flat=True)
    )


def test_a_co_traitant_enrols_its_own_trainees_only(world):
    from formarche.trainees.services import TraineeError, enrolment_create
    from tests.factories import OrganisationFactory, TraineeFactory

    order = group_order(world)
    own = TraineeFactory(organisation=world.of2, last_name="Nouvelle")
    enrolment = enrolment_create(
        order=order, trainee=own, planned_hours=D("100"), confirm_over_headcount=True
    )
    assert enrolment.order_id == order.pk
    stranger = TraineeFactory(organisation=OrganisationFactory(name="Organisme Tiers"))
    with pytest.raises(TraineeError, match="registre"):
        enrolment_create(order=order, trainee=stranger, planned_hours=D("100"), confirm_over_headcount=True)


def test_member_statements_hours_and_payments_scoped_per_member(world):
    from formarche.attendance.models import Attendance
    from formarche.billing.models import Payment

    order = group_order(world)
    advance_paid(order, world)
    march = validate(order, MARCH, world.users["of1_manager"])
    invoice = services.invoice_member_issue(
        period=march, organisation=world.of2, user=world.users["of2_manager"], today=dt.date(2023, 4, 6)
    )
    of1, of2 = _tenant(world, "of1_manager"), _tenant(world, "of2_manager")
    own = MemberStatement.objects.for_tenant(of2).filter(period=march)
    assert [r.member.organisation_id for r in own] == [world.of2.pk]
    assert MemberStatement.objects.for_tenant(of1).filter(period=march).count() == 2  # the mandataire
    assert not Attendance.objects.for_tenant(of2).filter(enrolment__trainee__organisation=world.of1).exists()
    assert Attendance.objects.for_tenant(of2).filter(enrolment__order=order).exists()
    assert not Attendance.objects.for_tenant(of1).filter(enrolment__trainee__organisation=world.of2).exists()
    # the advance (no invoice) is the mandataire's; the co-traitant sees no payment of the order yet
    assert Payment.objects.for_tenant(of1).filter(order=order).exists()
    assert not Payment.objects.for_tenant(of2).filter(order=order).exists()
    assert list(Invoice.objects.for_tenant(of1).filter(order=order)) == []
    assert list(Invoice.objects.for_tenant(of2).filter(order=order)) == [invoice]


def test_preview_of_a_group_month_is_the_group_statement(world):
    from formarche.billing import selectors

    order = group_order(world)
    preview, hours = selectors.statement_preview(order, MARCH)
    assert hours.total == D("1662.00")
    assert preview.total_ht == D("14246.53")
    assert [line.provider for line in preview.providers] == [
        world.of1.provider_code or world.of1.name,
        world.of2.provider_code or world.of2.name,
    ]


def test_the_co_traitant_s_menu_leaves_out_what_only_the_mandataire_reaches(world, client):
    """Validation / Facturation, Pénalités and VSF / Solde answer 403 to a co-traitant: its menu
    does not offer them (its invoices are on « Groupement »); the mandataire's menu keeps them."""
    order = group_order(world)
    urls = {
        name: reverse(name, kwargs={"order_id": order.pk})
        for name in ("billing:validations", "billing:penalties", "billing:solde", "billing:group")
    }
    client.force_login(world.users["of2_manager"])
    page = client.get(f"/actions/{order.pk}/").content.decode()
    assert urls["billing:group"] in page
    for name in ("billing:validations", "billing:penalties", "billing:solde"):
        assert f'href="{urls[name]}"' not in page, name
    client.force_login(world.users["of1_manager"])
    page = client.get(f"/actions/{order.pk}/").content.decode()
    for name in ("billing:validations", "billing:penalties", "billing:solde"):
        assert f'href="{urls[name]}"' in page, name

"""The Journal (issue #17, point 3): history on the models in scope, scoped pages, filters, CSV."""

import csv
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from formarche.accounts.models import Membership, Role
from formarche.audit.selectors import journal_rows
from formarche.orders.models import Component
from formarche.signing.models import Signature
from tests.factories import ComponentFactory, MembershipFactory

JOURNAL = "/journal/"


def _kinds(client, url, **params):
    response = client.get(url, params)
    assert response.status_code == 200
    return response, [(e.kind, e.object_id) for e in response.context["entries"]]


@pytest.mark.django_db
def test_history_is_kept_on_roles_terms_and_signatures(world):
    membership = world.memberships["of1_staff"]
    membership.role = Role.OF_MANAGER
    membership.save()
    assert [h.role for h in membership.history.order_by("history_id")] == [Role.OF_STAFF, Role.OF_MANAGER]
    component = world.objects["component"]
    assert component.history.count() == 1
    for model in ("Market", "Lot"):
        lot = world.objects["order"].lot
        obj = lot if model == "Lot" else lot.market
        assert obj.history.count() == 1
    signature = world.objects["signature"]
    record = signature.history.get()
    assert record.image_sha256 == signature.image_sha256 and not hasattr(record, "image")
    assert world.users["of1_staff"].history.exists()
    assert "password" not in {f.name for f in world.users["of1_staff"].history.model._meta.fields}


@pytest.mark.django_db
def test_of_manager_reads_its_organisation_and_actions(client, world):
    client.force_login(world.users["of1_manager"])
    response, kinds = _kinds(client, JOURNAL)
    assert ("penalite", world.objects["penalty"].pk) in kinds
    assert ("facture", world.objects["invoice"].pk) in kinds
    assert ("membre", world.memberships["of1_staff"].pk) in kinds
    assert ("import", world.objects["import_job"].pk) in kinds
    body = response.content.decode()
    assert "0000000000" in body and "heures-" in body  # the file and its fingerprint
    assert world.objects["of2_order"].pk not in {e.order.pk for e in response.context["entries"] if e.order}


@pytest.mark.django_db
def test_foreign_organisations_read_nothing_of_of1(client, world):
    of1_orders = {world.objects["order"].pk}
    for role in ("of2_manager", "region_b_officer"):
        client.force_login(world.users[role])
        response, kinds = _kinds(client, JOURNAL)
        assert not of1_orders & {e.order.pk for e in response.context["entries"] if e.order}, role
        assert ("membre", world.memberships["of1_staff"].pk) not in kinds
        assert ("import", world.objects["import_job"].pk) not in kinds
        url = reverse("audit:order_journal", args=[world.objects["order"].pk])
        assert client.get(url).status_code == 404


@pytest.mark.django_db
def test_region_officer_reads_the_orders_it_follows(client, world):
    client.force_login(world.users["region_a_officer"])
    url = reverse("audit:order_journal", args=[world.objects["order"].pk])
    response, kinds = _kinds(client, url)
    assert ("penalite", world.objects["penalty"].pk) in kinds
    assert ("signature", world.objects["signature"].pk) in kinds
    assert all(e.order.pk == world.objects["order"].pk for e in response.context["entries"] if e.order)
    assert "import" not in {k for k, _ in kinds}


@pytest.mark.django_db
def test_of_staff_may_not_read_the_journal(client, world):
    client.force_login(world.users["of1_staff"])
    assert client.get(JOURNAL).status_code == 403


@pytest.mark.django_db
def test_filters_kind_action_user_and_period(client, world):
    client.force_login(world.users["of1_manager"])
    _, kinds = _kinds(client, JOURNAL, kind="penalite")
    assert kinds == [("penalite", world.objects["penalty"].pk)]
    _, kinds = _kinds(client, JOURNAL, action="i")
    assert kinds == [("import", world.objects["import_job"].pk)]
    _, kinds = _kinds(client, JOURNAL, date_from="2000-01-01", date_to="2000-12-31")
    assert kinds == []
    Component.objects.filter(pk=world.objects["component"].pk).first().save()
    _, kinds = _kinds(client, JOURNAL, kind="composante", action="~")
    assert kinds == [("composante", world.objects["component"].pk)]


@pytest.mark.django_db
def test_csv_export(client, world):
    client.force_login(world.users["of1_manager"])
    response = client.get(JOURNAL, {"export": "csv", "kind": "import"})
    assert response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert rows[0][:4] == ["Date", "Utilisateur", "Opération", "Type d'objet"]
    assert len(rows) == 2 and rows[1][2] == "Import" and rows[1][7] == "0" * 64 and rows[1][8] == "1"


@pytest.mark.django_db
def test_a_page_costs_the_same_queries_whatever_the_entries(client, world):
    client.force_login(world.users["of1_manager"])

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(JOURNAL).status_code == 200
        return len(ctx.captured_queries)

    before = count()
    order = world.objects["order"]
    for i in range(8):
        ComponentFactory(order=order, code=f"JRN{i}", label=f"Composante {i}")
        MembershipFactory(organisation=world.of1, role=Role.OF_STAFF)
    assert count() == before


@pytest.mark.django_db
def test_rows_are_newest_first(world):
    from formarche.accounts.tenancy import Tenant

    tenant = Tenant.from_membership(world.memberships["of1_manager"])
    dates = [r["j_date"] for r in journal_rows(tenant)]
    assert dates == sorted(dates, reverse=True) and len(dates) > 10
    assert Membership.history.model.objects.exists() and Signature.history.model.objects.exists()


@pytest.mark.django_db
def test_logging_in_writes_no_user_history(client, world):
    user = world.users["of1_staff"]
    before = user.history.count()
    client.force_login(user)
    user.refresh_from_db()
    assert user.last_login is not None
    assert user.history.count() == before

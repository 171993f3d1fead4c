"""The application through PgBouncer in transaction mode (scripts/cluster/pgbouncer.sh), PostgreSQL only.

Every connection of these tests — the test's own and each thread's — goes through the pooler, as
with DATABASE_POOLER=pgbouncer: no server-side cursor, no prepared statement, no session state.
The concurrency scenarios of tests/billing/test_concurrency.py run through it: invoice numbers
stay without gap or repeat when server connections are shared between transactions.
"""

import psycopg
import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from formarche.accounts.models import Membership, Role, User
from formarche.billing import services
from formarche.billing.models import Invoice, InvoiceCounter
from tests.billing.test_concurrency import run_together
from tests.billing.workflow import APRIL, MARCH, seed_order, validate
from tests.database.cluster import cluster_env, point_alias, require
from tests.factories import OrganisationFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def admin(host, port, command):
    """A command of PgBouncer's admin console (SHOW POOLS, KILL db, RESUME db)."""
    with psycopg.connect(host=host, port=port, dbname="pgbouncer", user="postgres", autocommit=True) as conn:
        cursor = conn.execute(command)
        return cursor.fetchall() if cursor.description else []


@pytest.fixture
def pooled():
    host, port = require(cluster_env(), "DATABASE_URL")
    if port == int(connection.settings_dict["PORT"]):
        pytest.skip(
            "DATABASE_URL du cluster vise le primaire, pas PgBouncer : lancez scripts/cluster/pgbouncer.sh up"
        )
    name = connection.settings_dict["NAME"]
    restore = point_alias("default", host, port, DISABLE_SERVER_SIDE_CURSORS=True)
    yield host, port, name
    restore()
    # PgBouncer keeps its server connections to the test database: drop them, or the database
    # could not be dropped at the end of the run.
    admin(host, port, f"KILL {name}")
    admin(host, port, f"RESUME {name}")


@pytest.fixture
def setup(pooled):
    provider = OrganisationFactory(name="Organisme Regroupeur")
    user = User.objects.create(email="of@regroupeur.fr")
    Membership.objects.create(user=user, organisation=provider, role=Role.OF_MANAGER)
    order = seed_order(region=OrganisationFactory(region=True), provider=provider)
    return order, user


def test_the_connections_go_through_pgbouncer_in_transaction_mode(pooled):
    host, port, name = pooled
    with connection.cursor() as cursor:
        for _ in range(10):  # psycopg would prepare a query run 5 times unless prepare_threshold is None
            cursor.execute("SELECT count(*) FROM accounts_user WHERE email = %s", ["x@y.fr"])
    assert connection.connection.prepare_threshold is None
    assert connection.settings_dict["PORT"] == port
    pools = {row[0]: row for row in admin(host, port, "SHOW POOLS")}
    assert name in pools and pools[name][-1] == "transaction", pools


def test_server_side_cursors_are_off_and_iteration_still_works(setup):
    order, _ = setup
    assert connection.settings_dict["DISABLE_SERVER_SIDE_CURSORS"] is True
    ids = [e.pk for e in order.enrolments.order_by("pk").iterator(chunk_size=1)]
    assert len(ids) == 2


def test_concurrent_issuing_of_two_periods_numbers_them_without_gap_or_duplicate(setup):
    order, user = setup
    march, april = validate(order, MARCH, user), validate(order, APRIL, user)
    results = run_together(
        [
            lambda: services.invoice_issue(period=march, user=user),
            lambda: services.invoice_issue(period=april, user=user),
        ]
    )
    assert all(isinstance(r, Invoice) for r in results), results
    assert sorted(Invoice.objects.values_list("sequence", flat=True)) == [1, 2]
    assert InvoiceCounter.objects.get().last_number == 2


def test_six_concurrent_issuings_of_one_period_give_one_invoice(setup):
    order, user = setup
    march = validate(order, MARCH, user)
    results = run_together([lambda: services.invoice_issue(period=march, user=user)] * 6)
    issued = [r for r in results if isinstance(r, Invoice)]
    refused = [r for r in results if isinstance(r, services.BillingError)]
    assert len(issued) == 1 and len(refused) == 5, results
    assert InvoiceCounter.objects.get().last_number == 1


def test_concurrent_validations_of_one_month_validate_it_once(setup):
    order, user = setup
    results = run_together([lambda: validate(order, MARCH, user)] * 4)
    refused = [r for r in results if isinstance(r, Exception)]
    assert len(refused) == 3, results
    assert order.periods.filter(month=MARCH).count() == 1


def test_a_double_click_through_the_pooler_issues_one_invoice(setup):
    order, user = setup
    validate(order, MARCH, user)
    url = reverse("billing:issue", kwargs={"order_id": order.pk, "period": "2023-03"})

    def post():
        client = Client()
        client.force_login(user)
        return client.post(url).status_code

    assert run_together([post, post]) == [302, 302]
    assert Invoice.objects.count() == 1

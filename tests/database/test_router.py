"""The read-replica router (formarche/utils/dbrouter.py), on the normal suite's database.

The test settings give a `replica` alias that mirrors the test database (same data, its own
connection), with DATABASE_REPLICA_READS off; these tests turn it on and count, alias by alias,
which connection each report reads. They commit (transaction=True): the replica's connection sees
only committed rows, as a real replica would. The real streaming replica is exercised by
tests/database/test_cluster_replica.py.
"""

import logging

import pytest
from django.db import DatabaseError, connections, router, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from formarche.accounts.models import Membership, Role
from formarche.bpf.models import FiscalYear
from formarche.utils import dbrouter
from formarche.utils.dbrouter import (
    ReplicaProbe,
    known_position,
    parse_lsn,
    reads_from_replica,
)
from tests.bpf import django_world
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "replica"])


@pytest.fixture(autouse=True)
def replica_on(settings):
    settings.DATABASE_REPLICA_READS = True
    dbrouter._last_failure["at"] = 0.0
    yield
    dbrouter._last_failure["at"] = 0.0


@pytest.fixture
def bpf_client(client):
    data = django_world.build()
    user = UserFactory()
    Membership.objects.create(user=user, organisation=data["of"], role=Role.OF_MANAGER)
    client.force_login(user)
    data["client"] = client
    return data


def capture(alias):
    return CaptureQueriesContext(connections[alias])


def get_counting(client, url):
    with capture("default") as primary, capture("replica") as replica:
        response = client.get(url)
    return response, len(primary.captured_queries), len(replica.captured_queries)


def behind(replay_lsn="0/10", lag=0.5):
    return lambda: ReplicaProbe(in_recovery=True, replay_lsn=replay_lsn, lag_seconds=lag)


# --------------------------------------------------------------------------- which alias each report reads


@pytest.mark.parametrize(
    "name",
    ["bpf:report", "bpf:export_json", "bpf:export_csv", "bpf:export_xlsx", "bpf:cell"],
)
def test_the_bpf_and_its_exports_read_the_replica(bpf_client, name):
    fy = bpf_client["fy"]
    kwargs = {"fiscal_year_id": fy.pk} | ({"cell_key": "F1.c.h"} if name == "bpf:cell" else {})
    response, on_primary, on_replica = get_counting(bpf_client["client"], reverse(name, kwargs=kwargs))
    assert response.status_code == 200
    assert on_replica >= 3, "the BPF's own reads go to the replica"
    # the primary answers only the session, the user and the membership (before the report)
    assert on_primary <= 4


def test_without_the_setting_everything_reads_the_primary(bpf_client, settings):
    settings.DATABASE_REPLICA_READS = False
    url = reverse("bpf:report", kwargs={"fiscal_year_id": bpf_client["fy"].pk})
    response, on_primary, on_replica = get_counting(bpf_client["client"], url)
    assert response.status_code == 200 and on_replica == 0 and on_primary > 4


def test_a_page_that_is_not_a_report_reads_the_primary(bpf_client):
    response, _, on_replica = get_counting(bpf_client["client"], reverse("bpf:index"))
    assert response.status_code == 200 and on_replica == 0


@pytest.mark.parametrize("name", ["closing:outcomes", "closing:outcomes_export", "closing:followup_due"])
def test_the_region_reports_read_the_replica(world, login, name):
    client = login(world.users["region_a_manager"])
    response, _, on_replica = get_counting(client, reverse(name))
    assert response.status_code == 200 and on_replica >= 1


def test_bulk_statement_previews_read_the_replica(bpf_client):
    from formarche.billing.batch import frozen_month_statements, month_statements
    from formarche.orders.models import Order

    month = bpf_client["fy"].start
    with known_position(None), capture("default") as primary, capture("replica") as replica:
        month_statements(Order.objects.all(), month)
        frozen_month_statements(Order.objects.all(), month)
    assert len(replica.captured_queries) >= 3 and len(primary.captured_queries) == 0


# --------------------------------------------------------------------------- writes and transactions


def test_writes_never_go_to_the_replica(bpf_client):
    of = bpf_client["of"]
    with known_position(None), reads_from_replica(), capture("replica") as replica:
        assert router.db_for_read(FiscalYear) == "replica"
        assert router.db_for_write(FiscalYear) == "default"
        created = FiscalYear.objects.create(organisation=of, start="2030-01-01", end="2030-12-31")
        read_back = FiscalYear.objects.get(pk=created.pk)
        assert read_back._state.db == "replica"
        read_back.save()  # an instance read from the replica is saved on the primary
    assert read_back._state.db == "default"
    assert not [q for q in replica.captured_queries if not q["sql"].lstrip().upper().startswith("SELECT")]
    assert not router.allow_migrate("replica", "bpf") and router.allow_migrate("default", "bpf") is not False


def test_a_report_inside_a_transaction_reads_the_primary(bpf_client):
    with known_position(None), transaction.atomic(), reads_from_replica():
        assert router.db_for_read(FiscalYear) == "default"


def test_a_validation_posted_from_the_report_writes_the_primary(bpf_client):
    fy = bpf_client["fy"]
    with capture("replica") as replica:
        bpf_client["client"].post(reverse("bpf:validate", kwargs={"fiscal_year_id": fy.pk}))
    fy.refresh_from_db()
    assert fy.is_validated and len(replica.captured_queries) == 0


# --------------------------------------------------------------------------- read your own writes


def test_without_a_session_or_a_declared_position_the_primary_answers(bpf_client):
    with reads_from_replica():
        assert router.db_for_read(FiscalYear) == "default"  # no request: in doubt
    with known_position(None, known=False), reads_from_replica():
        assert router.db_for_read(FiscalYear) == "default"


def test_a_request_that_writes_stores_the_primary_position_in_the_session(bpf_client, monkeypatch):
    monkeypatch.setattr(dbrouter, "primary_lsn", lambda: "0/20")
    client = bpf_client["client"]
    response = client.post(reverse("bpf:fiscal_year_create"), {"start": "2031-01-01", "end": "2031-12-31"})
    assert response.status_code == 302
    assert client.session[dbrouter.SESSION_KEY] == "0/20"


def test_a_read_only_request_leaves_the_position_alone(bpf_client, monkeypatch):
    monkeypatch.setattr(dbrouter, "primary_lsn", lambda: "0/99")
    client = bpf_client["client"]
    client.get(reverse("bpf:index"))
    assert dbrouter.SESSION_KEY not in client.session


def test_the_page_after_a_write_reads_the_primary_until_the_replica_has_replayed_it(bpf_client, monkeypatch):
    client = bpf_client["client"]
    monkeypatch.setattr(dbrouter, "primary_lsn", lambda: "0/20")
    response = client.post(reverse("bpf:fiscal_year_create"), {"start": "2031-01-01", "end": "2031-12-31"})
    report_url = response["Location"]
    monkeypatch.setattr(dbrouter, "probe_replica", behind("0/10"))
    response, _, on_replica = get_counting(client, report_url)
    assert response.status_code == 200 and on_replica == 0  # the report read the primary
    monkeypatch.setattr(dbrouter, "probe_replica", behind("0/20"))
    response, _, on_replica = get_counting(client, report_url)
    assert response.status_code == 200 and on_replica >= 3


# --------------------------------------------------------------------------- a replica down or behind


def test_a_replica_too_far_behind_is_left_with_a_log_line(bpf_client, monkeypatch, settings, caplog):
    settings.DATABASE_REPLICA_MAX_LAG = 30
    monkeypatch.setattr(dbrouter, "probe_replica", behind("0/99", lag=45.0))
    url = reverse("bpf:report", kwargs={"fiscal_year_id": bpf_client["fy"].pk})
    with caplog.at_level(logging.WARNING, logger="formarche.replica"):
        response, _, on_replica = get_counting(bpf_client["client"], url)
    assert response.status_code == 200 and on_replica == 0
    assert "Réplique en retard de 45.0 s" in caplog.text


def test_a_replica_down_gives_the_report_from_the_primary_not_an_error(bpf_client, monkeypatch, caplog):
    def down():
        raise DatabaseError("connection refused")

    monkeypatch.setattr(dbrouter, "probe_replica", down)
    url = reverse("bpf:report", kwargs={"fiscal_year_id": bpf_client["fy"].pk})
    with caplog.at_level(logging.WARNING, logger="formarche.replica"):
        response = bpf_client["client"].get(url)
        again = bpf_client["client"].get(url)
    assert response.status_code == 200 and again.status_code == 200
    assert caplog.text.count("Réplique injoignable") == 1  # not asked again for RETRY_AFTER_SECONDS


# --------------------------------------------------------------------------- small parts


@pytest.mark.parametrize(
    ("sql", "write"),
    [
        ('SELECT "bpf_fiscalyear"."id" FROM "bpf_fiscalyear"', False),
        ('INSERT INTO "bpf_fiscalyear" ("start") VALUES (%s)', True),
        ('  UPDATE "x" SET "a" = 1', True),
        ('DELETE FROM "x"', True),
        ('SAVEPOINT "s1"', False),
        ("WITH t AS (DELETE FROM x RETURNING 1) SELECT 1", True),
        ("", False),
    ],
)
def test_what_counts_as_a_write(sql, write):
    assert dbrouter._is_write(sql) is write


def test_lsn_order():
    assert parse_lsn("0/20") > parse_lsn("0/1F") and parse_lsn("1/0") > parse_lsn("0/FFFFFFFF")
    assert parse_lsn(None) is None


def test_the_status_of_a_mirror_says_no_lag():
    status = dbrouter.replica_status()
    assert status.configured and status.reachable and status.lag_bytes == 0 and status.reports_on_replica

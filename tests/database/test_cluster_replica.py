"""The router against the real streaming replica of scripts/cluster/postgres.sh (PostgreSQL only).

A write on the primary is not on the replica until replayed: while the replica's replay is paused
(``pg_wal_replay_pause()``), the lag shows in seconds and bytes, the row is absent from the
replica, and the report of the session that wrote reads the primary; once replayed, the replica.
"""

import logging
import time

import pytest
from django.db import connections, router
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from formarche.accounts.models import Membership, Role
from formarche.bpf.models import FiscalYear
from formarche.utils import dbrouter
from formarche.utils.dbrouter import known_position, reads_from_replica
from tests.bpf import django_world
from tests.database.cluster import cluster_env, point_alias, require, wait_replayed
from tests.factories import UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True, databases=["default", "replica"])]


def replay(paused: bool) -> None:
    with connections["replica"].cursor() as cursor:
        cursor.execute("SELECT pg_wal_replay_pause()" if paused else "SELECT pg_wal_replay_resume()")


@pytest.fixture
def replica(settings):
    host, port = require(cluster_env(), "DATABASE_REPLICA_URL")
    settings.DATABASE_REPLICA_READS = True
    dbrouter._last_failure["at"] = 0.0
    restore = point_alias("replica", host, port)
    assert dbrouter.probe_replica().in_recovery, "l'alias replica doit viser une vraie réplique"
    yield
    replay(paused=False)
    restore()


@pytest.fixture
def bpf(client):
    data = django_world.build()
    user = UserFactory()
    Membership.objects.create(user=user, organisation=data["of"], role=Role.OF_MANAGER)
    client.force_login(user)
    data["client"] = client
    wait_replayed(dbrouter.primary_lsn())
    return data


def test_a_write_is_seen_on_the_replica_only_once_replayed_and_the_lag_shows(replica, bpf):
    replay(paused=True)
    fy = FiscalYear.objects.create(organisation=bpf["of"], start="2031-01-01", end="2031-12-31")
    lsn = dbrouter.primary_lsn()
    time.sleep(1.1)
    status = dbrouter.replica_status()
    assert status.in_recovery and status.lag_bytes > 0 and status.lag_seconds >= 1.0, status
    assert not FiscalYear.objects.using("replica").filter(pk=fy.pk).exists()
    with known_position(lsn), reads_from_replica():
        assert router.db_for_read(FiscalYear) == "default"  # not replayed yet: read your write
        assert FiscalYear.objects.filter(pk=fy.pk).exists()
    replay(paused=False)
    wait_replayed(lsn)
    with known_position(lsn), reads_from_replica():
        assert router.db_for_read(FiscalYear) == "replica"
        assert FiscalYear.objects.filter(pk=fy.pk).exists()
    assert dbrouter.replica_status().lag_bytes == 0


def test_the_report_right_after_a_write_shows_that_write(replica, bpf):
    client = bpf["client"]
    replay(paused=True)
    response = client.post(reverse("bpf:fiscal_year_create"), {"start": "2031-01-01", "end": "2031-12-31"})
    assert response.status_code == 302 and dbrouter.SESSION_KEY in client.session
    report = response["Location"]
    with CaptureQueriesContext(connections["replica"]) as on_replica:
        page = client.get(report)
    assert page.status_code == 200 and "Exercice 2031" in page.content.decode()
    assert len(on_replica.captured_queries) == 1  # the probe: the report itself read the primary
    replay(paused=False)
    wait_replayed(client.session[dbrouter.SESSION_KEY])
    with CaptureQueriesContext(connections["replica"]) as on_replica:
        page = client.get(report)
    assert page.status_code == 200 and "Exercice 2031" in page.content.decode()
    assert len(on_replica.captured_queries) > 3


def test_a_replica_that_does_not_answer_leaves_the_report_on_the_primary(replica, bpf, caplog):
    restore = point_alias("replica", "127.0.0.1", 57399)  # nobody listens there
    try:
        url = reverse("bpf:report", kwargs={"fiscal_year_id": bpf["fy"].pk})
        with caplog.at_level(logging.WARNING, logger="formarche.replica"):
            page = bpf["client"].get(url)
        assert page.status_code == 200 and "Réplique injoignable" in caplog.text
        assert not dbrouter.replica_status().reachable
    finally:
        restore()

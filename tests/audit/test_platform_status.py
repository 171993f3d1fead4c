"""« État de la plateforme » and ``replica_status``: who sees the replica's lag, and what it says."""

import pytest
from django.core.management import call_command
from django.urls import reverse

from formarche.audit.platform import database_lines, replica_summary
from formarche.utils import dbrouter
from formarche.utils.dbrouter import ReplicaStatus
from tests.factories import UserFactory

URL = reverse("audit:platform_status")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "status"),
    [("region_a_manager", 200), ("region_a_officer", 403), ("of1_manager", 403), ("of1_staff", 403)],
)
def test_only_region_managers_see_the_platform_status(world, login, role, status):
    assert login(world.users[role]).get(URL).status_code == status


@pytest.mark.django_db
def test_platform_staff_see_it_without_a_membership(client):
    client.force_login(UserFactory(is_staff=True))
    body = client.get(URL).content.decode()
    assert "Pas de réplique configurée" in body  # the test settings' replica reads are off


@pytest.mark.django_db
def test_the_journal_links_to_it_for_those_who_may_see_it(world, login):
    assert URL in login(world.users["region_a_manager"]).get(reverse("audit:journal")).content.decode()
    assert URL not in login(world.users["of1_manager"]).get(reverse("audit:journal")).content.decode()


@pytest.mark.django_db(transaction=True, databases=["default", "replica"])
def test_with_the_replica_on_the_page_shows_the_lag(world, login, settings):
    settings.DATABASE_REPLICA_READS = True
    body = login(world.users["region_a_manager"]).get(URL).content.decode()
    assert "Retard de rejeu" in body and "0,0 s" in body and "0 octets" in body


def test_the_sentences_say_where_reports_read():
    assert "lisent la réplique" in replica_summary(
        ReplicaStatus(configured=True, reachable=True, in_recovery=True, lag_seconds=1.5, lag_bytes=10)
    )
    late = ReplicaStatus(
        configured=True, reachable=True, in_recovery=True, lag_seconds=45.0, max_lag_seconds=30
    )
    assert (
        replica_summary(late)
        == "Réplique en retard de 45,0 s (plus de 30,0 s) : les rapports lisent le primaire."
    )
    down = ReplicaStatus(configured=True, error="connection refused")
    assert "injoignable" in replica_summary(down)
    assert [line.value for line in database_lines(down) if line.label == "Erreur"] == ["connection refused"]


def test_the_command_prints_the_lag_and_fails_when_reports_fall_back(monkeypatch, capsys):
    late = ReplicaStatus(
        configured=True,
        reachable=True,
        in_recovery=True,
        lag_seconds=45.0,
        lag_bytes=123456,
        max_lag_seconds=30,
    )
    monkeypatch.setattr("formarche.audit.management.commands.replica_status.replica_status", lambda: late)
    with pytest.raises(SystemExit) as exit_info:
        call_command("replica_status")
    out = capsys.readouterr().out
    assert exit_info.value.code == 1
    assert "Retard de rejeu (âge du dernier commit rejoué) : 45,0 s" in out and "123\u202f456 octets" in out


def test_the_command_without_replica_says_so(settings, capsys):
    settings.DATABASE_REPLICA_READS = False
    call_command("replica_status")
    assert "Pas de réplique configurée" in capsys.readouterr().out
    assert dbrouter.replica_status().configured is False

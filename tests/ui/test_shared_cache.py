"""Shared cache and sessions (issue #15, point 2): Redis down, cached figures, the settings' names.

The "Redis down" tests point a real ``RedisCache`` at a port of 127.0.0.1 where nothing listens:
what each piece then does is the decision of docs/adr/0014-cache-sessions-and-proxy.md.
"""

import datetime as dt
import os
import socket
import subprocess
import sys
from decimal import Decimal

import pytest
from django.core.cache import caches
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client, override_settings
from django.urls import reverse
from redis.exceptions import ConnectionError as RedisConnectionError

from formarche.attendance import figures
from formarche.attendance.services import attendance_set
from formarche.ui.views import _cache_unreachable
from tests.audit.test_rate_limits import redis_url  # noqa: F401 (fixture: a redis-server of the test's own)

UNAVAILABLE = "Service momentanément indisponible"


def _dead_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # closed on exit: nothing listens there


def _redis_settings(url):
    return override_settings(
        CACHES={
            "default": {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": url,
                "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
            }
        },
        SESSION_ENGINE="formarche.accounts.sessions",
    )


@pytest.fixture
def dead_redis():
    with _redis_settings(f"redis://127.0.0.1:{_dead_port()}/0"):
        yield
    caches.close_all()


def _log_in(client, user, password):
    response = client.post(reverse("accounts:login"), {"username": user.email, "password": password})
    assert response.status_code == 302, response.content.decode()[:500]


@pytest.mark.django_db
def test_redis_down_login_pages_and_figures_fall_back_to_the_database(world, password, dead_redis):
    """Sessions are written to and read from the database, the cached figure is computed, the
    rate-limited public pages are served (fail open): no 500, nothing refused."""
    client = Client(raise_request_exception=False)
    user = world.users["of1_manager"]
    _log_in(client, user, password)
    order = world.objects["order"]
    response = client.get(reverse("attendance:followup", kwargs={"order_id": order.pk}))
    assert response.status_code == 200
    assert response.wsgi_request.user == user
    for _ in range(40):  # above the 30/m limit of the public pages: not counted, not refused
        assert Client(REMOTE_ADDR="10.7.7.7").get("/emargement/lien-invalide/").status_code != 429
    assert client.get(reverse("ui:home")).status_code == 200
    assert client.get("/api/orders/").status_code == 200  # DRF throttles: open as well


@pytest.mark.django_db
def test_redis_down_logout_answers_503_in_french_and_keeps_the_session(world, password, dead_redis):
    """Logging out must delete the cached copy of the session; unreachable, the logout is refused
    with the French 503 page (never a traceback), and the user is still logged in after it."""
    client = Client(raise_request_exception=False)
    user = world.users["of1_manager"]
    _log_in(client, user, password)
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 503
    assert UNAVAILABLE in response.content.decode()
    assert response["Retry-After"] == "30"
    assert client.get(reverse("ui:home")).wsgi_request.user == user


def test_only_a_cache_error_becomes_503():
    try:
        try:
            raise RedisConnectionError("refused")
        except RedisConnectionError as exc:
            raise RuntimeError("wrapped") from exc
    except RuntimeError as wrapped:
        assert _cache_unreachable(wrapped)
    assert not _cache_unreachable(ValueError("other"))
    assert not _cache_unreachable(None)


@pytest.mark.django_db
def test_cached_figure_is_invalidated_for_another_server(
    world,
    redis_url,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    """Two servers = two connections to one Redis: a write through the first changes the figure the
    second reads (a new generation, so a new key), and the figure was really cached in between."""
    order = world.objects["order"]
    enrolment = world.objects["enrolment"]
    with _redis_settings(redis_url):
        before = figures.monthly_totals(order)
        caches.close_all()
        del caches["default"]  # the second server's connection
        assert figures.monthly_totals(order) == before
        generation = caches["default"].get(f"formarche:fig:order:{order.pk}:gen") or 0
        key = f"formarche:fig:order:{order.pk}:{generation}:monthly-totals"
        assert caches["default"].get(key) == before  # cached, not recomputed
        with django_capture_on_commit_callbacks(execute=True):
            attendance_set(enrolment=enrolment, day=dt.date(2023, 3, 7), realised_hours=Decimal("3.5"))
        caches.close_all()
        del caches["default"]
        after = figures.monthly_totals(order)
        month = (enrolment.pk, dt.date(2023, 3, 1))
        assert after[month].realised == before[month].realised + Decimal("3.5")
        caches["default"].clear()


@pytest.mark.django_db
def test_sessions_survive_a_redis_flush(world, password, redis_url):  # noqa: F811
    """cached_db: the database holds every session, so emptying Redis (a restart without
    persistence) logs nobody out."""
    with _redis_settings(redis_url):
        client = Client()
        user = world.users["of1_manager"]
        _log_in(client, user, password)
        caches["default"].clear()
        assert client.get(reverse("ui:home")).wsgi_request.user == user
        caches["default"].clear()


@pytest.mark.parametrize("variable", ["REDIS_URL", "FORMARCHE_CACHE_URL"])
def test_redis_url_and_its_former_name_select_redis_for_cache_and_sessions(variable):
    env = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "FORMARCHE_CACHE_URL"}}
    env[variable] = "redis://127.0.0.1:26379/0"
    code = (
        "import config.settings.base as s; "
        "print(s.CACHES['default']['BACKEND'], s.CACHES['default']['LOCATION'], s.SESSION_ENGINE)"
    )
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.split() == [
        "django.core.cache.backends.redis.RedisCache",
        "redis://127.0.0.1:26379/0",
        "formarche.accounts.sessions",
    ]


def test_without_redis_the_embedded_default_is_unchanged():
    env = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "FORMARCHE_CACHE_URL"}}
    code = "import config.settings.base as s; print(s.CACHES['default']['BACKEND'], hasattr(s, 'SESSION_ENGINE'))"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["django.core.cache.backends.locmem.LocMemCache", "False"]


@pytest.mark.django_db
def test_cluster_demo_needs_its_own_password(monkeypatch, settings):
    settings.DEBUG = False
    monkeypatch.delenv("FORMARCHE_CLUSTER_DEMO_PASSWORD", raising=False)
    with pytest.raises(CommandError, match="FORMARCHE_CLUSTER_DEMO_PASSWORD"):
        call_command("cluster_demo")
    monkeypatch.setenv("FORMARCHE_CLUSTER_DEMO_PASSWORD", settings.DEMO_PASSWORD)
    with pytest.raises(CommandError, match="différer du mot de passe public"):
        call_command("cluster_demo")

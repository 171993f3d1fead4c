"""Rate limits (issue #17, point 2): the public token pages, the password reset and the API."""

import shutil
import socket
import subprocess
import time

import pytest
from django.conf import settings
from django.core.cache import caches
from django.test import Client, override_settings
from rest_framework.test import APIClient
from rest_framework.throttling import UserRateThrottle

from formarche.audit.clientip import client_ip
from formarche.audit.ratelimit import Rate, parse_rate, rate_hit
from tests.api.tokens import token_key

PUBLIC_PAGES = [
    "/emargement/lien-invalide/",
    "/suivi/lien-invalide/",
    "/compte/mot-de-passe/nouveau/MQ/lien/",
]
TOO_MANY = "Trop de demandes"


@pytest.mark.django_db
@pytest.mark.parametrize("url", PUBLIC_PAGES)
def test_public_token_pages_answer_429_past_their_limit(url):
    limit = parse_rate(settings.FORMARCHE_PUBLIC_TOKEN_RATE).count
    assert limit == 30
    client = Client(REMOTE_ADDR="10.1.1.1")
    for i in range(limit):
        assert client.get(url).status_code != 429, i
    response = client.get(url)
    assert response.status_code == 429
    assert TOO_MANY in response.content.decode()
    assert 1 <= int(response["Retry-After"]) <= 60
    assert client.post(url, {}).status_code == 429
    # another address is not concerned
    assert Client(REMOTE_ADDR="10.1.1.2").get(url).status_code != 429


@pytest.mark.django_db
def test_password_reset_is_limited_per_address(world):
    client = Client(REMOTE_ADDR="10.1.1.3")
    url = "/compte/mot-de-passe/oubli/"
    for _ in range(5):
        assert client.post(url, {"email": world.users["of1_staff"].email}).status_code == 302
    response = client.post(url, {"email": world.users["of1_staff"].email})
    assert response.status_code == 429 and TOO_MANY in response.content.decode()
    assert client.get(url).status_code == 200  # reading the form is not limited


def _token(user):
    return token_key(user.memberships.first())


@pytest.mark.django_db
def test_wrong_api_tokens_are_bounded_per_address(world):
    client = APIClient(REMOTE_ADDR="10.1.1.4")
    client.credentials(HTTP_AUTHORIZATION="Token devine")
    for _ in range(20):
        assert client.get("/api/orders/").status_code == 401
    response = client.get("/api/orders/")
    assert response.status_code == 429
    assert "Trop de jetons refusés" in response.json()["detail"]
    # past the limit even a good token is refused from that address: a guess cannot be confirmed
    client.credentials(HTTP_AUTHORIZATION=f"Token {_token(world.users['of1_staff'])}")
    assert client.get("/api/orders/").status_code == 429
    other = APIClient(REMOTE_ADDR="10.1.1.5")
    other.credentials(HTTP_AUTHORIZATION=f"Token {_token(world.users['of1_staff'])}")
    assert other.get("/api/orders/").status_code == 200


@pytest.mark.django_db
def test_api_user_throttle(world, monkeypatch):
    assert settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["user"] == "1200/minute"
    monkeypatch.setattr(UserRateThrottle, "THROTTLE_RATES", {"user": "3/minute"})
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {_token(world.users['of1_staff'])}")
    assert [client.get("/api/orders/").status_code for _ in range(4)] == [200, 200, 200, 429]


def test_parse_rate():
    assert parse_rate("30/m") == Rate(30, 60)
    assert parse_rate("20/minute") == Rate(20, 60)
    assert parse_rate("5/h") == Rate(5, 3600)
    with pytest.raises(ValueError, match="illisible"):
        parse_rate("trente")


def test_client_ip_trusts_forwarded_for_behind_proxies_only(rf, settings):
    request = rf.get("/", REMOTE_ADDR="192.0.2.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.9")
    assert client_ip(request) == "192.0.2.1"
    settings.FORMARCHE_TRUSTED_PROXY_COUNT = 1
    assert client_ip(request) == "203.0.113.9"
    settings.FORMARCHE_TRUSTED_PROXY_COUNT = 3
    assert client_ip(request) == "192.0.2.1"


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def redis_url(tmp_path):
    if not shutil.which("redis-server"):
        pytest.skip("redis-server absent : le test du cache partagé ne peut pas tourner")
    port = _free_port()
    server = subprocess.Popen(
        ["redis-server", "--port", str(port), "--save", "", "--appendonly", "no", "--dir", str(tmp_path)],
        stdout=subprocess.DEVNULL,
    )
    try:
        for _ in range(50):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
                break
            except OSError:
                time.sleep(0.1)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_limits_are_shared_through_redis(redis_url):
    """Two servers = two connections to the same Redis: the second sees the first one's count."""
    rate = Rate(2, 60)
    redis_cache = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": redis_url}
    }
    with override_settings(CACHES=redis_cache):
        assert rate_hit(scope="t", ident="10.9.9.9", rate=rate, now=120.0) is None
        caches.close_all()
        del caches["default"]  # a new connection, as another server would open
        assert rate_hit(scope="t", ident="10.9.9.9", rate=rate, now=121.0) is None
        assert rate_hit(scope="t", ident="10.9.9.9", rate=rate, now=122.0) == 58
        caches["default"].clear()

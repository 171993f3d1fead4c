"""Issue #19: the token page (managers only, their organisation only), the token's life (hashed,
shown once, last use, revocation, expiry, the old DRF keys), scopes and the per-token throttle."""

import datetime as dt
import hashlib
import html

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from formarche.accounts.tenancy import Tenant
from formarche.api.models import ApiToken
from formarche.audit.selectors import JournalFilters, journal_rows
from formarche.audit.throttles import TokenThrottle
from tests.api.tokens import token_key
from tests.world import MARKER

pytestmark = pytest.mark.django_db
PAGE = "/organisme/jetons-api/"


def _api(key, **extra):
    client = APIClient(**extra)
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def _form(**values):
    data = {
        "name": "Logiciel d'émargement",
        "expires_on": (timezone.localdate() + dt.timedelta(days=30)).isoformat(),
        "scopes": ["hours:write", "orders:read"],
    }
    data.update(values)
    return {k: v for k, v in data.items() if v is not None}


def test_a_manager_creates_sees_once_uses_and_revokes_a_token(client, world):
    client.force_login(world.users["of1_manager"])
    page = client.get(PAGE)
    assert page.status_code == 200 and f"Jeton {MARKER}" in page.content.decode()
    assert "no-cache" in page["Cache-Control"] or "no-store" in page["Cache-Control"]
    count = ApiToken.objects.count()
    response = client.post(PAGE, _form())
    body = html.unescape(response.content.decode())
    assert response.status_code == 200 and "Copiez-le maintenant" in body
    token = ApiToken.objects.get(name="Logiciel d'émargement")
    key = body.split('data-testid="cle-jeton">')[1].split("<")[0]
    assert key.startswith("fmk_") and len(key) > 40 and key.startswith(token.prefix)
    # hashed at rest: no column holds the key, the hash is its SHA-256
    assert token.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert key not in repr(list(ApiToken.objects.values_list()))
    assert token.membership == world.memberships["of1_manager"] and token.scopes == [
        "hours:write",
        "orders:read",
    ]
    assert ApiToken.objects.count() == count + 1
    # shown once: the page never shows it again
    again = client.get(PAGE).content.decode()
    assert key not in again and token.prefix in again and "jamais" in again
    # a double POST (same name) is refused, nothing created
    response = client.post(PAGE, _form())
    assert response.status_code == 400 and "déjà" in html.unescape(response.content.decode())
    assert ApiToken.objects.count() == count + 1
    # used: 200 within its scopes, 403 outside; the last use and address are shown
    api = _api(key, REMOTE_ADDR="10.2.3.4")
    assert api.get("/api/attendances/").status_code == 200
    refused = api.get("/api/invoices/")
    assert refused.status_code == 403 and "billing:read" in refused.json()["detail"]
    token.refresh_from_db()
    assert token.last_used_ip == "10.2.3.4" and token.last_used_at is not None
    assert "depuis 10.2.3.4" in client.get(PAGE).content.decode()
    # revoked: 401 with the date, a second revocation refused
    response = client.post(f"{PAGE}{token.pk}/revoquer/", follow=True)
    assert "est révoqué" in response.content.decode()
    answer = api.get("/api/attendances/")
    assert answer.status_code == 401 and "révoqué le" in answer.json()["detail"]
    response = client.post(f"{PAGE}{token.pk}/revoquer/", follow=True)
    assert "déjà révoqué" in response.content.decode()
    # the Journal names who created and who revoked
    tenant = Tenant.from_membership(world.memberships["of1_manager"])
    rows = list(journal_rows(tenant, filters=JournalFilters(kind="jeton_api")))
    mine = [r for r in rows if r["j_object"] == token.pk]
    assert {r["j_type"] for r in mine} == {"+", "~"}
    assert {r["j_user"] for r in mine} == {world.users["of1_manager"].pk}


@pytest.mark.parametrize(
    "values, message",
    [
        ({"name": ""}, "Donnez un nom au jeton"),
        ({"expires_on": None}, "Indiquez une date d'expiration"),
        ({"expires_on": "2020-01-01"}, "postérieure à aujourd'hui"),
        ({"expires_on": "2099-01-01"}, "au plus un an"),
        ({"expires_on": "demain"}, "Date d'expiration attendue"),
        ({"scopes": None}, "au moins une portée"),
        ({"scopes": ["bpf:write"]}, "Portée non disponible"),
    ],
)
def test_bad_input_is_refused_in_french_and_creates_nothing(client, world, values, message):
    client.force_login(world.users["of1_manager"])
    count = ApiToken.objects.count()
    response = client.post(PAGE, _form(**values))
    assert response.status_code == 400 and message in html.unescape(response.content.decode())
    assert ApiToken.objects.count() == count


def test_only_the_managers_of_the_organisation_reach_its_tokens(client, world):
    token = world.objects["api_token"]
    for role in ("of1_staff", "region_a_officer"):
        client.force_login(world.users[role])
        assert client.get(PAGE).status_code == 403, role
        assert client.post(f"{PAGE}{token.pk}/revoquer/").status_code == 403, role
    client.force_login(world.users["of2_manager"])
    assert MARKER not in client.get(PAGE).content.decode()
    assert client.post(f"{PAGE}{token.pk}/revoquer/").status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None
    # a Région manager grants the Région's scopes: billing decisions, no hours writes
    client.force_login(world.users["region_a_manager"])
    page = client.get(PAGE).content.decode()
    assert 'value="billing:write"' in page and 'value="hours:write"' not in page
    assert client.post(PAGE, _form(scopes=["billing:write"])).status_code == 200
    # Gestion organisme links to the page, for managers only
    assert PAGE in client.get("/organisme/").content.decode()
    client.force_login(world.users["of1_staff"])
    assert PAGE not in client.get("/organisme/").content.decode()


def test_refused_keys_say_why(world):
    legacy = _api("0123456789abcdef0123456789abcdef01234567").get("/api/orders/")
    assert legacy.status_code == 401 and "ancien modèle" in legacy.json()["detail"]
    assert "Jetons d'API" in legacy.json()["detail"]
    unknown = _api("fmk_" + "x" * 43).get("/api/orders/")
    assert unknown.status_code == 401 and unknown.json()["detail"] == "Jeton d'API inconnu."
    membership = world.memberships["of1_manager"]
    expired = token_key(membership, days=-1)
    answer = _api(expired).get("/api/orders/")
    assert answer.status_code == 401 and "a expiré le" in answer.json()["detail"]
    key = token_key(membership)
    bearer = APIClient()
    bearer.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    assert bearer.get("/api/orders/").status_code == 200
    membership.is_active = False
    membership.save(update_fields=["is_active"])
    answer = _api(key).get("/api/orders/")
    assert answer.status_code == 401 and "n'a plus accès" in answer.json()["detail"]


def test_each_token_has_its_own_rate(world, monkeypatch):
    monkeypatch.setattr(TokenThrottle, "THROTTLE_RATES", {"api_token": "2/minute"})
    membership = world.memberships["of1_staff"]
    first, second = _api(token_key(membership)), _api(token_key(membership))
    assert [first.get("/api/orders/").status_code for _ in range(3)] == [200, 200, 429]
    assert second.get("/api/orders/").status_code == 200  # same user, another token


def test_a_token_acts_for_its_own_organisation_only(world):
    client = APIClient()
    client.credentials(
        HTTP_AUTHORIZATION=f"Token {token_key(world.memberships['of1_manager'])}",
        HTTP_X_FORMARCHE_MEMBERSHIP=str(world.memberships["of2_manager"].pk),
    )
    response = client.get("/api/orders/")
    assert response.status_code == 403 and "son organisation" in response.json()["detail"]

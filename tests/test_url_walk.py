"""Every URL of the project, requested by every role: the tenancy contract.

- anonymous: sent to the login page (or 401/403 for the API), never a 200 with data;
- a member of another OF (or another Région) asking for OF 1's objects: 403 or 404, a POST changes
  nothing, and no response ever contains OF 1's marker;
- members of OF 1 and Région A: no server error.
"""

import hashlib
import re

import pytest
from django.apps import apps
from django.urls import URLPattern, URLResolver, get_resolver

from formarche.accounts.tenancy import Tenant, scoped
from tests.url_kwargs import OBJECT_KEYS, OF2_OBJECT_KEYS, OF2_URL_KWARGS, URL_KWARGS
from tests.world import FOREIGN_TO_OF1, MARKER, ROLES, add_of2_objects

PUBLIC = {
    "accounts:login",
    "accounts:password_reset",
    "accounts:password_reset_done",
    "accounts:password_reset_confirm",
    "accounts:password_reset_complete",
    "accounts:logout",
}
# Pages reached by a one-time token instead of a login (checked in their own tests).
TOKEN_PUBLIC_PREFIXES = ("emargement/", "suivi/")


def _walk(patterns, prefix="", namespace=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = namespace
            if p.namespace:
                ns = f"{namespace}:{p.namespace}" if namespace else p.namespace
            yield from _walk(p.url_patterns, prefix + str(p.pattern), ns)
        elif isinstance(p, URLPattern):
            name = f"{namespace}:{p.name}" if namespace and p.name else p.name
            yield prefix + str(p.pattern), name


def all_routes():
    routes = []
    for route, name in _walk(get_resolver().url_patterns):
        if route.startswith("admin/") or route.startswith("^static") or route.startswith("static/"):
            continue
        routes.append((route, name))
    return routes


PARAM = re.compile(r"<(?:(?P<conv>[^>:]+):)?(?P<name>[^>]+)>")


def build_url(route, world, kwargs=URL_KWARGS):
    missing = [m.group("name") for m in PARAM.finditer(route) if m.group("name") not in kwargs]
    assert not missing, f"URL {route!r}: add {missing} to tests/url_kwargs.py so the walk can fill it"
    url = PARAM.sub(lambda m: str(kwargs[m.group("name")](world)), route)
    url = url.lstrip("^").rstrip("$")
    return "/" + url


def snapshot():
    """A digest of every row of every model (history and sessions aside): equal digests, same data."""
    digest = hashlib.sha256()
    for model in apps.get_models():
        if model._meta.app_label in {"sessions", "admin"} or model.__name__.startswith("Historical"):
            continue
        digest.update(model._meta.label.encode())
        for row in model._default_manager.order_by("pk").values_list():
            digest.update(repr(row).encode())
    return digest.hexdigest()


def test_every_route_is_known():
    routes = all_routes()
    assert routes, "no URL found"
    for route, name in routes:
        for m in PARAM.finditer(route):
            assert m.group("name") in URL_KWARGS, f"{name}: unknown URL keyword {m.group('name')!r}"


@pytest.fixture
def both_worlds(world):
    """The walk's world with OF 2's counterparts of OF 1's document, co-funding and penalty."""
    add_of2_objects(world)
    return world


def _tenant(world, role):
    return Tenant.from_membership(world.memberships[role])


@pytest.mark.django_db
def test_every_route_with_an_id_has_an_object_to_try(both_worlds):
    """Issue #17: a route with an identifier is only exercised if the walk's object exists and is
    OF 1's (seen by OF 1, not by OF 2 nor Région B); OF 2's counterparts likewise the other way."""
    world = both_worlds
    of1, of2 = _tenant(world, "of1_manager"), _tenant(world, "of2_manager")
    foreign = [_tenant(world, role) for role in FOREIGN_TO_OF1]
    tried = 0
    for route, name in all_routes():
        for m in PARAM.finditer(route):
            kwarg = m.group("name")
            if kwarg.endswith("_id"):
                assert kwarg in OBJECT_KEYS, f"{name}: add {kwarg!r} to OBJECT_KEYS in tests/url_kwargs.py"
            if kwarg not in OBJECT_KEYS:
                continue
            obj = world.objects.get(OBJECT_KEYS[kwarg])
            assert obj is not None, f"{name}: the world has no object for {kwarg!r}"
            model = type(obj)
            assert model._default_manager.filter(pk=obj.pk).exists(), f"{name}: {kwarg} was deleted"
            assert scoped(model, of1).filter(pk=obj.pk).exists(), f"{name}: {kwarg} is not OF 1's"
            for tenant in foreign:
                assert not scoped(model, tenant).filter(pk=obj.pk).exists(), f"{name}: {kwarg} is shared"
            tried += 1
    assert tried
    for key in OF2_OBJECT_KEYS.values():
        obj = world.objects[key]
        assert scoped(type(obj), of2).filter(pk=obj.pk).exists(), f"{key} is not OF 2's"
        assert not scoped(type(obj), of1).filter(pk=obj.pk).exists(), f"{key} is seen by OF 1"


# Routes walked the other way too: OF 1's members asking for OF 2's document, co-funding, penalty.
REVERSED = {"document_id", "funding_id", "penalty_id"}


def reversed_routes():
    for route, name in all_routes():
        names = {m.group("name") for m in PARAM.finditer(route)}
        if names & REVERSED and names <= set(OF2_URL_KWARGS):
            yield route, name


def test_some_routes_are_walked_the_other_way():
    assert {name for _, name in reversed_routes()} >= {
        "documents:download",
        "trainees:enrolment_funding_delete",
        "billing:penalty_remove",
    }


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["of1_manager", "of1_staff"])
def test_of1_members_never_reach_of2_objects(client, both_worlds, role):
    world = both_worlds
    client.force_login(world.users[role])
    routes = list(reversed_routes())
    assert routes
    for route, _name in routes:
        url = build_url(route, world, OF2_URL_KWARGS)
        assert client.get(url).status_code in {403, 404, 405}, f"{role} GET {url}"
        before = snapshot()
        assert client.post(url, {}).status_code in {403, 404, 405}, f"{role} POST {url}"
        assert snapshot() == before, f"{role} POST {url} changed the database"


@pytest.mark.django_db
def test_anonymous_is_sent_to_login(client, world):
    for route, name in all_routes():
        url = build_url(route, world)
        if name in PUBLIC or route.startswith(TOKEN_PUBLIC_PREFIXES):
            continue
        response = client.get(url)
        if url.startswith("/api/"):
            assert response.status_code in {401, 403}, f"{url}: {response.status_code}"
        else:
            assert response.status_code == 302, f"{url} answered {response.status_code} to an anonymous user"
            assert "/compte/connexion/" in response["Location"], url
        assert MARKER not in response.content.decode(errors="replace"), url


@pytest.mark.django_db
@pytest.mark.parametrize("role", FOREIGN_TO_OF1)
def test_foreign_members_never_see_or_change_of1_data(client, world, role):
    client.force_login(world.users[role])
    for route, name in all_routes():
        url = build_url(route, world)
        has_object = bool(PARAM.search(route)) and name not in PUBLIC
        response = client.get(url)
        body = response.content.decode(errors="replace")
        assert response.status_code != 500, url
        assert MARKER not in body, f"{role} saw OF 1's data at {url}"
        if has_object:
            assert response.status_code in {403, 404, 405}, f"{role} GET {url} → {response.status_code}"
        if name in PUBLIC:
            continue
        before = snapshot()
        response = client.post(url, {})
        assert response.status_code != 500, url
        assert MARKER not in response.content.decode(errors="replace"), (
            f"{role} saw OF 1's data at POST {url}"
        )
        if has_object:
            assert response.status_code in {403, 404, 405}, f"{role} POST {url} → {response.status_code}"
        assert snapshot() == before, f"{role} POST {url} changed the database"


@pytest.mark.django_db
@pytest.mark.parametrize("role", [r for r in ROLES if r not in FOREIGN_TO_OF1])
def test_own_members_get_no_server_error(client, world, role):
    client.force_login(world.users[role])
    for route, name in all_routes():
        if name == "accounts:logout":
            continue
        url = build_url(route, world)
        response = client.get(url)
        assert response.status_code in {200, 302, 403, 405}, f"{role} GET {url} → {response.status_code}"


@pytest.mark.django_db
def test_admin_is_for_platform_admins_only(client, world):
    client.force_login(world.users["of1_manager"])
    response = client.get("/admin/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]

"""Tenancy of the BPF pages: the URL walk restricted to `bpf/` (the project walk covers it too).

Another OF (or a Région) never sees OF 1's BPF or its sources, and its POSTs change nothing.
"""

import pytest

import tests.bpf.needs_django  # noqa: F401  (first: skips without Django)
from tests.test_url_walk import PARAM, all_routes, build_url, snapshot
from tests.world import FOREIGN_TO_OF1, MARKER

pytestmark = pytest.mark.django_db


def bpf_routes():
    return [(route, name) for route, name in all_routes() if name and name.startswith("bpf:")]


def test_bpf_routes_exist():
    names = {name for _, name in bpf_routes()}
    assert {"bpf:index", "bpf:report", "bpf:cell", "bpf:export_pdf", "bpf:accounts", "bpf:trainer"} <= names


@pytest.mark.parametrize("role", FOREIGN_TO_OF1)
def test_foreign_users_never_see_or_change_of1_bpf(client, world, role):
    client.force_login(world.users[role])
    before = snapshot()
    for route, _name in bpf_routes():
        url = build_url(route, world)
        has_object = bool(PARAM.search(route))
        response = client.get(url)
        assert response.status_code != 500, url
        assert MARKER not in response.content.decode(errors="replace"), f"{role} saw OF 1's data at {url}"
        if has_object:
            assert response.status_code in {403, 404, 405}, f"{role} GET {url} → {response.status_code}"
        response = client.post(url, {})
        assert MARKER not in response.content.decode(errors="replace"), url
        if has_object:
            assert response.status_code in {403, 404, 405}, f"{role} POST {url} → {response.status_code}"
    assert snapshot() == before, f"{role}'s POSTs changed the database"


@pytest.mark.parametrize("role", ["of1_staff", "of1_manager", "region_a_officer"])
def test_own_and_region_users_get_no_error(client, world, role):
    client.force_login(world.users[role])
    for route, _name in bpf_routes():
        url = build_url(route, world)
        response = client.get(url)
        expected = {200, 302, 405} if role.startswith("of1") else {403, 405}
        assert response.status_code in expected, f"{role} GET {url} → {response.status_code}"


def test_anonymous_goes_to_login(client, world):
    for route, _name in bpf_routes():
        response = client.get(build_url(route, world))
        assert response.status_code == 302 and "/compte/connexion/" in response["Location"]


def test_other_of_sees_only_its_own_fiscal_years(client, world):
    from formarche.bpf.models import FiscalYear

    FiscalYear.objects.create(organisation=world.of2, start="2023-01-01", end="2023-12-31")
    client.force_login(world.users["of2_manager"])
    body = client.get("/bpf/").content.decode()
    assert body.count("/bpf/exercices/") == 1 + 1  # its own year + the create form's action
    assert MARKER not in body

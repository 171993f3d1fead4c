"""A group order walked by each of its members (ADR 0018): every page of the action opens (no
server error) and never shows another member's trainees nor its invoices' amounts."""

import datetime as dt

import pytest

from formarche.billing import services
from tests.billing.group_helpers import COTRAITANT_NAME, MANDATAIRE_NAME, advance_paid, group_order
from tests.billing.workflow import MARCH, validate
from tests.test_url_walk import PARAM, all_routes

pytestmark = pytest.mark.django_db

GROUP_KEYS = {"order_id", "period"}


def _group_routes():
    for route, name in all_routes():
        names = {m.group("name") for m in PARAM.finditer(route)}
        if names and names <= GROUP_KEYS and "order_id" in names:
            yield route, name


def _url(route, order):
    values = {"order_id": order.pk, "period": "2023-03"}
    return "/" + PARAM.sub(lambda m: str(values[m.group("name")]), route).lstrip("^").rstrip("$")


@pytest.fixture
def group_world(world):
    order = group_order(world)
    advance_paid(order, world)
    march = validate(order, MARCH, world.users["of1_manager"])
    services.invoice_member_issue(
        period=march, organisation=world.of1, user=world.users["of1_manager"], today=dt.date(2023, 4, 5)
    )
    services.invoice_member_issue(
        period=march, organisation=world.of2, user=world.users["of2_manager"], today=dt.date(2023, 4, 6)
    )
    return world, order


@pytest.mark.parametrize(
    ("user_key", "forbidden"),
    [
        # the co-traitant: neither the mandataire's trainee nor its March invoice (8 558,93 à payer)
        ("of2_manager", (MANDATAIRE_NAME, "558,93")),
        # the mandataire: never a co-traitant's trainee
        ("of1_manager", (COTRAITANT_NAME,)),
    ],
)
def test_members_walk_the_group_order(group_world, client, user_key, forbidden):
    world, order = group_world
    client.force_login(world.users[user_key])
    problems = []
    for route, name in _group_routes():
        url = _url(route, order)
        response = client.get(url)
        if response.status_code >= 500:
            problems.append(f"{name} {url}: {response.status_code}")
            continue
        if response.status_code == 200 and response.get("Content-Type", "").startswith("text/html"):
            content = response.content.decode()
            for marker in forbidden:
                if marker in content:
                    problems.append(f"{name} {url}: shows « {marker} »")
    assert not problems, "\n".join(problems)

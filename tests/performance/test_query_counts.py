"""The five main pages run the same number of SQL queries whatever the number of their rows
(issue #8): each page is requested at two sizes and the counts must be equal."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.performance.conftest import grow_fiscal_years, grow_order

pytestmark = pytest.mark.django_db


def count(client, url) -> int:
    client.get(url)  # warm the session and the per-process caches
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries)


def test_action_list_queries_do_not_grow_with_actions(login, world):
    client = login(world.users["region_a_officer"])
    url = reverse("orders:action_list")
    counts = []
    for added in (1, 4):
        for _ in range(added):
            grow_order(world, trainees=2)
        counts.append(count(client, url))
    assert counts[0] == counts[1], counts


def test_followup_queries_do_not_grow_with_trainees(login, world):
    client = login(world.users["of1_manager"])
    counts = []
    for trainees in (1, 6):
        order = grow_order(world, trainees=trainees)
        counts.append(count(client, reverse("attendance:followup", kwargs={"order_id": order.pk})))
    assert counts[0] == counts[1], counts


def test_grid_month_queries_do_not_grow_with_trainees(login, world):
    client = login(world.users["of1_manager"])
    counts = []
    for trainees in (1, 6):
        order = grow_order(world, trainees=trainees)
        url = reverse("attendance:grid_month", kwargs={"order_id": order.pk, "period": "2023-04"})
        counts.append(count(client, url))
    assert counts[0] == counts[1], counts


@pytest.mark.parametrize("statut", ["", "?statut=toutes"])
def test_region_invoices_queries_do_not_grow_with_invoices(login, world, statut):
    client = login(world.users["region_a_officer"])
    url = reverse("billing:region_invoices") + statut
    counts = []
    for added in (1, 4):
        for _ in range(added):
            grow_order(world, trainees=1)
        counts.append(count(client, url))
    assert counts[0] == counts[1], counts


def test_bpf_index_queries_do_not_grow_with_fiscal_years(login, world):
    client = login(world.users["of1_manager"])
    url = reverse("bpf:index")
    counts = []
    for added in (1, 4):
        grow_fiscal_years(world, added)
        counts.append(count(client, url))
    assert counts[0] == counts[1], counts


def test_region_invoices_are_paginated(login, world, monkeypatch):
    from formarche.billing.models import Invoice

    monkeypatch.setattr("formarche.billing.views.invoices.INVOICES_PER_PAGE", 2)
    for _ in range(2):
        grow_order(world, trainees=1)  # 2 signed invoices each
    expected = set(
        Invoice.objects.filter(order__region=world.region_a, status="signee").values_list("number", flat=True)
    )
    assert len(expected) >= 4
    client = login(world.users["region_a_officer"])
    url = reverse("billing:region_invoices")
    pages = (len(expected) + 1) // 2
    seen = []
    for number in range(1, pages + 1):
        body = client.get(f"{url}?statut=a-valider&page={number}").content.decode()
        assert f"Page {number} sur {pages}" in body
        rows = [n for n in expected if f">{n}</a></th>" in body]
        assert 1 <= len(rows) <= 2
        seen += rows
    assert sorted(seen) == sorted(expected)


# Issue #16: every main page (the OF's action list, the trainee list, the Validation tab and the
# closing page beside the five above).


def test_action_list_of_queries_do_not_grow_with_actions(login, world):
    client = login(world.users["of1_manager"])
    url = reverse("orders:action_list")
    counts = []
    for added in (1, 4):
        for _ in range(added):
            grow_order(world, trainees=2)
        counts.append(count(client, url))
    assert counts[0] == counts[1], counts


def test_trainee_list_queries_do_not_grow_with_trainees(login, world):
    client = login(world.users["of1_manager"])
    url = reverse("trainees:trainee_list")
    counts = []
    for trainees in (1, 6):
        grow_order(world, trainees=trainees)
        counts.append(count(client, url))
    assert counts[0] == counts[1], counts


@pytest.mark.parametrize("name", ["billing:validations", "closing:close"])
def test_action_tab_queries_do_not_grow_with_trainees(login, world, name):
    client = login(world.users["of1_manager"])
    counts = []
    for trainees in (1, 6):
        order = grow_order(world, trainees=trainees)
        counts.append(count(client, reverse(name, kwargs={"order_id": order.pk})))
    assert counts[0] == counts[1], counts

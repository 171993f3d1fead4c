"""Model selects read their options with one plain query (``ListedModelChoiceIterator``, issue #8):
the same options as Django's own iterator, without a server-side cursor on PostgreSQL."""

from __future__ import annotations

import pytest
from django.db import connection
from django.forms.models import ModelChoiceIterator
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from formarche.accounts.tenancy import Tenant
from formarche.orders import selectors
from formarche.orders.forms import OrderFilterForm
from formarche.utils.forms import ListedModelChoiceIterator

pytestmark = pytest.mark.django_db


def region_tenant(world):
    membership = world.users["region_a_officer"].memberships.get()
    return Tenant.from_membership(membership)


def rendered(form) -> str:
    return "".join(str(form[name]) for name in form.fields)


def test_the_filter_selects_are_those_of_djangos_iterator(world):
    tenant = region_tenant(world)
    form = OrderFilterForm(None, choices=selectors.filter_choices(tenant), tenant=tenant)
    assert form.fields["lot"].iterator is ListedModelChoiceIterator
    ours = rendered(form)
    reference = OrderFilterForm(None, choices=selectors.filter_choices(tenant), tenant=tenant)
    for name in ("dispositif", "lot", "provider"):
        field = reference.fields[name]
        field.iterator = ModelChoiceIterator
        field.widget.choices = field.choices
    assert ours == rendered(reference)
    assert "<option" in ours and world.of1.name in ours


def test_the_filter_form_still_validates_a_choice(world):
    tenant = region_tenant(world)
    choices = selectors.filter_choices(tenant)
    provider = choices["providers"].first()
    form = OrderFilterForm({"provider": provider.pk}, choices=choices, tenant=tenant)
    assert form.filters()["provider"] == provider.pk


def test_the_actions_list_opens_no_server_side_cursor(login, world):
    client = login(world.users["region_a_officer"])
    url = reverse("orders:action_list")
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    assert not [q["sql"] for q in queries if q["sql"].lstrip().upper().startswith("DECLARE")]

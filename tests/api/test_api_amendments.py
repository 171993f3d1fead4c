"""The order endpoint carries the avenants (ADR 0020), read only, with the current terms."""

import datetime as dt
from decimal import Decimal

import pytest

from formarche.billing import services
from tests.api.test_api import api

pytestmark = pytest.mark.django_db


def test_order_detail_lists_its_avenants(world):
    order = world.objects["order"]
    services.amendment_create(
        order=order,
        user=world.users["region_a_officer"],
        effective_date=dt.date(2023, 5, 2),
        reason="Hausse des effectifs.",
        volume_hours=Decimal("5500"),
    )
    body = api(world, "of1_staff").get(f"/api/orders/{order.pk}/").json()
    assert (body["amount"], body["contracted_hours"]) == ("64900.00", "5500.00")
    (amendment,) = body["amendments"]
    assert amendment["number"] == 1 and amendment["effective_date"] == "2023-05-02"
    assert (amendment["amount_before"], amendment["amount_after"]) == ("57820.00", "64900.00")
    assert api(world, "of1_staff").get("/api/orders/").json()["results"][0]["amendments"] is not None

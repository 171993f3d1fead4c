"""The validation tab links each month still to validate to the attendance sync (issue #10, part 4)."""

import pytest
from django.urls import reverse


@pytest.mark.django_db
def test_validation_tab_links_to_the_sync_of_each_open_month(world, client):
    order = world.objects["order"]
    client.force_login(world.users["of1_staff"])
    page = client.get(reverse("billing:validations", kwargs={"order_id": order.pk})).content.decode()
    # March 2023 is validated in the test world (it carries an invoice): no sync there, but April has one
    assert reverse("signing:sync", kwargs={"order_id": order.pk, "period": "2023-03"}) not in page
    assert reverse("signing:sync", kwargs={"order_id": order.pk, "period": "2023-04"}) in page
    client.force_login(world.users["region_a_officer"])
    page = client.get(reverse("billing:validations", kwargs={"order_id": order.pk})).content.decode()
    assert "Synchroniser les assiduités" not in page

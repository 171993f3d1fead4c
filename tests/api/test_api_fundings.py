"""Issue #7: the API's enrolments carry their co-fundings, read only, scoped like the enrolment."""

from decimal import Decimal

import pytest

from formarche.trainees import services
from formarche.trainees.models import EnrolmentFunding
from tests.api.test_api import api
from tests.factories import EnrolmentFactory
from tests.world import MARKER

pytestmark = pytest.mark.django_db


def test_enrolments_expose_their_co_fundings_read_only(world):
    enrolment, funding = world.objects["enrolment"], world.objects["funding"]
    expected = [
        {
            "id": funding.pk,
            "payer": "c9",
            "payer_label": "Personnes à titre individuel et à leurs frais",
            "amount": "300.00",
            "hourly_rate": None,
            "label": f"Reste à charge {MARKER}",
        }
    ]
    for role in ("of1_staff", "region_a_officer"):
        body = api(world, role).get(f"/api/enrolments/{enrolment.pk}/").json()
        assert all(f.pop("created_at") for f in body["fundings"])
        assert body["fundings"] == expected
    client = api(world, "of1_manager")
    response = client.patch(
        f"/api/enrolments/{enrolment.pk}/",
        {"planned_hours": "280", "fundings": [{"payer": "c2e", "amount": "1"}]},
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert [f["payer"] for f in response.json()["fundings"]] == ["c9"]
    assert list(EnrolmentFunding.objects.values_list("payer", flat=True)) == ["c9"]


def test_the_list_reads_co_fundings_in_one_query(world, django_assert_max_num_queries):
    client = api(world, "of1_staff")
    order = world.objects["order"]
    url = f"/api/enrolments/?order={order.pk}"
    with django_assert_max_num_queries(20) as before:
        client.get(url)
    for e in EnrolmentFactory.create_batch(4, order=order, planned_hours=Decimal("10")):
        services.enrolment_funding_add(enrolment=e, payer="c9", amount=Decimal("5"))
    with django_assert_max_num_queries(len(before.captured_queries)):
        body = client.get(url).json()
    assert sum(len(e["fundings"]) for e in body["results"]) == 5


def test_another_of_never_sees_them(world):
    body = api(world, "of2_manager").get("/api/enrolments/").json()
    assert MARKER not in str(body)

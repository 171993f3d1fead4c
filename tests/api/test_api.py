"""The REST API: token auth, scoping exactly like the pages, Région read-only, hours through the service."""

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from formarche.attendance.models import Attendance, AttendanceSource
from formarche.trainees.models import Enrolment, Trainee
from tests.api.tokens import api_client
from tests.world import MARKER

pytestmark = pytest.mark.django_db


def api(world, key):
    return api_client(world, key)


def test_anonymous_and_bad_token_get_401(world):
    assert APIClient().get("/api/orders/").status_code == 401
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token inconnu")
    assert client.get("/api/orders/").status_code == 401


def test_of2_token_never_sees_of1_objects(world):
    client = api(world, "of2_manager")
    objects = world.objects
    for url in ["/api/orders/", "/api/trainees/", "/api/enrolments/", "/api/attendances/"]:
        response = client.get(url)
        assert response.status_code == 200 and MARKER not in response.content.decode(), url
    numbers = {o["number"] for o in client.get("/api/orders/").json()["results"]}
    assert numbers == {objects["of2_order"].number, objects["region_b_order"].number}
    for url in [
        f"/api/orders/{objects['order'].pk}/",
        f"/api/trainees/{objects['trainee'].pk}/",
        f"/api/enrolments/{objects['enrolment'].pk}/",
        f"/api/attendances/{objects['attendance'].pk}/",
    ]:
        assert client.get(url).status_code == 404, url
        assert client.patch(url, {"last_name": "X", "realised_hours": "1"}, format="json").status_code in {
            404,
            405,
        }
    # writing on OF 1's enrolment is refused as if it did not exist
    response = client.post(
        "/api/attendances/",
        {"enrolment": objects["enrolment"].pk, "day": "2023-03-07", "realised_hours": "7"},
        format="json",
    )
    assert response.status_code == 400 and "enrolment" in response.json()
    response = client.post(
        "/api/attendances/bulk/",
        {"rows": [{"enrolment": objects["enrolment"].pk, "day": "2023-03-07", "realised_hours": "7"}]},
        format="json",
    )
    assert response.status_code == 400 and response.json()["errors"] == [
        {"index": 0, "message": "Inscription inconnue."}
    ]
    response = client.post(
        "/api/enrolments/",
        {
            "order": objects["order"].pk,
            "trainee": objects["trainee"].pk,
            "entry_date": "2023-03-01",
            "planned_hours": "10",
        },
        format="json",
    )
    assert response.status_code == 400
    assert Attendance.objects.count() == 1 and Enrolment.objects.count() == 1


def test_region_reads_its_orders_and_gets_403_on_writes(world):
    client = api(world, "region_a_officer")
    body = client.get("/api/orders/").json()
    assert {o["number"] for o in body["results"]} == {
        world.objects["order"].number,
        world.objects["of2_order"].number,
    }
    assert client.get(f"/api/enrolments/{world.objects['enrolment'].pk}/").status_code == 200
    assert client.get(f"/api/trainees/{world.objects['trainee'].pk}/").status_code == 200
    before = Trainee.objects.count()
    writes = [
        ("post", "/api/trainees/", {"last_name": "X"}),
        ("patch", f"/api/trainees/{world.objects['trainee'].pk}/", {"last_name": "X"}),
        ("post", "/api/enrolments/", {}),
        ("post", "/api/attendances/", {}),
        ("post", "/api/attendances/bulk/", {"rows": []}),
        ("patch", f"/api/attendances/{world.objects['attendance'].pk}/", {"realised_hours": "1"}),
    ]
    for method, url, data in writes:
        response = getattr(client, method)(url, data, format="json")
        assert response.status_code == 403, (url, response.status_code)
        assert "lecture seule" in response.json()["detail"]
    assert Trainee.objects.count() == before
    assert api(world, "region_b_officer").get(f"/api/orders/{world.objects['order'].pk}/").status_code == 404
    assert client.post("/api/orders/", {}, format="json").status_code in {403, 405}


def test_order_detail_has_the_realisation_rate(world):
    body = api(world, "of1_staff").get(f"/api/orders/{world.objects['order'].pk}/").json()
    assert body["contracted_hours"] == "4900.00"
    assert body["cumulative_hours"] == "7.00"
    assert body["realisation_rate"] == "0.14"
    assert body["components"][0]["label"] == f"Composante {MARKER}"


def test_a_pushed_hour_appears_in_the_follow_up(world):
    client = api(world, "of1_staff")
    enrolment = world.objects["enrolment"]
    response = client.post(
        "/api/attendances/",
        {"enrolment": enrolment.pk, "day": "2023-03-07", "realised_hours": "6,5".replace(",", ".")},
        format="json",
    )
    assert response.status_code == 201, response.json()
    row = Attendance.objects.get(pk=response.json()["id"])
    assert row.source == AttendanceSource.API and row.updated_by == world.users["of1_staff"]
    # the same day again: replaced, not duplicated
    response = client.post(
        "/api/attendances/",
        {"enrolment": enrolment.pk, "day": "2023-03-07", "realised_hours": "7"},
        format="json",
    )
    assert response.status_code == 200 and response.json()["realised_hours"] == "7.00"
    # the follow-up: the order's cumulative hours and the list of the month's hours
    assert client.get(f"/api/orders/{enrolment.order_id}/").json()["cumulative_hours"] == "14.00"
    month = client.get("/api/attendances/", {"order": enrolment.order_id, "month": "2023-03"}).json()
    assert [r["day"] for r in month["results"]] == ["2023-03-06", "2023-03-07"]
    region = api(world, "region_a_officer")
    assert region.get(f"/api/orders/{enrolment.order_id}/").json()["cumulative_hours"] == "14.00"
    # and the page of the action
    from django.test import Client

    page = Client()
    page.force_login(world.users["region_a_officer"])
    assert "14,00 h" in page.get(f"/actions/{enrolment.order_id}/").content.decode()


@pytest.mark.parametrize(
    "data, message",
    [
        ({"day": "2023-03-07", "realised_hours": "-1"}, "realised_hours"),
        ({"day": "2023-03-07", "realised_hours": "25"}, "24 heures"),
        (
            {
                "day": "2023-03-07",
                "realised_hours": "20",
                "counted_unrealised_hours": "5",
                "unrealised_reason": "maladie",
            },
            "24 heures",
        ),
        ({"day": "2023-02-27", "realised_hours": "7"}, "avant l'entrée"),
        ({"day": "2023-03-07", "realised_hours": "1.234"}, "realised_hours"),
        ({"day": "2023-03-07", "realised_hours": "0", "counted_unrealised_hours": "3"}, "motif"),
    ],
)
def test_hours_are_validated_like_the_pages(world, data, message):
    client = api(world, "of1_staff")
    response = client.post(
        "/api/attendances/", {"enrolment": world.objects["enrolment"].pk, **data}, format="json"
    )
    assert response.status_code == 400
    assert message in str(response.json())
    assert Attendance.objects.count() == 1


def test_bulk_push_is_all_or_nothing(world):
    client = api(world, "of1_staff")
    enrolment = world.objects["enrolment"].pk
    rows = [
        {"enrolment": enrolment, "day": "2023-03-08", "realised_hours": "7"},
        {"enrolment": enrolment, "day": "2023-03-09", "realised_hours": "30"},
    ]
    response = client.post("/api/attendances/bulk/", {"rows": rows}, format="json")
    assert response.status_code == 400 and response.json()["errors"][0]["index"] == 1
    assert Attendance.objects.count() == 1
    rows[1]["realised_hours"] = "3.5"
    response = client.post("/api/attendances/bulk/", {"rows": rows}, format="json")
    assert response.status_code == 200 and response.json()["created"] == 2
    assert Attendance.objects.count() == 3


def test_of_creates_trainee_and_enrolment(world):
    client = api(world, "of1_manager")
    response = client.post(
        "/api/trainees/",
        {
            "civility": "mme",
            "last_name": "Martin",
            "first_name": "Zoé",
            "birth_date": "1995-01-02",
            "entry_status": "demandeur_emploi",
            "external_ref": "EXT-1",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    trainee = Trainee.objects.get(pk=response.json()["id"])
    assert trainee.organisation == world.of1
    response = client.post(
        "/api/enrolments/",
        {
            "order": world.objects["order"].pk,
            "trainee": trainee.pk,
            "entry_date": "2023-03-01",
            "planned_hours": "300",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    enrolment_id = response.json()["id"]
    response = client.patch(f"/api/enrolments/{enrolment_id}/", {"planned_hours": "280"}, format="json")
    assert response.status_code == 200 and response.json()["planned_hours"] == "280.00"
    # a trainee of OF 2 cannot be enrolled by OF 1
    other = api(world, "of2_manager").post(
        "/api/trainees/",
        {
            "civility": "m",
            "last_name": "Autre",
            "first_name": "Paul",
            "birth_date": "1990-01-01",
            "entry_status": "autre",
        },
        format="json",
    )
    response = client.post(
        "/api/enrolments/",
        {
            "order": world.objects["order"].pk,
            "trainee": other.json()["id"],
            "entry_date": "2023-03-01",
            "planned_hours": "1",
        },
        format="json",
    )
    assert response.status_code == 400 and "trainee" in response.json()


def test_schema_generates_without_warnings(world, tmp_path):
    """The OpenAPI schema builds without a warning and lists every endpoint of the walk, with the
    token security scheme and examples."""
    import yaml

    from tests.api.test_api_walk import ENDPOINTS

    target = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    schema = yaml.safe_load(target.read_text())
    paths = schema["paths"]
    for endpoint in ENDPOINTS:
        path = endpoint.path
        if "{pk}" in path:
            path = path.replace("{pk}", "{" + _kwarg(path) + "}")
        assert path in paths, path
        assert endpoint.method in paths[path], (endpoint.method, path)
    assert "/api/attendances/bulk/" in paths
    assert schema["components"]["securitySchemes"]["jetonApi"]["in"] == "header"
    text = target.read_text()
    assert text.count("examples:") >= 5
    client = api(world, "of1_staff")
    assert client.get("/api/schema/").status_code == 200


def _kwarg(path):
    for prefix, kwarg in [
        ("/api/orders/", "order_id"),
        ("/api/trainees/", "trainee_id"),
        ("/api/enrolments/", "enrolment_id"),
        ("/api/attendances/", "attendance_id"),
        ("/api/periods/", "period_id"),
        ("/api/invoices/", "invoice_id"),
        ("/api/documents/", "document_id"),
        ("/api/bpf/fiscal-years/", "fiscal_year_id"),
    ]:
        if path.startswith(prefix):
            return kwarg
    raise AssertionError(path)


def test_api_token_command(world, capsys):
    from django.core.management.base import CommandError

    from formarche.api.models import ApiToken

    email = world.users["of1_manager"].email
    call_command("api_token", email, "--scope", "hours:write", "--days", "30")
    key = capsys.readouterr().out.strip()
    token = ApiToken.objects.get(prefix=key[:12])
    assert token.scopes == ["hours:write"] and key not in str(token.__dict__)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.get("/api/attendances/").status_code == 200
    assert client.get("/api/orders/").status_code == 403  # orders:read not granted
    call_command("api_token", email, "--revoke", key[:12])
    assert client.get("/api/attendances/").status_code == 401
    with pytest.raises(CommandError, match="responsable"):
        call_command("api_token", world.users["of1_staff"].email)
    with pytest.raises(CommandError, match="au plus un an"):
        call_command("api_token", email, "--days", "400")
    with pytest.raises(CommandError, match="Aucun utilisateur"):
        call_command("api_token", "personne@exemple.fr")


def test_membership_header_selects_the_organisation(world):
    client = api(world, "of1_staff")
    client.credentials(
        HTTP_AUTHORIZATION=client._credentials["HTTP_AUTHORIZATION"],
        HTTP_X_FORMARCHE_MEMBERSHIP=str(world.memberships["of2_manager"].pk),
    )
    assert client.get("/api/orders/").status_code == 403


def test_order_list_query_count_does_not_grow(world, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.factories import ComponentFactory, OrderFactory

    client = api(world, "region_a_officer")
    client.get("/api/orders/")
    with CaptureQueriesContext(connection) as small:
        client.get("/api/orders/")
    for _ in range(8):
        ComponentFactory(order=OrderFactory(region=world.region_a, provider=world.of1))
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert len(client.get("/api/orders/").json()["results"]) == 10


def test_hours_of_a_closed_action_are_refused(world):
    """Single row, update and bulk: 400 with the French message, nothing changes."""
    closed = "L'action est fermée : les heures ne peuvent plus être modifiées."
    enrolment = world.objects["enrolment"]
    attendance = world.objects["attendance"]
    type(enrolment.order).objects.filter(pk=enrolment.order_id).update(status="fermee")
    client = api(world, "of1_staff")
    before = list(Attendance.objects.values_list("pk", "day", "realised_hours"))
    response = client.post(
        "/api/attendances/",
        {"enrolment": enrolment.pk, "day": "2023-03-08", "realised_hours": "7"},
        format="json",
    )
    assert response.status_code == 400 and response.json() == {"detail": closed}
    response = client.patch(f"/api/attendances/{attendance.pk}/", {"realised_hours": "2"}, format="json")
    assert response.status_code == 400 and response.json() == {"detail": closed}
    rows = [{"enrolment": enrolment.pk, "day": "2023-03-08", "realised_hours": "7"}]
    response = client.post("/api/attendances/bulk/", {"rows": rows}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"] == [{"index": 0, "message": closed}]
    assert list(Attendance.objects.values_list("pk", "day", "realised_hours")) == before

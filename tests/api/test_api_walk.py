"""Issue #19: every API endpoint × every scope × every organisation and role, 0 leaks.

Four organisations: OF A (OF 1's manager), OF B (OF 2's manager), Région A (which ordered both
OFs' actions) and Région B (which ordered OF 2's other action). Each gets one token per scope it
may grant, plus one with all of them. Every endpoint is asked, for every object of both sides
(OF 1's and OF 2's), with every token. The expected answer is computed here, independently of
the code under test (from who delivers and who ordered the object's action):

- a token without the scope of the area (``<area>:read`` for GET, ``<area>:write`` otherwise),
  or a role that does not write there: 403;
- an object of another organisation: 404;
- otherwise GET: 200, and a write with an empty body: 400 with a French message;
- no list ever returns an object its organisation does not own or order, no answer to another
  organisation carries OF 1's marker, and the database is the same after all the writes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import Counter
from dataclasses import dataclass

import pytest
from django.apps import apps
from rest_framework.test import APIClient

from formarche.accounts.models import Membership, Role, User
from formarche.api import scopes as api_scopes
from formarche.attendance.models import Attendance
from formarche.billing.models import Invoice, Payment, Period
from formarche.bpf.models import FiscalYear
from formarche.documents.models import Document
from formarche.orders.models import Order
from formarche.trainees.models import Enrolment, Trainee
from tests.api.tokens import token_key
from tests.factories import AttendanceFactory
from tests.world import MARKER, add_of2_objects

pytestmark = pytest.mark.django_db

ORGANISATIONS = {  # label → role key of the test world (tokens are created by managers)
    "OF A": "of1_manager",
    "OF B": "of2_manager",
    "Région A": "region_a_manager",
    "Région B": "region_b_manager",  # added by the walk (the world has an officer only)
}


def owners(obj) -> tuple[set[int], set[int]]:
    """(OF ids, Région ids) that may see ``obj``: who delivers and who ordered its action(s)."""
    if isinstance(obj, Order):
        return {obj.provider_id}, {obj.region_id}
    if isinstance(obj, FiscalYear):
        return {obj.organisation_id}, set()  # the BPF is the OF's declaration only
    if isinstance(obj, Trainee):
        orders = Order.objects.filter(enrolments__trainee=obj)
        return {obj.organisation_id}, {o.region_id for o in orders}
    if isinstance(obj, Attendance):
        return owners(obj.enrolment.order)
    return owners(obj.order)  # enrolment, period, invoice, payment, document


def sees(tenant_org, is_region, obj) -> bool:
    ofs, regions = owners(obj)
    return tenant_org in (regions if is_region else ofs)


@dataclass(frozen=True)
class Endpoint:
    name: str
    method: str
    path: str  # with {pk} for an object route
    area: str
    model: type | None = None  # the object of {pk}, or of the list's items
    writers: str = "of"  # who may write: "of" or "region"
    is_list: bool = False


E = Endpoint
ENDPOINTS = [
    E("orders list", "get", "/api/orders/", "orders", Order, is_list=True),
    E("order", "get", "/api/orders/{pk}/", "orders", Order),
    E("trainees list", "get", "/api/trainees/", "trainees", Trainee, is_list=True),
    E("trainee", "get", "/api/trainees/{pk}/", "trainees", Trainee),
    E("trainee create", "post", "/api/trainees/", "trainees"),
    E("trainee update", "put", "/api/trainees/{pk}/", "trainees", Trainee),
    E("enrolments list", "get", "/api/enrolments/", "trainees", Enrolment, is_list=True),
    E("enrolment", "get", "/api/enrolments/{pk}/", "trainees", Enrolment),
    E("enrolment create", "post", "/api/enrolments/", "trainees"),
    E("enrolment update", "put", "/api/enrolments/{pk}/", "trainees", Enrolment),
    E("hours list", "get", "/api/attendances/", "hours", Attendance, is_list=True),
    E("hour", "get", "/api/attendances/{pk}/", "hours", Attendance),
    E("hour create", "post", "/api/attendances/", "hours"),
    E("hours bulk", "post", "/api/attendances/bulk/", "hours"),
    E("hour update", "put", "/api/attendances/{pk}/", "hours", Attendance),
    E("periods list", "get", "/api/periods/", "billing", Period, is_list=True),
    E("period", "get", "/api/periods/{pk}/", "billing", Period),
    E("period validate", "post", "/api/periods/validate/", "billing"),
    E("period invoice", "post", "/api/periods/{pk}/invoice/", "billing", Period),
    E("invoices list", "get", "/api/invoices/", "billing", Invoice, is_list=True),
    E("invoice", "get", "/api/invoices/{pk}/", "billing", Invoice),
    E("invoice pdf", "get", "/api/invoices/{pk}/pdf/", "billing", Invoice),
    E("invoice facturx", "get", "/api/invoices/{pk}/facturx/", "billing", Invoice),
    E("invoice validate", "post", "/api/invoices/{pk}/validate/", "billing", Invoice, "region"),
    E("invoice reject", "post", "/api/invoices/{pk}/reject/", "billing", Invoice, "region"),
    E("invoice pay", "post", "/api/invoices/{pk}/payments/", "billing", Invoice, "region"),
    E("payments list", "get", "/api/payments/", "billing", Payment, is_list=True),
    E("documents list", "get", "/api/documents/", "documents", Document, is_list=True),
    E("document", "get", "/api/documents/{pk}/", "documents", Document),
    E("document download", "get", "/api/documents/{pk}/download/", "documents", Document),
    E("document upload", "post", "/api/documents/", "documents"),
    E("fiscal years list", "get", "/api/bpf/fiscal-years/", "bpf", FiscalYear, is_list=True),
    E("bpf report", "get", "/api/bpf/fiscal-years/{pk}/", "bpf", FiscalYear),
    E("bpf checks", "get", "/api/bpf/fiscal-years/{pk}/checks/", "bpf", FiscalYear),
    *[
        E(f"bpf export {fmt}", "get", f"/api/bpf/fiscal-years/{{pk}}/export.{fmt}", "bpf", FiscalYear)
        for fmt in ("json", "csv", "pdf", "xlsx")
    ],
]


def api_routes() -> set[str]:
    """Every route under /api/ (the schema aside), as the walk writes them."""
    from tests.test_url_walk import PARAM, all_routes

    return {
        "/" + PARAM.sub("{pk}", route)
        for route, _name in all_routes()
        if route.startswith("api/") and not route.startswith("api/schema")
    }


def test_the_walk_lists_every_api_route():
    assert api_routes() == {e.path for e in ENDPOINTS}


def snapshot() -> str:
    """Every row of every model but the history, the sessions and the tokens (their last use
    is stamped by every call)."""
    digest = hashlib.sha256()
    for model in apps.get_models():
        label = model._meta.label
        if model._meta.app_label in {"sessions", "admin"} or model.__name__.startswith("Historical"):
            continue
        if label == "api.ApiToken":
            continue
        digest.update(label.encode())
        for row in model._default_manager.order_by("pk").values_list():
            digest.update(repr(row).encode())
    return digest.hexdigest()


def probes(world) -> dict:
    """The objects asked for, OF 1's side and OF 2's side, for each model."""
    o = world.objects
    of2_attendance = AttendanceFactory(enrolment=o["of2_enrolment"], day=dt.date(2023, 3, 7))
    of2_year = FiscalYear.objects.create(
        organisation=world.of2, start=dt.date(2023, 1, 1), end=dt.date(2023, 12, 31)
    )
    return {
        Order: [o["order"], o["region_b_order"]],
        Trainee: [o["trainee"], o["of2_trainee"]],
        Enrolment: [o["enrolment"], o["of2_enrolment"]],
        Attendance: [o["attendance"], of2_attendance],
        Period: [o["period"]],
        Invoice: [o["invoice"]],
        Document: [o["document"], o["of2_document"]],
        FiscalYear: [o["fiscal_year"], of2_year],
    }


def scope_sets(membership) -> list[tuple[str, ...]]:
    choices = [value for value, _ in api_scopes.choices_for(is_region=membership.organisation.is_region)]
    return [(value,) for value in choices] + [tuple(choices)]


def expected(endpoint, membership, scopes, obj) -> int:
    is_region = membership.organisation.is_region
    level = api_scopes.READ if endpoint.method == "get" else api_scopes.WRITE
    if level == api_scopes.WRITE and (endpoint.writers == "region") != is_region:
        return 403
    if not api_scopes.allows(scopes, endpoint.area, level):
        return 403
    if obj is not None and not sees(membership.organisation_id, is_region, obj):
        return 404
    return 200 if level == api_scopes.READ else 400


def _list_items(response):
    body = response.json()
    return body["results"] if isinstance(body, dict) else body


def test_every_endpoint_every_scope_every_organisation(world, capsys):
    add_of2_objects(world)
    user = User.objects.create(email="region_b_manager@exemple.fr", last_name="region_b_manager")
    world.memberships["region_b_manager"] = Membership.objects.create(
        user=user, organisation=world.region_b, role=Role.REGION_MANAGER
    )
    objects = probes(world)
    before = snapshot()
    counts = Counter()
    failures = []
    for org_label, role in ORGANISATIONS.items():
        membership = world.memberships[role]
        is_region = membership.organisation.is_region
        foreign_to_of1 = membership.organisation_id not in {world.of1.pk, world.region_a.pk}
        for scopes in scope_sets(membership):
            client = APIClient()
            client.credentials(HTTP_AUTHORIZATION=f"Token {token_key(membership, scopes)}")
            counts["tokens"] += 1
            counts[f"tokens {org_label}"] += 1
            for endpoint in ENDPOINTS:
                targets = objects[endpoint.model] if "{pk}" in endpoint.path else [None]
                for obj in targets:
                    url = endpoint.path.format(pk=obj.pk if obj is not None else "")
                    response = getattr(client, endpoint.method)(url, {}, format="json")
                    want = expected(endpoint, membership, scopes, obj)
                    counts["requests"] += 1
                    counts[f"requests {org_label}"] += 1
                    if response.status_code in {403, 404}:
                        counts[f"refused {org_label}"] += 1
                    counts[f"status {response.status_code}"] += 1
                    where = f"{org_label} {scopes} {endpoint.method.upper()} {url}"
                    if response.status_code != want:
                        failures.append(f"{where}: {response.status_code}, attendu {want}")
                        continue
                    body = response.content.decode(errors="replace")
                    if foreign_to_of1 and MARKER in body:
                        failures.append(f"{where}: fuite de la marque d'OF 1")
                    if want in {400, 403, 404} and response.get("Content-Type", "").startswith(
                        "application/json"
                    ):
                        detail = str(response.json())
                        if want == 403 and "portée" not in detail and "Région" not in detail:
                            failures.append(f"{where}: refus sans message en français ({detail})")
                    if endpoint.is_list and want == 200:
                        for item in _list_items(response):
                            row = endpoint.model._default_manager.get(pk=item["id"])
                            counts["list items checked"] += 1
                            if not sees(membership.organisation_id, is_region, row):
                                failures.append(f"{where}: l'élément {item['id']} n'est pas le sien")
    after = snapshot()
    assert not failures, "\n".join(failures[:40]) + f"\n… {len(failures)} écarts"
    assert after == before, "une écriture refusée a changé la base"
    refused = counts["status 403"] + counts["status 404"]
    per_org = " ; ".join(
        f"{label} : {counts[f'tokens {label}']} jetons, {counts[f'requests {label}']} requêtes, "
        f"{counts[f'refused {label}']} refusées"
        for label in ORGANISATIONS
    )
    with capsys.disabled():
        print(
            f"\nMarche de l'API : {len(ENDPOINTS)} points d'accès × {counts['tokens']} jetons "
            f"(une portée chacun, plus un avec toutes) sur {len(ORGANISATIONS)} organisations, "
            f"objets des deux côtés = {counts['requests']} requêtes ; 200 : {counts['status 200']}, "
            f"400 : {counts['status 400']}, 403 : {counts['status 403']}, 404 : {counts['status 404']} "
            f"(refusées : {refused}) ; {counts['list items checked']} éléments de liste vérifiés ; "
            f"0 fuite.\n  {per_org}"
        )
    assert counts["status 200"] and counts["status 403"] and counts["status 404"] and counts["status 400"]

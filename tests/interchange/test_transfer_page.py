"""Issue #19.5: the interchange export and import from « Gestion organisme », as background jobs
with their progress bar and their French report; manager only, each organisation only itself."""

import datetime as dt
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from formarche.accounts.models import Role
from formarche.jobs.models import Job, JobStatus
from formarche.orders.models import Order
from formarche.organisations.models import Organisation
from formarche.trainees.models import Trainee
from tests.bpf import django_world
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory
from tests.interchange.test_interchange import _wipe

pytestmark = pytest.mark.django_db

EXPORT = "/organisme/echange/exporter/"
IMPORT = "/organisme/echange/importer/"


def _manager(org, role=Role.OF_MANAGER):
    user = UserFactory()
    MembershipFactory(user=user, organisation=org, role=role)
    return user


def _upload(doc, name="echange.json"):
    raw = doc if isinstance(doc, bytes) else json.dumps(doc).encode()
    return SimpleUploadedFile(name, raw, content_type="application/json")


@pytest.fixture
def exported():
    """An OF's document, then an empty database with that OF (same code), and its manager."""
    from formarche.interchange.exporter import export_document

    world = django_world.build()
    of = world["of"]
    doc = json.loads(
        json.dumps(export_document(organisation=of, start=dt.date(2022, 1, 1), end=dt.date(2024, 12, 31)))
    )
    identity = {f: getattr(of, f) for f in ("name", "provider_code", "siret", "nda")}
    _wipe()
    empty = OrganisationFactory(**identity)
    return doc, empty, _manager(empty)


def _post(client, url, data, capture):
    with capture(execute=True):  # the job's task runs at commit (immediate backend in tests)
        return client.post(url, data)


def test_export_from_the_page_is_a_job_with_its_file(client, django_capture_on_commit_callbacks):
    world = django_world.build()
    manager = _manager(world["of"])
    client.force_login(manager)
    page = client.get("/organisme/")
    assert "Échange de données" in page.content.decode() and "/organisme/echange/" in page.content.decode()
    response = _post(
        client, EXPORT, {"start": "2022-01-01", "end": "2024-12-31"}, django_capture_on_commit_callbacks
    )
    job = Job.objects.get(kind="echange_export")
    assert response.status_code == 302 and response["Location"] == f"/organisme/echange/{job.pk}/"
    assert job.status == JobStatus.DONE and job.organisation == world["of"] and job.done == job.total == 2
    doc = json.loads(client.get(f"/travaux/{job.pk}/fichier/").getvalue())
    assert doc["organisation"]["code"] == world["of"].provider_code and len(doc["orders"]) == 3
    body = client.get(f"/organisme/echange/{job.pk}/").content.decode()
    assert "Télécharger echange-" in body and "Export d&#x27;échange du 01/01/2022 au 31/12/2024" in body
    # bad dates: French message, no job
    _post(client, EXPORT, {"start": "2024-12-31", "end": "2022-01-01"}, django_capture_on_commit_callbacks)
    assert Job.objects.filter(kind="echange_export").count() == 1


def test_import_into_its_own_organisation_with_the_french_report(
    client, exported, django_capture_on_commit_callbacks
):
    doc, org, manager = exported
    client.force_login(manager)
    response = _post(client, IMPORT, {"document": _upload(doc)}, django_capture_on_commit_callbacks)
    job = Job.objects.get(kind="echange_import")
    assert response["Location"] == f"/organisme/echange/{job.pk}/"
    assert job.status == JobStatus.DONE, job.error
    assert Order.objects.filter(provider=org).count() == 3
    assert Trainee.objects.filter(organisation=org).count() == len(doc["trainees"])
    body = client.get(f"/organisme/echange/{job.pk}/").content.decode()
    assert "Import terminé : tout le document a été importé (tout ou rien)." in body
    assert "3 action(s) de formation" in body and f"{len(doc['trainees'])} stagiaire(s)" in body
    assert 'role="progressbar"' not in body  # finished: the report, not the bar

    # the same file again: refused, nothing written twice
    _post(client, IMPORT, {"document": _upload(doc)}, django_capture_on_commit_callbacks)
    again = Job.objects.filter(kind="echange_import").order_by("-pk").first()
    assert again.status == JobStatus.REFUSED and "déjà été importé" in again.error
    # the same data in another file (other bytes): the importer's row refusals, all or nothing
    _post(
        client,
        IMPORT,
        {"document": _upload(json.dumps(doc, indent=1).encode())},
        django_capture_on_commit_callbacks,
    )
    third = Job.objects.filter(kind="echange_import").order_by("-pk").first()
    assert third.status == JobStatus.REFUSED
    assert (
        "/orders/0/number : le bon de commande" in third.error and "existe déjà dans formarche" in third.error
    )
    assert Order.objects.filter(provider=org).count() == 3
    body = client.get(f"/organisme/echange/{third.pk}/").content.decode()
    assert "Fichier refusé, rien n&#x27;a été importé :" in body and "<li>/orders/0/number" in body


def test_import_refuses_another_organisations_document_and_bad_json(
    client, exported, django_capture_on_commit_callbacks
):
    doc, org, _manager_user = exported
    other = OrganisationFactory(name="Autre organisme")
    client.force_login(_manager(other))
    _post(client, IMPORT, {"document": _upload(doc)}, django_capture_on_commit_callbacks)
    job = Job.objects.get(kind="echange_import")
    assert job.status == JobStatus.REFUSED and job.organisation == other
    assert f"ce document est celui de l'organisme « {org.provider_code} », pas le vôtre" in job.error
    assert not Order.objects.exists()
    _post(client, IMPORT, {"document": _upload(b"{pas du json")}, django_capture_on_commit_callbacks)
    bad = Job.objects.filter(kind="echange_import").order_by("-pk").first()
    assert bad.status == JobStatus.REFUSED and "JSON invalide ligne 1" in bad.error
    # refused before any job: not a .json, or empty
    count = Job.objects.count()
    response = _post(
        client, IMPORT, {"document": _upload(b"a;b", name="x.csv")}, django_capture_on_commit_callbacks
    )
    assert response.status_code == 302 and Job.objects.count() == count
    messages = [m.message for m in response.wsgi_request._messages]
    assert messages == ["Le document d'échange est un fichier JSON (.json) : rien n'a été importé."]


def test_progress_bar_while_the_job_waits(client):
    org = OrganisationFactory()
    client.force_login(_manager(org))
    job = Job.objects.create(
        organisation=org,
        kind="echange_export",
        params={"start": "2023-01-01", "end": "2023-12-31"},
        title="Export",
        total=2,
        done=1,
        status=JobStatus.RUNNING,
    )
    body = client.get(f"/organisme/echange/{job.pk}/").content.decode()
    assert 'role="progressbar"' in body and f'hx-get="/travaux/{job.pk}/progression/"' in body
    assert 'aria-valuenow="50"' in body
    assert client.get(f"/travaux/{job.pk}/progression/").status_code == 200


def test_manager_only_and_each_organisation_only_itself(client, django_capture_on_commit_callbacks):
    org, other = OrganisationFactory(), OrganisationFactory()
    region = OrganisationFactory(region=True)
    job = Job.objects.create(
        organisation=org, kind="echange_export", params={}, title="Export", status=JobStatus.DONE
    )
    for user in (_manager(org, Role.OF_STAFF), _manager(region, Role.REGION_MANAGER)):
        client.force_login(user)
        assert client.get("/organisme/echange/").status_code == 403
        assert (
            _post(
                client,
                EXPORT,
                {"start": "2023-01-01", "end": "2023-12-31"},
                django_capture_on_commit_callbacks,
            ).status_code
            == 403
        )
        assert "/organisme/echange/" not in client.get("/organisme/").content.decode()
    assert Job.objects.count() == 1
    client.force_login(_manager(other))
    assert client.get(f"/organisme/echange/{job.pk}/").status_code == 404
    assert client.get("/organisme/echange/").status_code == 200
    assert Organisation.objects.count() == 3

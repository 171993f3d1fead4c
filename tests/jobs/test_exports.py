"""The export jobs from their page: bulk PDFs of a month (invoices, attendance sheets) for an OF
and a Région, the BPF exports, each built by the one single-document path; the job page's state
and progress bar; the e-mails sent through the task queue."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from formarche.jobs.models import Job, JobStatus
from formarche.jobs.tasks import mail_enqueue

pytestmark = pytest.mark.django_db


def start(client, capture, kind: str, value) -> Job:
    """POST the start form as the page does; the task runs once the request's transaction commits."""
    before = set(Job.objects.values_list("pk", flat=True))
    with capture(execute=True):
        response = client.post(reverse("jobs:index"), {"kind": kind, "value": value})
    assert response.status_code == 302
    (pk,) = set(Job.objects.values_list("pk", flat=True)) - before
    assert response["Location"] == reverse("jobs:job", kwargs={"export_id": pk})
    return Job.objects.get(pk=pk)


def archive(client, job) -> dict[str, bytes]:
    response = client.get(reverse("jobs:job_file", kwargs={"export_id": job.pk}))
    assert response.status_code == 200
    with zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content))) as z:
        return {name: z.read(name) for name in z.namelist()}


def test_the_invoices_of_a_month_for_the_of_and_for_the_region(
    world, login, django_capture_on_commit_callbacks
):
    invoice = world.objects["invoice"]
    with invoice.document.open("rb") as handle:
        issued = handle.read()
    name = f"Facture_{invoice.number}_{invoice.order.number}.pdf"
    for role in ("of1_manager", "region_a_officer"):
        client = login(world.users[role])
        job = start(client, django_capture_on_commit_callbacks, "factures_mois", "2023-03")
        job.refresh_from_db()
        assert (job.status, job.attempts, job.done, job.total) == (JobStatus.DONE, 1, 1, 1)
        page = client.get(reverse("jobs:job", kwargs={"export_id": job.pk})).content.decode()
        assert "Terminé" in page and "Télécharger factures-2023-03.zip" in page
        assert archive(client, job) == {name: issued}  # the issued PDF itself, byte for byte


def test_a_region_with_no_invoice_that_month_gets_a_french_refusal(
    world, login, django_capture_on_commit_callbacks
):
    client = login(world.users["region_b_officer"])
    job = start(client, django_capture_on_commit_callbacks, "factures_mois", "2023-03")
    job.refresh_from_db()
    assert (job.status, job.attempts) == (JobStatus.REFUSED, 1)
    assert job.error == "Aucune facture émise pour Mars 2023."
    page = client.get(reverse("jobs:job", kwargs={"export_id": job.pk})).content.decode()
    assert "Refusé" in page and "Aucune facture émise pour Mars 2023." in page and "Télécharger" not in page
    assert client.get(reverse("jobs:job_file", kwargs={"export_id": job.pk})).status_code == 404


def test_the_attendance_sheets_of_a_month(world, login, django_capture_on_commit_callbacks):
    order = world.objects["order"]
    client = login(world.users["of1_staff"])
    job = start(client, django_capture_on_commit_callbacks, "emargements_mois", "2023-03")
    job.refresh_from_db()
    assert job.status == JobStatus.DONE, job.error
    files = archive(client, job)
    sheet = f"{order.number}_FEUILLE_EMARGEMENT_2023-03.pdf"
    assert sheet in files and all(content.startswith(b"%PDF-") for content in files.values())
    assert len(files) == job.total


def test_the_bpf_exports_are_those_of_the_export_page(world, login, django_capture_on_commit_callbacks):
    fy = world.objects["fiscal_year"]
    client = login(world.users["of1_manager"])
    job = start(client, django_capture_on_commit_callbacks, "bpf_exports", fy.pk)
    job.refresh_from_db()
    assert job.status == JobStatus.DONE, job.error
    files = archive(client, job)
    stem = f"bpf-{fy.organisation.provider_code or fy.organisation_id}-2023"
    assert sorted(files) == sorted(f"{stem}.{ext}" for ext in ("csv", "json", "pdf", "xlsx"))
    for fmt in ("json", "csv"):
        page = client.get(reverse(f"bpf:export_{fmt}", kwargs={"fiscal_year_id": fy.pk}))
        assert files[f"{stem}.{fmt}"] == page.content  # one export path


def test_bad_requests_start_nothing(world, login):
    client = login(world.users["region_a_manager"])
    before = Job.objects.count()
    fy = world.objects["fiscal_year"]
    response = client.post(reverse("jobs:index"), {"kind": "bpf_exports", "value": fy.pk}, follow=True)
    assert "Ce travail ne peut pas être lancé." in response.content.decode()  # the BPF is the OF's
    client = login(world.users["of1_manager"])
    response = client.post(reverse("jobs:index"), {"kind": "factures_mois", "value": "mars"}, follow=True)
    assert "Période invalide" in response.content.decode()
    response = client.post(reverse("jobs:index"), {"kind": "bpf_exports", "value": fy.pk + 999}, follow=True)
    assert "Période invalide" in response.content.decode()  # not one of the OF's fiscal years
    assert Job.objects.count() == before


def test_the_page_offers_the_kinds_of_the_tenant(world, login):
    of_page = login(world.users["of1_manager"]).get(reverse("jobs:index")).content.decode()
    assert "Exports du BPF" in of_page and "Factures du mois (ZIP)" in of_page
    region_page = login(world.users["region_a_manager"]).get(reverse("jobs:index")).content.decode()
    assert "Exports du BPF" not in region_page and "Factures du mois (ZIP)" in region_page


def test_a_running_job_shows_its_state_and_progress_bar_polled_by_htmx(world, login):
    job = Job.objects.create(
        organisation=world.of1,
        kind="emargements_mois",
        title="Feuilles",
        params={"month": "2023-03"},
        status=JobStatus.RUNNING,
        attempts=2,
        heartbeat_at=timezone.now(),
        phase="Feuille de l'action X",
        total=4,
        done=1,
    )
    client = login(world.users["of1_manager"])
    url = reverse("jobs:job_status", kwargs={"export_id": job.pk})
    body = client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert f'hx-get="{url}"' in body and 'hx-trigger="every 1s"' in body
    assert "Nouvelle tentative 2/3 — Feuille de l&#x27;action X : 1 document sur 4" in body
    assert 'role="progressbar"' in body and 'aria-valuenow="25"' in body
    Job.objects.filter(pk=job.pk).update(status=JobStatus.DONE)
    response = client.get(url, headers={"HX-Request": "true"})
    assert response["HX-Refresh"] == "true" and "hx-get" not in response.content.decode()


def test_e_mails_go_through_the_task_queue(settings):
    mail_enqueue(subject="[formarche] Essai", body="Bonjour", recipients=["a@exemple.fr"])
    assert [m.subject for m in mail.outbox] == ["[formarche] Essai"]  # immediate backend: sent at once
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default", "mails"]}
    }
    mail_enqueue(subject="[formarche] En file", body="Bonjour", recipients=["a@exemple.fr"])
    queued = DBTaskResult.objects.get()
    assert (queued.queue_name, queued.status) == ("mails", "READY")
    assert queued.args_kwargs["kwargs"]["recipients"] == ["a@exemple.fr"]
    assert len(mail.outbox) == 1  # sent by a worker, not by the caller
    mail_enqueue(subject="personne", body="", recipients=[])
    assert DBTaskResult.objects.count() == 1

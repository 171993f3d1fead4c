"""Imports menu: upload, templates to download, job pages; Région users import nothing."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from formarche.imports.columns import TEMPLATES
from formarche.imports.models import ImportJob

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("name", list(TEMPLATES))
def test_templates_have_header_and_example(world, login, name):
    client = login(world.users["of1_staff"])
    csv_response = client.get(reverse(f"imports:template_{name}_csv"))
    text = csv_response.content.decode("utf-8-sig")
    header, example = text.splitlines()[:2]
    assert header.split(";") == [c.name for c in TEMPLATES[name][1]]
    assert example.count(";") == header.count(";")
    xlsx = client.get(reverse(f"imports:template_{name}_xlsx"))
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert [c.value for c in sheet[1]] == [c.name for c in TEMPLATES[name][1]]
    assert sheet.max_row == 2


def test_upload_runs_small_file_inline_and_shows_report(world, login):
    order = world.objects["order"]
    client = login(world.users["of1_staff"])
    content = (
        "numero_action;nom;prenom;date_naissance;date;realise\n"
        f"{order.number};{world.objects['trainee'].last_name};Léa;17/05/1990;07/03/2023;7\n"
    ).encode()
    response = client.post(
        reverse("imports:index"),
        {"kind": "heures", "file": SimpleUploadedFile("h.csv", content)},
        follow=True,
    )
    body = response.content.decode()
    assert "1 créées, 0 modifiées, 0 inchangées" in body
    job = ImportJob.objects.latest("pk")
    assert job.created_by == world.users["of1_staff"] and len(job.file_hash) == 64


def test_upload_of_a_png_renamed_csv_is_refused_in_french(world, login):
    client = login(world.users["of1_staff"])
    before = ImportJob.objects.count()
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    response = client.post(
        reverse("imports:index"), {"kind": "heures", "file": SimpleUploadedFile("h.csv", png)}
    )
    assert response.status_code == 200
    assert "est une image PNG, pas un fichier CSV" in response.content.decode()
    assert ImportJob.objects.count() == before


def test_region_gets_an_explanation_not_a_form(world, login):
    client = login(world.users["region_a_officer"])
    response = client.get(reverse("imports:index"))
    assert response.status_code == 200
    assert 'type="file"' not in response.content.decode()
    job = world.objects["import_job"]
    assert client.get(reverse("imports:job", kwargs={"job_id": job.pk})).status_code == 403

"""BPF pages: the form with its cells, a cell click shows its records, the previous year beside,
exports with the keys of bpf.md, the home block with deadline and status, validation and filing."""

import csv
import datetime as dt
import io
import json

import pytest

import tests.bpf.needs_django  # noqa: F401  (first: skips without Django)
from formarche.accounts.models import Membership, Role
from formarche.bpf.cerfa import get_edition
from formarche.bpf.models import FiscalYear
from tests.bpf import django_world
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def small(client):
    data = django_world.build()
    user = UserFactory()
    Membership.objects.create(user=user, organisation=data["of"], role=Role.OF_MANAGER)
    client.force_login(user)
    data["client"] = client
    return data


def test_report_page_lays_out_the_form_with_links_to_every_cell(small):
    fy = small["fy"]
    body = small["client"].get(f"/bpf/exercices/{fy.pk}/").content.decode()
    assert "Cerfa n° 10443*17" in body
    assert (
        "F-1. Type de stagiaires de l&#x27;organisme" in body
        or "F-1. Type de stagiaires de l'organisme" in body
    )
    for key in get_edition("10443*17").keys:
        assert f"/bpf/exercices/{fy.pk}/cases/{key}/" in body, key
    assert "Exercice précédent" not in body


def test_previous_year_beside(small):
    of = small["of"]
    FiscalYear.objects.create(organisation=of, start=dt.date(2022, 1, 1), end=dt.date(2022, 12, 31))
    body = small["client"].get(f"/bpf/exercices/{small['fy'].pk}/").content.decode()
    assert "Exercice précédent" in body and "exercice précédent (2022)" in body


def test_a_cell_click_shows_its_records(small):
    client, fy = small["client"], small["fy"]
    body = client.get(f"/bpf/exercices/{fy.pk}/cases/F1.c.h/").content.decode()
    assert "UN Léa" in body and "QUATRE" not in body and "DEUX" not in body
    assert "34,50" in body or "34.50" in body
    e1a = small["enrolments"][0]
    assert f"/bpf/exercices/{fy.pk}/inscriptions/{e1a.pk}/" in body
    hours = client.get(f"/bpf/exercices/{fy.pk}/inscriptions/{e1a.pk}/").content.decode()
    assert "Total mensuel" in hours and "15/12/2022" not in hours  # the previous year's day is not listed
    assert "QUATRE" in client.get(f"/bpf/exercices/{fy.pk}/cases/G.n/").content.decode()
    assert "6411" in client.get(f"/bpf/exercices/{fy.pk}/cases/D.total/").content.decode()
    assert "FORMATRICE" in client.get(f"/bpf/exercices/{fy.pk}/cases/E.1.h/").content.decode()
    assert "Outils" in client.get(f"/bpf/exercices/{fy.pk}/cases/C.11/").content.decode()
    assert client.get(f"/bpf/exercices/{fy.pk}/cases/Z.9/").status_code == 404


def test_exports_have_exactly_the_keys_of_the_edition(small):
    client, fy = small["client"], small["fy"]
    keys = list(get_edition("10443*17").keys)
    data = json.loads(client.get(f"/bpf/exercices/{fy.pk}/bpf.json").content)
    assert list(data["cells"]) == keys
    assert data["edition"] == "10443*17" and data["fiscal_year"] == {"from": "2023-01-01", "to": "2023-12-31"}
    assert data["cells"]["C.total"] == 800 and data["cells"]["F1.total.h"] == "40.50"
    assert {c["level"] for c in data["checks"]} <= {"error", "warning"}
    text = client.get(f"/bpf/exercices/{fy.pk}/bpf.csv").content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert rows[0] == ["cle", "cadre", "libelle", "valeur"]
    assert [r[0] for r in rows[1:]] == keys
    pdf = client.get(f"/bpf/exercices/{fy.pk}/bpf.pdf")
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")


def test_control_workbook_lists_every_action(small):
    from openpyxl import load_workbook

    client, fy = small["client"], small["fy"]
    response = client.get(f"/bpf/exercices/{fy.pk}/controle.xlsx")
    wb = load_workbook(io.BytesIO(response.content))
    assert wb.sheetnames == [
        "Actions",
        "Inscriptions",
        "Autres produits",
        "Cases",
        "Contrôles",
        "Identification",
    ]
    actions = list(wb["Actions"].iter_rows(values_only=True))
    assert len(actions) == 1 + 3
    assert len(list(wb["Inscriptions"].iter_rows(values_only=True))) == 1 + 5
    header = actions[0]
    assert "Heures-stagiaires" in header and "Produits C-6" in header


def test_home_block_deadline_and_status_then_validation_and_filing(small, settings):
    client, fy = small["client"], small["fy"]
    home = client.get("/").content.decode()
    assert "Bilan pédagogique et financier" in home and "30/04/2024" in home and "31/05/2024" in home
    # cadre A incomplete (no legal form): a blocking check, validation is refused
    of = small["of"]
    of.legal_form = ""
    of.save()
    response = client.post(f"/bpf/exercices/{fy.pk}/valider/", follow=True)
    assert "ne peut pas être validé" in response.content.decode()
    fy.refresh_from_db()
    assert not fy.is_validated
    of.legal_form = "SAS"
    of.save()
    client.post(f"/bpf/exercices/{fy.pk}/valider/")
    fy.refresh_from_db()
    assert fy.validated_edition == "10443*17" and fy.validated_data["cells"]["C.total"] == 800
    client.post(f"/bpf/exercices/{fy.pk}/depot/", {"filed_on": "2024-04-15"})
    fy.refresh_from_db()
    assert fy.filed_on == dt.date(2024, 4, 15)
    assert "Déposé le 15/04/2024" in client.get("/").content.decode()


def test_fec_upload_through_the_page(small):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.bpf.test_fec import LINES, fec

    client, fy = small["client"], small["fy"]
    bad = SimpleUploadedFile("fec.txt", fec(LINES) + b"x\ty\n")
    body = client.post(f"/bpf/exercices/{fy.pk}/comptes/import/", {"file": bad}, follow=True).content.decode()
    assert "Fichier refusé" in body and "Ligne 10" in body
    good = SimpleUploadedFile("fec.txt", fec(LINES))
    body = client.post(
        f"/bpf/exercices/{fy.pk}/comptes/import/", {"file": good}, follow=True
    ).content.decode()
    assert "5 comptes des classes 6 et 7 importés" in body


def test_trainer_status_overlap_is_refused(small):
    from formarche.bpf.models import Trainer

    client = small["client"]
    trainer = Trainer.objects.get(last_name="Formatrice")
    body = client.post(
        f"/bpf/formateurs/{trainer.pk}/",
        {"form": "statut", "status": "cdd", "start": "2023-02-01"},
        follow=True,
    ).content.decode()
    assert "chevauche" in body
    assert trainer.status_periods.count() == 1

"""The orders import: every row validated first, all or nothing, errors row by row, idempotent."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from formarche.imports.order_rows import COLUMNS
from formarche.imports.services import orders_import
from formarche.orders.models import Lot, Market, Order
from formarche.utils.parsing import read_csv

pytestmark = pytest.mark.django_db


def csv_bytes(rows, columns=COLUMNS):
    lines = [";".join(columns)] + [";".join(str(r.get(c, "")) for c in columns) for r in rows]
    return ("\n".join(lines) + "\n").encode()


def row(world, number="23Q10000001_1", **overrides):
    order = world.objects["order"]
    data = {
        "numero": number,
        "intitule": "Production végétale",
        "marche": "PRF-2024",
        "lot": "3",
        "secteur": "AGRICULTURE",
        "famille_metiers": "METIERS DE LA PRODUCTION VEGETALE",
        "territoire": "DEPARTEMENT DU TARN",
        "dispositif": order.dispositif.code,
        "code_prestataire": world.of1.provider_code,
        "statut_prestataire": "Titulaire",
        "prix_unitaire": "11,80",
        "montant_ht": "57 820,00",
        "date_debut": "13/03/2023",
        "date_fin": "2024-09-12",
        "duree_mois": "18",
        "effectif_prevu": "20",
        "referent_email": world.users["region_a_officer"].email,
    }
    data.update(overrides)
    return data


def run(world, rows, region=None):
    return orders_import(region=region or world.region_a, table=read_csv(csv_bytes(rows)))


def test_import_creates_orders_market_and_lot(world):
    report = run(
        world,
        [row(world), row(world, "23Q10000002_1", statut_prestataire="co-traitant", prix_unitaire="12.5")],
    )
    assert report.ok, report.errors
    assert report.created == ["23Q10000001_1", "23Q10000002_1"]
    order = Order.objects.get(number="23Q10000001_1")
    assert order.amount == 57820 and str(order.unit_price) == "11.8000" and order.duration_months == 18
    assert (
        order.planned_start.isoformat() == "2023-03-13" and order.referent == world.users["region_a_officer"]
    )
    assert Order.objects.get(number="23Q10000002_1").provider_role == "cotraitant"
    market = Market.objects.get(region=world.region_a, reference="PRF-2024")
    assert market.lots.count() == 1  # both rows share the lot


def test_import_is_all_or_nothing_with_a_row_report(world):
    rows = [
        row(world),  # line 2: fine
        row(world, "23Q10000002_1", prix_unitaire="0"),  # line 3
        row(world, "23Q10000003_1", date_debut="31/02/2023", dispositif="inconnu"),  # line 4
        row(world, "23Q10000001_1"),  # line 5: same number as line 2
        row(world, "23Q10000005_1", code_prestataire="IN0000", montant_ht="abc", duree_mois="0"),  # line 6
    ]
    before = (Order.objects.count(), Market.objects.count(), Lot.objects.count())
    report = run(world, rows)
    assert not report.ok and report.created == []
    assert report.errors == [
        "Ligne 3 : le prix unitaire « 0 » doit être positif",
        "Ligne 4 : le dispositif « inconnu » n'existe pas dans votre Région",
        "Ligne 4 : la date de début « 31/02/2023 » n'existe pas dans le calendrier",
        "Ligne 5 : le numéro « 23Q10000001_1 » figure déjà ligne 2",
        "Ligne 6 : aucun organisme de formation n'a le code prestataire « IN0000 »",
        "Ligne 6 : le montant HT « abc » n'est pas un nombre (par exemple 11,80)",
        "Ligne 6 : la durée en mois « 0 » doit être au moins 1",
    ]
    assert (Order.objects.count(), Market.objects.count(), Lot.objects.count()) == before


def test_reimport_is_idempotent_and_changes_are_errors(world):
    assert run(world, [row(world)]).created == ["23Q10000001_1"]
    again = run(world, [row(world)])
    assert again.ok and again.created == [] and again.unchanged == ["23Q10000001_1"]
    assert Order.objects.get(number="23Q10000001_1").history.count() == 1
    changed = run(world, [row(world, montant_ht="60000"), row(world, "23Q10000009_1")])
    assert changed.errors == [
        "Ligne 2 : la commande « 23Q10000001_1 » existe déjà avec d'autres valeurs (le montant HT) : "
        "l'import ne modifie pas une commande existante"
    ]
    assert Order.objects.get(number="23Q10000001_1").amount == 57820
    assert not Order.objects.filter(number="23Q10000009_1").exists()


def test_another_regions_number_and_lots(world):
    report = run(world, [row(world, world.objects["region_b_order"].number)])
    assert report.errors == [
        f"Ligne 2 : le numéro « {world.objects['region_b_order'].number} » est déjà utilisé par une autre Région"
    ]
    # a Région cannot use another Région's dispositif
    report = run(world, [row(world)], region=world.region_b)
    assert "n'existe pas dans votre Région" in report.errors[0]
    # a new lot needs its description; a known lot must not be described differently
    report = run(world, [row(world, secteur="")])
    assert "n'existe pas encore" in report.errors[0]
    lot = world.objects["order"].lot
    report = run(world, [row(world, marche=lot.market.reference, lot=str(lot.number), secteur="BTP")])
    assert "le secteur « BTP » diffère" in report.errors[0]


def test_missing_columns(world):
    table = read_csv(b"numero;intitule\n23Q1;x\n")
    report = orders_import(region=world.region_a, table=table)
    assert report.errors[0].startswith("Ligne 1 : Colonnes manquantes : marche, lot, dispositif")


def test_import_page_with_xlsx_and_templates(login, world):
    client = login(world.users["region_a_officer"])
    url = reverse("imports:orders")
    assert client.get(url).status_code == 200
    csv_template = client.get(reverse("imports:orders_template_csv"))
    assert csv_template.status_code == 200 and read_csv(csv_template.content).header == COLUMNS
    xlsx_template = client.get(reverse("imports:orders_template_xlsx"))
    assert xlsx_template.content.startswith(b"PK")
    wb = Workbook()
    ws = wb.active
    ws.append(COLUMNS)
    data = row(world)
    data.update({"prix_unitaire": 11.8, "montant_ht": 57820, "duree_mois": 18})
    ws.append([data.get(c, "") for c in COLUMNS])
    buffer = io.BytesIO()
    wb.save(buffer)
    upload = SimpleUploadedFile("commandes.xlsx", buffer.getvalue())
    response = client.post(url, {"file": upload}, follow=True)
    assert "1 commande créée" in response.content.decode()
    assert Order.objects.filter(number="23Q10000001_1", region=world.region_a).exists()
    bad = SimpleUploadedFile("commandes.csv", csv_bytes([row(world, "23Q2_1", prix_unitaire="0")]))
    body = client.post(url, {"file": bad}).content.decode()
    assert "Ligne 2 : le prix unitaire « 0 » doit être positif" in body and "aucune commande importée" in body
    wrong = SimpleUploadedFile("commandes.pdf", b"%PDF-1.4")
    assert "Format non reconnu" in client.post(url, {"file": wrong}).content.decode()
    # OF users cannot import orders
    assert login(world.users["of1_manager"]).get(url).status_code == 403


def test_import_carries_the_chorus_pro_fields(world):
    chorus = {
        "cadre_facturation": "a1",
        "engagement_juridique": "1300045678",
        "code_service": "FORMATION-PRO",
    }
    report = run(world, [row(world, **chorus), row(world, "23Q10000002_1")])
    assert report.ok, report.errors
    order = Order.objects.get(number="23Q10000001_1")
    assert (order.chorus_billing_frame, order.chorus_commitment_number, order.chorus_service_code) == (
        "A1",
        "1300045678",
        "FORMATION-PRO",
    )
    assert Order.objects.get(number="23Q10000002_1").chorus_service_code == ""
    again = run(world, [row(world, **chorus)])
    assert again.ok and again.unchanged == ["23Q10000001_1"]
    changed = run(world, [row(world, **{**chorus, "code_service": "AUTRE"})])
    assert not changed.ok and "le code service" in changed.errors[0]


def test_import_refuses_a_bad_chorus_pro_field_in_french(world):
    report = run(world, [row(world, cadre_facturation="Z9", engagement_juridique="EJ<1>")])
    assert not report.ok
    assert any("Ligne 2 : cadre de facturation « Z9 » inconnu" in e for e in report.errors), report.errors
    assert not Order.objects.filter(number="23Q10000001_1").exists()

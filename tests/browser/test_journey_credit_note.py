"""Journey — a rejected invoice and its credit note (issue #18, ADR 0019): the Région rejects the
demo's CREF of 23Q00030612_1 (April 2023, « émise ») with a reason; the avoir appears at once on
the invoice, in the Région's and the OF's invoice lists; the OF downloads the avoir (PDF Factur-X,
type 381 naming the cancelled invoice), then issues the corrected invoice from « A facturer », whose
page says which rejected invoice and which avoir it follows."""

import re
from datetime import date

import facturx as facturx_lib
import pytest

from formarche.billing.models import CreditNote, Invoice

expect = pytest.importorskip(
    "playwright.sync_api", reason="playwright absent : bash scripts/browser-deps.sh"
).expect

pytestmark = pytest.mark.browser

SEED_ORDER = "23Q00030612_1"
REASON = "Le nombre d'heures d'avril ne correspond pas à l'émargement : corrigez la facture."


def _menu(page, name):
    return page.get_by_role("navigation", name="Menu principal").get_by_role("link", name=name)


def test_region_rejects_the_avoir_appears_and_the_of_reissues(journey, demo_password, demo):
    cref = Invoice.objects.live().get(order__number=SEED_ORDER, period__month=date(2023, 4, 1))

    # The Région opens the CREF from its list (« Toutes ») and rejects it with a reason.
    page = journey.window("region")
    journey.login("region@demo.formarche.fr", demo_password)
    journey.navigate("region factures", _menu(page, "Factures").click)
    journey.navigate("region toutes", page.get_by_role("link", name="Toutes").click)
    journey.navigate("region cref", page.get_by_role("link", name=cref.number, exact=True).click)
    page.get_by_label("Motif du rejet").fill(REASON)
    journey.navigate("region rejet avoir", page.get_by_role("button", name="Rejeter la facture").click)
    assert "a été rejetée" in page.get_by_role("status").first.inner_text()
    credit = CreditNote.objects.get(invoice=cref)
    label = f"Avoir n° {credit.number} annulant la facture n° {cref.number}"
    expect(page.locator(".alert-danger")).to_contain_text(label)
    expect(page.get_by_role("row", name=re.compile("^Avoir"))).to_contain_text(label)
    journey.navigate("region liste avec avoir", _menu(page, "Factures").click)
    journey.navigate("region rejetees", page.get_by_role("link", name="Rejetées").click)
    expect(page.get_by_role("row").filter(has_text=cref.number)).to_contain_text(label)

    # The OF sees the avoir in its list and on the invoice, and downloads it.
    page = journey.window()
    journey.login("of@demo.formarche.fr", demo_password)
    journey.navigate("of mes factures", _menu(page, "Factures").click)
    expect(page.get_by_role("row").filter(has_text=cref.number)).to_contain_text(label)
    journey.navigate("of facture rejetee", page.get_by_role("link", name=cref.number, exact=True).click)
    assert f"Motif : {REASON}" in page.locator(".alert-danger").inner_text()
    with page.expect_download() as download:
        page.get_by_role("link", name="Télécharger l'avoir (PDF Factur-X)").click()
    pdf = download.value.path().read_bytes()
    assert download.value.suggested_filename == f"Avoir_{credit.number}_{SEED_ORDER}.pdf"
    _name, xml = facturx_lib.get_xml_from_pdf(pdf, check_xsd=False)
    assert b"<ram:TypeCode>381</ram:TypeCode>" in xml
    assert f"<ram:IssuerAssignedID>{cref.number}</ram:IssuerAssignedID>".encode() in xml

    # … then issues the corrected invoice from « A facturer ».
    journey.navigate("of a facturer", page.get_by_role("link", name="A facturer").click)
    april = page.get_by_role("row").filter(has=page.get_by_role("rowheader", name="Avril 2023"))
    assert f"annulée par l'avoir n° {credit.number}" in april.inner_text()
    journey.navigate("of emission corrigee", april.get_by_role("link", name="Emettre la facture").click)
    journey.navigate("of facture corrigee emise", page.get_by_role("button", name="Poursuivre").click)
    corrected = Invoice.objects.live().get(order__number=SEED_ORDER, period__month=date(2023, 4, 1))
    assert corrected.replaces_id == cref.pk and corrected.sequence == credit.sequence + 1
    tabs = page.get_by_role("navigation", name="Onglets de Validation / Facturation")
    journey.navigate("of suivi des factures", tabs.get_by_role("link", name="Suivi des factures").click)
    expect(page.get_by_role("row").filter(has_text=cref.number)).to_contain_text(label)
    row = page.get_by_role("row").filter(has_text=corrected.number)
    journey.navigate("of facture corrigee", row.get_by_role("link", name="Détail et historique").click)
    assert (
        f"la facture rejetée {cref.number}, annulée par l'avoir n° {credit.number}"
        in page.locator("main").inner_text()
    )

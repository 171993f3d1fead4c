"""Journey 2 — the Région's side of an invoice: open it with its signature report, reject it with
a reason; the OF reads the reason, issues a corrected invoice and uploads it signed; the Région
validates it and records the payment in two parts; the OF sees it « Payée » with the date.

Played on the demo's CREF of 23Q00030612_1 (April 2023, CRE final, 20 445,47 € to pay), which the
demo leaves « émise ». Set-up, through the services (not the point of this journey): the OF's
signed upload, signed by a throw-away CA (tests/billing/pki.py) trusted for the test. The OF and the
Région each keep their own window (``journey.window``), logged in side by side.
"""

import re
from datetime import date

import pytest
from django.utils import timezone

from formarche.billing import selectors, services
from formarche.billing.models import Invoice, InvoiceStatus
from formarche.utils.formatting import format_date
from tests.billing.pki import sign_pdf
from tests.browser.harness import in_thread

expect = pytest.importorskip(
    "playwright.sync_api", reason="playwright absent : bash scripts/browser-deps.sh"
).expect

pytestmark = pytest.mark.browser

SEED_ORDER = "23Q00030612_1"
REASON = "Le nombre d'heures de mars ne correspond pas à l'émargement : corrigez la facture."


@pytest.fixture
def signed_cref(demo, trusted_pki):
    """The demo's CREF (April 2023), signed and uploaded by the OF through the services."""
    invoice = Invoice.objects.live().get(order__number=SEED_ORDER, period__month=date(2023, 4, 1))
    with invoice.document.open("rb") as handle:
        signed = in_thread(sign_pdf, handle.read(), trusted_pki)
    # The upload verifies the signature with pyHanko (asyncio.run): in a worker thread too.
    return in_thread(
        services.invoice_upload_signed,
        invoice=invoice,
        data=signed,
        filename=selectors.invoice_expected_filename(invoice),
        user=demo.users["of1"],
    )


def _spaces(text: str) -> str:
    """French figures use narrow no-break spaces between thousands: plain spaces to compare."""
    return text.replace("\u202f", " ").replace("\xa0", " ")


def _menu(page, name):
    return page.get_by_role("navigation", name="Menu principal").get_by_role("link", name=name)


def test_region_rejects_then_validates_and_pays(journey, demo_password, trusted_pki, signed_cref):
    first = signed_cref
    assert first.status == InvoiceStatus.SIGNED

    # The Région opens the invoices awaiting validation, then the CREF with its signature report.
    page = journey.window("region")
    journey.login("region@demo.formarche.fr", demo_password)
    journey.navigate("region factures a valider", _menu(page, "Factures").click)
    journey.navigate("region facture signee", page.get_by_role("link", name=first.number).click)
    assert f"Facture n° {first.number}" in page.get_by_role("heading", level=1).inner_text()
    report = page.get_by_role("region", name="Vérification de la signature").inner_text()
    assert "Signature présente et intacte : oui" in report
    assert "Signataire : Claire Martin" in report
    assert "Chaîne de certificats valide : oui" in report
    page.get_by_label("Motif du rejet").fill(REASON)
    journey.navigate("region rejet", page.get_by_role("button", name="Rejeter la facture").click)
    assert "a été rejetée" in page.get_by_role("status").first.inner_text()
    expect(page.get_by_role("row", name=re.compile("^Statut"))).to_contain_text("Rejetée")

    # The OF reads the reason on its invoice, then issues a corrected invoice from « A facturer ».
    page = journey.window()
    journey.login("of@demo.formarche.fr", demo_password)
    journey.navigate("of mes factures", _menu(page, "Factures").click)
    journey.navigate("of facture rejetee", page.get_by_role("link", name=first.number).click)
    rejection = page.locator(".alert-danger").inner_text()
    assert "Facture rejetée" in rejection and f"Motif : {REASON}" in rejection
    journey.navigate("of a facturer", page.get_by_role("link", name="A facturer").click)
    april = page.get_by_role("row").filter(has=page.get_by_role("rowheader", name="Avril 2023"))
    assert REASON in april.inner_text()
    journey.navigate("of emission corrigee", april.get_by_role("link", name="Emettre la facture").click)
    journey.navigate("of facture corrigee emise", page.get_by_role("button", name="Poursuivre").click)
    corrected = Invoice.objects.live().get(order__number=SEED_ORDER, period__month=date(2023, 4, 1))
    assert corrected.replaces_id == first.pk

    # … downloads it, signs it and uploads it.
    tabs = page.get_by_role("navigation", name="Onglets de Validation / Facturation")
    journey.navigate("of suivi des factures", tabs.get_by_role("link", name="Suivi des factures").click)
    row = page.get_by_role("row").filter(has_text=corrected.number)
    journey.navigate("of facture corrigee", row.get_by_role("link", name="Détail et historique").click)
    assert f"la facture rejetée {first.number}" in page.locator("main").inner_text()
    with page.expect_download() as download:
        page.get_by_role("link", name="Télécharger la facture (Factur-X)").click()
    signed = in_thread(sign_pdf, download.value.path().read_bytes(), trusted_pki)
    journey.navigate("of depot signee", page.get_by_role("link", name="Ajouter la facture signée").click)
    page.get_by_label("Facture signée PDF").set_input_files(
        files=[
            {
                "name": selectors.invoice_expected_filename(corrected),
                "mimeType": "application/pdf",
                "buffer": signed,
            }
        ]
    )
    journey.navigate("of facture corrigee signee", page.get_by_role("button", name="Enregistrer").click)
    assert "correctement été enregistrée" in page.get_by_role("status").first.inner_text()

    # The Région, still logged in, validates the corrected invoice and records two payments.
    page = journey.window("region")
    journey.navigate("region factures a valider bis", _menu(page, "Factures").click)
    journey.navigate("region facture corrigee", page.get_by_role("link", name=corrected.number).click)
    assert (
        "Chaîne de certificats valide : oui"
        in page.get_by_role("region", name="Vérification de la signature").inner_text()
    )
    journey.navigate("region validation", page.get_by_role("button", name="Valider la facture").click)
    assert "a été validée" in page.get_by_role("status").first.inner_text()
    # Offered: today's date (ISO, as <input type="date"> needs it) and the remainder.
    assert page.get_by_label("Date de paiement").input_value() == timezone.localdate().isoformat()
    assert page.get_by_label("Montant payé (€)").input_value() == "20445.47"
    page.get_by_label("Montant payé (€)").fill("10000.00")
    page.get_by_label("Référence du mandat").fill("MANDAT-2023-1101")
    journey.navigate(
        "region paiement partiel", page.get_by_role("button", name="Enregistrer le paiement").click
    )
    assert "Le paiement a été enregistré." in page.get_by_role("status").first.inner_text()
    expect(page.get_by_role("row", name=re.compile("^Statut"))).to_contain_text("Payée partiellement")
    assert page.get_by_label("Montant payé (€)").input_value() == "10445.47"
    page.get_by_label("Référence du mandat").fill("MANDAT-2023-1102")
    journey.navigate("region solde paye", page.get_by_role("button", name="Enregistrer le paiement").click)
    expect(page.get_by_role("row", name=re.compile("^Statut")).get_by_role("cell")).to_have_text("Payée")
    payments = page.get_by_role("table", name="Paiements de la facture")
    assert payments.get_by_role("row").count() == 3
    amounts = _spaces(payments.inner_text())
    assert "10 000,00" in amounts and "10 445,47" in amounts

    # The OF sees its invoice « Payée », with the date of the last payment.
    page = journey.window()
    journey.navigate("of factures payees", _menu(page, "Factures").click)
    journey.navigate("of filtre payees", page.get_by_role("link", name="Payées").click)
    row = page.get_by_role("row").filter(has_text=corrected.number)
    assert "Payée" in row.inner_text() and "20 445,47" in _spaces(row.inner_text())
    assert format_date(timezone.localdate()) in row.inner_text()

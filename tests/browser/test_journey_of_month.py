"""Journey 1 — the OF's month: register and enrol two trainees, fill the month with the keyboard,
validate the period, issue the invoice, see a wrongly named signed PDF refused, upload a right one.

Played on the demo's second action of OF IN1331, 23Q05322133_1 (Agent(e) magasinier(ère) cariste,
from 4 September 2023; 10 trainees already enrolled, 12 planned), for October 2023 (the demo's
September is validated, invoiced, rejected and re-invoiced: the credit-note demo, ADR 0019).
"""

import re

import pytest

from tests.billing.pki import sign_pdf
from tests.browser.harness import in_thread

expect = pytest.importorskip(
    "playwright.sync_api", reason="playwright absent : bash scripts/browser-deps.sh"
).expect

pytestmark = pytest.mark.browser

ORDER = "23Q05322133_1"
TRAINEES = [("Madame", "Lemoine", "Alice", "1994-05-14"), ("Monsieur", "Lemoine", "Bruno", "1991-11-02")]


def test_of_month_from_enrolment_to_signed_invoice(journey, demo_password, trusted_pki):
    page = journey.page
    journey.login("of@demo.formarche.fr", demo_password)
    menu = page.get_by_role("navigation", name="Menu principal")
    journey.navigate("liste des actions", menu.get_by_role("link", name="Actions de formation").click)
    journey.navigate(f"action {ORDER}", page.get_by_role("link", name=ORDER).click)
    action_menu = page.get_by_role("navigation", name="Menu de l'action")

    # Register two trainees in the OF's registry, from the action's menu.
    for civility, last, first, birth in TRAINEES:
        journey.navigate(
            f"enregistrement {first}",
            action_menu.get_by_role("link", name="Enregistrement des stagiaires").click,
        )
        page.get_by_label(re.compile("^Civilité", re.I)).select_option(label=civility)
        page.get_by_label(re.compile("^Nom", re.I)).fill(last)
        page.get_by_label(re.compile("^Prénom", re.I)).fill(first)
        page.get_by_label(re.compile("^Date de naissance", re.I)).fill(birth)
        page.get_by_label(re.compile("^Statut à l'entrée", re.I)).select_option(label="Demandeur d'emploi")
        journey.navigate(
            f"{first} enregistre", page.get_by_role("button", name="Enregistrer le stagiaire").click
        )
        assert "a été enregistré(e)" in page.get_by_role("status").first.inner_text()

    # Enrol both on the action: search the registry, tick, entry date and planned hours.
    page.get_by_label(re.compile("^Rechercher dans le registre")).fill("Lemoine")
    journey.navigate("recherche Lemoine", lambda: page.keyboard.press("Enter"))
    for _, last, first, _ in TRAINEES:
        page.get_by_label(f"{last.upper()} {first}").check()
    page.get_by_label("Heures prévues").fill("420")
    journey.navigate("inscription", page.get_by_role("button", name="Inscrire").click)
    assert "Inscription enregistrée" in page.get_by_role("status").first.inner_text()
    listing = page.locator("main").inner_text()
    assert "Alice" in listing and "Bruno" in listing

    # The month grid of October 2023, reached from the follow-up page, filled with the keyboard:
    # Alice from Monday 2 to Friday 6 with the right arrow, down to Bruno, back with the left arrow.
    journey.navigate("suivi", action_menu.get_by_role("link", name="Suivi des réalisations").click)
    journey.navigate("grille octobre 2023", page.get_by_role("link", name="Octobre 2023").click)
    assert "Octobre 2023" in page.get_by_role("heading", level=1).inner_text()
    page.get_by_role("button", name="Lignes « non réalisé comptabilisé »").click()  # hide them
    page.get_by_label("Heures réalisées par LEMOINE Alice le 02/10/2023").focus()
    for value in ["7", "7", "7", "7", "3,5"]:  # Alice, Monday to Friday, with the right arrow
        page.keyboard.type(value)
        page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowLeft")  # back on Friday (the Saturday cell is empty)
    page.keyboard.press("ArrowDown")  # Bruno, Friday
    for value in ["3,5", "7", "7", "7", "7"]:  # Bruno, Friday back to Monday, with Shift+Tab
        page.keyboard.type(value)
        page.keyboard.press("Shift+Tab")
    page.wait_for_function("() => !document.querySelector('.htmx-request')")  # every cell saved
    expect(page.get_by_role("status").filter(has_text="Enregistré")).to_be_visible()
    totals = {}
    for name in ["LEMOINE Alice", "LEMOINE Bruno"]:
        row = page.get_by_role("row").filter(has=page.get_by_role("rowheader", name=name))
        totals[name] = row.locator("td.num.fw-bold")
    # The totals shown after typing are not asserted: the grid's saves run concurrently and a late
    # response can leave a stale total on screen (reported to attendance); the reloaded page is.
    journey.check("grille remplie au clavier")
    journey.navigate("grille rechargee", page.reload)
    for total in totals.values():
        expect(total).to_have_text("31,50")

    # Validation / Facturation: validate October 2023, then issue its invoice.
    journey.navigate(
        "validation facturation", action_menu.get_by_role("link", name="Validation / Facturation").click
    )
    october = page.get_by_role("row").filter(has=page.get_by_role("rowheader", name="Octobre 2023"))
    journey.navigate("periode validee", october.get_by_role("button", name="Valider la période").click)
    assert "a été validée" in page.get_by_role("status").first.inner_text()
    october = page.get_by_role("row").filter(has=page.get_by_role("rowheader", name="Octobre 2023"))
    journey.navigate("emission", october.get_by_role("link", name="Emettre la facture").click)
    journey.navigate("facture emise", page.get_by_role("button", name="Poursuivre").click)
    tabs = page.get_by_role("navigation", name="Onglets de Validation / Facturation")
    journey.navigate("onglet factures", tabs.get_by_role("link", name="Suivi des factures").click)
    journey.navigate("facture", page.get_by_role("link", name="Détail et historique").last.click)
    assert "Octobre 2023" in page.get_by_role("heading", level=1).inner_text()
    expected_name = re.search(r"Nom attendu : (.+\.pdf)", page.locator("main").inner_text()).group(1)

    # Download the Factur-X invoice, sign it, and upload it: first under a wrong name.
    with page.expect_download() as download:
        page.get_by_role("link", name="Télécharger la facture (Factur-X)").click()
    signed = in_thread(sign_pdf, download.value.path().read_bytes(), trusted_pki)
    journey.navigate("depot signee", page.get_by_role("link", name="Ajouter la facture signée").click)
    page.get_by_label("Facture signée PDF").set_input_files(
        files=[{"name": "facture-octobre.pdf", "mimeType": "application/pdf", "buffer": signed}]
    )
    journey.navigate("mauvais nom refuse", page.get_by_role("button", name="Enregistrer").click)
    refusal = page.get_by_role("alert").inner_text()
    assert expected_name in refusal, refusal

    page.get_by_label("Facture signée PDF").set_input_files(
        files=[{"name": expected_name, "mimeType": "application/pdf", "buffer": signed}]
    )
    journey.navigate("facture signee deposee", page.get_by_role("button", name="Enregistrer").click)
    assert "correctement été enregistrée" in page.get_by_role("status").first.inner_text()
    journey.navigate("rapport de signature", page.get_by_role("link", name="Détail et historique").last.click)
    report = page.get_by_role("region", name="Vérification de la signature").inner_text()
    assert "Signature présente et intacte : oui" in report
    assert "Chaîne de certificats valide : oui" in report

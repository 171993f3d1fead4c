"""Journey — a group order (groupement, ADR 0018): the Région sets up a group on an order (a
co-traitant and its share, validated against the order amount); on the demo's group order
23Q08120377_1 each OF sees its own part and its own invoice — IN1331 (co-traitant) never the
mandataire's figures, IN2045 (mandataire) every member's line of the group's CRE."""

import re

import pytest

from formarche.billing.models import Invoice
from formarche.orders.models import OrderMember
from formarche.organisations.models import Organisation

expect = pytest.importorskip(
    "playwright.sync_api", reason="playwright absent : bash scripts/browser-deps.sh"
).expect

pytestmark = pytest.mark.browser

GROUP_ORDER = "23Q08120377_1"
OF2_ORDER = "23Q07010455_1"


def _spaces(text: str) -> str:
    return text.replace("\u202f", " ").replace("\xa0", " ")


def _open_group_page(journey, page, number):
    menu = page.get_by_role("navigation", name="Menu principal")
    journey.navigate(f"actions {number}", menu.get_by_role("link", name="Actions de formation").click)
    journey.navigate(f"action {number}", page.get_by_role("link", name=number).click)
    action_menu = page.get_by_role("navigation", name="Menu de l'action")
    journey.navigate(f"groupement {number}", action_menu.get_by_role("link", name="Groupement").click)


def test_region_sets_up_a_group_and_each_member_sees_its_part(journey, demo_password):
    # The Région sets up a group on IN2045's order: IN1331 co-traitant for 10 000,00 €.
    page = journey.page
    in1331 = str(Organisation.objects.get(provider_code="IN1331"))
    journey.login("region@demo.formarche.fr", demo_password)
    _open_group_page(journey, page, OF2_ORDER)
    assert "Constituer le groupement" in page.locator("main").inner_text()
    page.get_by_label("Co-traitant 1", exact=True).select_option(label=in1331)
    page.get_by_label("Part du co-traitant 1 (€ HT)").fill("30000.00")
    journey.navigate("parts trop grandes", page.get_by_role("button", name="Enregistrer le groupement").click)
    assert "il ne reste rien au mandataire" in page.locator(".alert-danger").first.inner_text()
    page.get_by_label("Co-traitant 1", exact=True).select_option(label=in1331)
    page.get_by_label("Part du co-traitant 1 (€ HT)").fill("10000.00")
    journey.navigate(
        "groupement enregistre", page.get_by_role("button", name="Enregistrer le groupement").click
    )
    assert "Le groupement de l'action est enregistré." in page.get_by_role("status").first.inner_text()
    members = _spaces(page.get_by_role("table", name="Membres du groupement").inner_text())
    assert "Mandataire" in members and "15 200,00" in members and "10 000,00" in members
    assert OrderMember.objects.filter(order__number=OF2_ORDER).count() == 2

    # The demo's group order: the group's CRE with one line per provider, for the Région.
    _open_group_page(journey, page, GROUP_ORDER)
    cre = _spaces(page.get_by_role("table", name=re.compile("par prestataire")).inner_text())
    assert "IN1331" in cre and "IN2045" in cre and "4 800,00" in cre

    # The co-traitant IN1331: its part only; it issues its own invoice.
    mine = Invoice.objects.get(order__number=GROUP_ORDER, organisation__provider_code="IN2045")
    page = journey.window("of1")
    journey.login("of@demo.formarche.fr", demo_password)
    _open_group_page(journey, page, GROUP_ORDER)
    main = _spaces(page.locator("main").inner_text())
    assert "Part de" in main and "1 920,00" in main and "4 320,00" not in main
    journey.navigate("emission co-traitant", page.get_by_role("button", name="Emettre la facture").click)
    assert "a été validée" in page.get_by_role("status").first.inner_text()
    theirs = Invoice.objects.get(order__number=GROUP_ORDER, organisation__provider_code="IN1331")
    journey.navigate("facture du co-traitant", page.get_by_role("link", name=theirs.number).click)
    assert f"Facture n° {theirs.number}" in page.get_by_role("heading", level=1).inner_text()
    assert "1 920,00" in _spaces(page.locator("main").inner_text())

    # The mandataire IN2045: every member's part, its own invoice.
    page = journey.window("of2")
    journey.login("of2@demo.formarche.fr", demo_password)
    _open_group_page(journey, page, GROUP_ORDER)
    main = _spaces(page.locator("main").inner_text())
    assert "2 880,00" in main and "1 920,00" in main
    expect(page.get_by_role("link", name=mine.number).first).to_be_visible()

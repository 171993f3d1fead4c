"""Journey — « Résultats des actions » on both sides (issue #19.3): the OF sees its own actions,
the Région every OF's, each with the SVG charts beside their tables; both filter the page.

The demo closes 23Q00030612_1 with its exits, certifications and bilans (closing's demo), so the
charts have something to draw. A full-page screenshot of each side is saved under the test's
tmp dir (``resultats-of.png``, ``resultats-region.png``), besides the harness's numbered ones.
"""

import pytest

expect = pytest.importorskip(
    "playwright.sync_api", reason="playwright absent : bash scripts/browser-deps.sh"
).expect

pytestmark = pytest.mark.browser

SEED_ORDER = "23Q00030612_1"
CHARTS = ("realisation", "sorties", "certification", "emploi-6-mois", "taux-emploi-6-mois")


def _assert_charts(page):
    for key in CHARTS:
        chart = page.locator(f'svg[data-chart="{key}"]')
        expect(chart).to_be_visible()
        assert chart.get_attribute("role") == "img"
        assert chart.locator(f"#titre-{key}").count() == 1 and chart.locator(f"#desc-{key}").count() == 1
        figure = page.locator(f"#graphique-{key}")
        expect(figure.locator("table caption")).to_contain_text("les données du graphique")
    expect(page.locator('svg[data-chart="realisation"] rect').first).to_be_attached()


def test_outcomes_of_and_region_with_charts(journey, demo_password, tmp_path):
    page = journey.page
    journey.login("of@demo.formarche.fr", demo_password)
    menu = page.get_by_role("navigation", name="Menu principal")
    journey.navigate("resultats OF", menu.get_by_role("link", name="Résultats").click)
    expect(page.get_by_role("heading", level=1)).to_have_text("Résultats des actions")
    _assert_charts(page)
    expect(page.get_by_label("Organisme de formation")).to_have_count(0)  # an OF sees only itself
    # group by action, narrow to the seed's action
    page.get_by_label("Regrouper par").select_option("action")
    action = page.get_by_label("Action", exact=True)
    option = action.locator("option", has_text=SEED_ORDER).first
    action.select_option(option.get_attribute("value"))
    journey.navigate("resultats OF une action", page.get_by_role("button", name="Afficher").click)
    body = page.locator("main table").first
    expect(body.locator("tbody tr")).to_have_count(1)
    expect(body.locator("tbody th")).to_contain_text(SEED_ORDER)
    _assert_charts(page)
    expect(page.locator("#graphique-realisation")).to_contain_text("contrat : 100 %")
    page.screenshot(path=str(tmp_path / "resultats-of.png"), full_page=True)
    journey.logout()

    journey.login("region@demo.formarche.fr", demo_password)
    journey.navigate("resultats Region", menu.get_by_role("link", name="Résultats").click)
    _assert_charts(page)
    providers = page.get_by_label("Organisme de formation")
    names = providers.locator("option").all_inner_texts()
    assert "Formations Agricoles du Tarn" in names, names
    page.get_by_label("Regrouper par").select_option("organisme")
    journey.navigate("resultats Region par OF", page.get_by_role("button", name="Afficher").click)
    rows = page.locator("main table").first.locator("tbody th").all_inner_texts()
    assert "Formations Agricoles du Tarn" in rows and len(rows) >= 2, rows  # both OFs of the Région
    _assert_charts(page)
    page.screenshot(path=str(tmp_path / "resultats-region.png"), full_page=True)
    for name in ("resultats-of.png", "resultats-region.png"):
        assert (tmp_path / name).stat().st_size > 10_000

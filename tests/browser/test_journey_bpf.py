"""Journey 4 — BPF: open the 2023 fiscal year, click a cell, see its records, download the PDF
and the JSON.

Played on the demo's 2023 fiscal year of OF IN1331 (``formarche/bpf/demo.py``): 30 trainees on
the year, 22 of them job seekers (cadre F-1, line c).
"""

import json
import re

import pytest

pytestmark = pytest.mark.browser

JOB_SEEKERS = "Personnes en recherche d'emploi formées par votre organisme de formation"


def test_bpf_year_cell_records_and_downloads(journey, demo_password):
    page = journey.page
    journey.login("of@demo.formarche.fr", demo_password)
    menu = page.get_by_role("navigation", name="Menu principal")
    journey.navigate("bpf", menu.get_by_role("link", name="Bilan pédagogique et financier").click)
    years = page.get_by_role("table", name="Exercices comptables et état de leur BPF")
    journey.navigate("exercice 2023", years.get_by_role("link", name="2023").click)
    assert "exercice 2023" in page.get_by_role("heading", level=1).inner_text()
    assert "Conseils régionaux" in page.locator("main").inner_text()

    # Cadre F-1, line c: the number of job seekers is a link to the records behind it.
    row = page.get_by_role("row").filter(has=page.get_by_role("rowheader", name=JOB_SEEKERS))
    count = row.get_by_role("link").first
    assert count.inner_text() == "22"
    journey.navigate("case F1.c.n", count.click)
    assert page.get_by_role("heading", level=1).inner_text().startswith("Case F1.c.n")
    assert "Valeur : 22" in page.locator("main").inner_text()
    enrolments = page.get_by_role("table", name=re.compile(r"^Inscriptions \(22\)"))
    assert enrolments.get_by_role("row").count() == 1 + 22  # the header and one row per trainee
    assert "23Q00030612_1" in enrolments.inner_text()

    # Back to the year through the breadcrumb; download the Cerfa (PDF) and the JSON.
    breadcrumb = page.get_by_role("navigation", name="Fil d'Ariane")
    journey.navigate("retour exercice", breadcrumb.get_by_role("link", name="Exercice 2023").click)
    with page.expect_download() as pdf:
        page.get_by_role("link", name="PDF", exact=True).click()
    assert pdf.value.suggested_filename == "bpf-IN1331-2023.pdf"
    assert pdf.value.path().read_bytes().startswith(b"%PDF-")
    with page.expect_download() as document:
        page.get_by_role("link", name="JSON", exact=True).click()
    assert document.value.suggested_filename == "bpf-IN1331-2023.json"
    data = json.loads(document.value.path().read_bytes())
    assert data["cells"]["F1.c.n"] == 22

"""Generated PDFs: the monthly attendance sheet paginates cleanly for 1 and for 40 trainees
(rendered to PNG pages with pdftoppm when it is installed, counted with pypdf always); the
attestations carry the hours."""

import datetime as dt
import io
import shutil
import subprocess
from decimal import Decimal

import pytest
from django.urls import reverse
from pypdf import PdfReader

from formarche.documents.generated import (
    ROWS_PER_PAGE,
    attendance_sheet_pages,
    attendance_sheet_pdf,
    expected_sheet_pages,
)
from tests.factories import AttendanceFactory, EnrolmentFactory, OrderFactory, TraineeFactory

DECEMBER = dt.date(2023, 12, 1)  # working days: 1 | 4-8 | 11-15 | 18-22 | 26-29 (25 is Noël) → 5 weeks


def _order_with(count: int):
    order = OrderFactory(planned_start=dt.date(2023, 9, 4), planned_end=dt.date(2024, 9, 3), title="Cariste")
    for i in range(count):
        trainee = TraineeFactory(organisation=order.provider, last_name=f"Nom{i:02d}", first_name="Prénom")
        EnrolmentFactory(order=order, trainee=trainee)
    return order


def _pages_text(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def _png_pages(pdf: bytes, tmp_path) -> int | None:
    if not shutil.which("pdftoppm"):
        return None
    source = tmp_path / "sheet.pdf"
    source.write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-r", "20", "-png", str(source), str(tmp_path / "page")], check=True, timeout=60
    )
    pngs = sorted(tmp_path.glob("page-*.png"))
    for png in pngs:
        assert png.read_bytes().startswith(b"\x89PNG")
    return len(pngs)


@pytest.mark.django_db
@pytest.mark.parametrize("count, expected", [(1, 5), (40, 5 * 4)])
def test_sheet_paginates_by_week_and_chunk_of_trainees(count, expected, tmp_path):
    assert ROWS_PER_PAGE == 12  # 40 trainees → 4 chunks (12, 12, 12, 4)
    order = _order_with(count)
    assert expected_sheet_pages(order, DECEMBER, count) == expected
    pdf = attendance_sheet_pdf(order, DECEMBER)
    texts = _pages_text(pdf)
    assert len(texts) == expected, "a page overflowed: the chunks must each fit on one page"
    png_count = _png_pages(pdf, tmp_path)
    assert png_count in (None, expected)
    for number, text in enumerate(texts, start=1):
        assert f"Page {number} / {expected}" in text
        assert "Feuille d'émargement — Décembre 2023" in text  # the header on every page
        assert "Signature du formateur" in text
    assert "Semaine du 01/12/2023 au 01/12/2023" in texts[0]
    assert "Semaine du 26/12/2023 au 29/12/2023" in texts[-1]
    assert "Lundi 25/12" not in "".join(texts)  # Noël is not a working day
    if count == 40:
        # chunk 4 of week 1 holds trainees 37 to 40, and nobody else
        assert "stagiaires 37 à 40 sur 40" in texts[3]
        assert "NOM36" in texts[3] and "NOM35" not in texts[3]


@pytest.mark.django_db
def test_sheet_draws_a_page_without_greyed_half_day_as_one_block(tmp_path):
    """Few boxes per page (docs/performance.md, « PDF en masse »): a page where every half-day is a
    box to sign is one table row (numbers, names a line each, ruled boxes); a trainee entering
    mid-week keeps a cell per half-day, the greyed ones hatched. Same names, numbers and pages."""
    from django.template.loader import render_to_string

    order = _order_with(3)
    late = order.enrolments.order_by("trainee__last_name")[1]
    late.entry_date = dt.date(2023, 12, 6)  # a Wednesday: Monday and Tuesday of week 2 greyed
    late.save()
    pages = attendance_sheet_pages(order, DECEMBER)
    assert [p.all_enrolled for p in pages] == [
        False,
        False,
        True,
        True,
        True,
    ]  # 01/12 is before the entry too
    assert pages[2].names_text == "NOM00 Prénom\nNOM01 Prénom\nNOM02 Prénom"
    assert pages[2].numbers_text == "1\n2\n3" and pages[2].line_count == 6  # 3 rows, 3 filler lines
    html = render_to_string("documents/attendance_sheet_pdf.html", {"order": order, "pages": pages[1:3]})
    week2, week3 = html.split('<section class="page">')[1:]
    assert 'class="block"' not in week2 and week2.count('class="off"') == 4  # Monday and Tuesday, 2 each
    assert 'class="block"' in week3 and 'class="off"' not in week3
    texts = _pages_text(attendance_sheet_pdf(order, DECEMBER))
    for text in texts[1:3]:
        assert all(f"NOM0{i} Prénom" in text for i in range(3))
        assert "Signature du formateur" in text


@pytest.mark.django_db
def test_sheet_page_for_own_members_and_not_for_others(world, login):
    order = world.objects["order"]
    url = reverse("documents:attendance_sheet", kwargs={"order_id": order.pk, "period": "2023-03"})
    response = login(world.users["region_a_officer"]).get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    response = login(world.users["of2_manager"]).get(url)
    assert response.status_code == 404


@pytest.mark.django_db
def test_attendance_certificate_shows_the_months_hours(world, login):
    order = world.objects["order"]
    enrolment = world.objects["enrolment"]
    AttendanceFactory(enrolment=enrolment, day=dt.date(2023, 3, 7), realised_hours=Decimal("3.25"))
    url = reverse(
        "documents:attendance_certificate",
        kwargs={"order_id": order.pk, "enrolment_id": enrolment.pk, "period": "2023-03"},
    )
    response = login(world.users["of1_staff"]).get(url)
    assert response.status_code == 200
    text = "".join(_pages_text(response.content))
    assert "Attestation d'assiduité — Mars 2023" in text
    assert "10,25 heures réalisées" in text  # 7,00 (world) + 3,25
    assert "07/03/2023" in text


@pytest.mark.django_db
def test_completion_certificate_at_exit_only(world, login):
    order = world.objects["order"]
    enrolment = world.objects["enrolment"]
    client = login(world.users["of1_staff"])
    url = reverse(
        "documents:completion_certificate", kwargs={"order_id": order.pk, "enrolment_id": enrolment.pk}
    )
    response = client.get(url)
    assert response.status_code == 302  # no exit yet: back to the page with a message
    enrolment.exit_date = dt.date(2023, 3, 31)
    enrolment.exit_reason = "fin_formation"
    enrolment.save()
    order.certification_type = "rncp"
    order.certification_code = "RNCP34860"
    order.save()
    response = client.get(url)
    assert response.status_code == 200
    text = "".join(_pages_text(response.content))
    assert "Certificat de réalisation" in text
    assert "7,00 heures réalisées" in text
    assert "01/03/2023" in text and "31/03/2023" in text
    assert "RNCP34860" in text
    assert order.provider.nda in text
    assert order.title in text


@pytest.mark.django_db
def test_generate_form_redirects_to_the_document(world, login):
    order = world.objects["order"]
    client = login(world.users["of1_staff"])
    url = reverse("documents:generate", kwargs={"order_id": order.pk})
    response = client.get(url, {"document": "feuille", "period": "2023-04"})
    assert response["Location"] == reverse(
        "documents:attendance_sheet", kwargs={"order_id": order.pk, "period": "2023-04"}
    )
    response = client.get(
        url, {"document": "assiduite", "period": "2023-04", "enrolment": world.objects["enrolment"].pk}
    )
    assert "/attestation-assiduite/" in response["Location"]
    response = client.get(url, {"document": "assiduite", "period": "2023-04", "enrolment": "999999"})
    assert response.status_code == 404

"""Pages: month grid and its htmx cell, month totals, follow-up (figures, chart, query count), controls."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from formarche.attendance.models import Attendance
from tests.attendance.conftest import seed_order, sized_order, validated_period
from tests.factories import AttendanceFactory, EnrolmentFactory, OrderFactory

D = Decimal
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def garcia(world):
    """An order of OF 1 (Région A, no period yet) with GARCIA Léa enrolled from 06/03/2023 to 20/04/2023."""
    return EnrolmentFactory(
        order=OrderFactory(region=world.region_a, provider=world.of1, title="Action des heures"),
        trainee__organisation=world.of1,
        trainee__last_name="Garcia",
        trainee__first_name="Léa",
        entry_date=dt.date(2023, 3, 6),
        exit_date=dt.date(2023, 4, 20),
        exit_reason="fin_formation",
    )


def grid_url(order, period="2023-03"):
    return reverse("attendance:grid_month", kwargs={"order_id": order.pk, "period": period})


def cell_url(order, period="2023-03"):
    return reverse("attendance:cell", kwargs={"order_id": order.pk, "period": period})


def test_grid_page_for_the_of(login, world, garcia):
    client = login(world.users["of1_staff"])
    response = client.get(grid_url(garcia.order))
    assert response.status_code == 200
    body = response.content.decode()
    assert 'aria-label="Heures réalisées par GARCIA Léa le 13/03/2023"' in body
    assert 'aria-label="Heures non réalisées comptabilisées de GARCIA Léa le 13/03/2023"' in body
    # before the entry date: disabled; weekends shaded and named
    assert 'aria-label="Heures réalisées par GARCIA Léa le 03/03/2023 (hors inscription)"' in body
    assert '<abbr title="samedi 04/03/2023">sa 4</abbr>' in body
    assert "fm-weekend" in body
    assert "attendance/grid.js" in body
    assert "Mois validé" not in body
    assert f'href="/actions/{garcia.order.pk}/realisations/2023-04/"' in body  # next month


def test_grid_banner_on_a_validated_month(login, world, garcia):
    validated_period(garcia.order, dt.date(2023, 3, 1))
    body = login(world.users["of1_staff"]).get(grid_url(garcia.order)).content.decode()
    assert (
        "Mois validé :</strong> toute modification sera un rectificatif facturé sur la période suivante"
        in body
    )


def test_bad_period_is_a_404(login, world):
    client = login(world.users["of1_staff"])
    order = world.objects["order"]
    for period in ("2023-13", "mars", "0000-01"):
        assert client.get(grid_url(order, period)).status_code == 404


def test_grid_redirects_to_a_month(login, world):
    order = world.objects["order"]
    response = login(world.users["of1_staff"]).get(reverse("attendance:grid", kwargs={"order_id": order.pk}))
    assert response.status_code == 302
    assert f"/actions/{order.pk}/realisations/20" in response["Location"]


def test_cell_save_returns_the_cell_and_the_totals(login, world, garcia):
    client = login(world.users["of1_staff"])
    AttendanceFactory(enrolment=garcia, day=dt.date(2023, 3, 14), realised_hours=D(7))
    AttendanceFactory(enrolment__order=garcia.order, day=dt.date(2023, 3, 6), realised_hours=D(7))
    response = client.post(
        cell_url(garcia.order),
        {"enrolment": garcia.pk, "day": "2023-03-13", "realised": "6,5", "counted": ""},
        **HTMX,
    )
    assert response.status_code == 200
    body = response.content.decode()
    key = f"{garcia.pk}-20230313"
    assert f'id="r-{key}"' in body and 'value="6,5"' in body
    assert f'<td id="rt-{garcia.pk}" class="num fw-bold" hx-swap-oob="true">13,50</td>' in body
    # the column of the 13th; the month: GARCIA's 13,50 + another trainee's 7,00
    assert '<td id="crt-20230313" class="num" hx-swap-oob="true">6,50</td>' in body
    assert '<td id="grt" class="num fw-bold" hx-swap-oob="true">20,50</td>' in body
    assert "Enregistré : GARCIA Léa le 13/03/2023, 6,50 h réalisées." in body
    row = Attendance.objects.get(enrolment=garcia, day=dt.date(2023, 3, 13))
    assert (row.realised_hours, row.updated_by) == (D("6.50"), world.users["of1_staff"])


def test_cell_error_is_shown_in_place_and_changes_nothing(login, world, garcia):
    client = login(world.users["of1_staff"])
    response = client.post(
        cell_url(garcia.order), {"enrolment": garcia.pk, "day": "2023-03-13", "realised": "25"}, **HTMX
    )
    assert response.status_code == 422
    body = response.content.decode()
    assert 'aria-invalid="true"' in body and 'value="25"' in body
    assert "Une journée ne peut pas compter plus de 24 heures" in body
    assert 'id="grid-status" hx-swap-oob="innerHTML"' in body and "Non enregistré" in body
    assert not Attendance.objects.filter(enrolment=garcia).exists()
    # counted hours without a reason: the reason list appears
    response = client.post(
        cell_url(garcia.order),
        {"enrolment": garcia.pk, "day": "2023-03-13", "realised": "", "counted": "7"},
        **HTMX,
    )
    assert response.status_code == 422
    assert 'name="reason"' in response.content.decode() and "Indiquez le motif" in response.content.decode()
    response = client.post(
        cell_url(garcia.order),
        {"enrolment": garcia.pk, "day": "2023-03-13", "realised": "", "counted": "7", "reason": "maladie"},
        **HTMX,
    )
    assert response.status_code == 200
    assert Attendance.objects.get(enrolment=garcia).unrealised_reason == "maladie"


def test_cell_refuses_unknown_cells(login, world, garcia):
    client = login(world.users["of1_staff"])
    for data in (
        {"enrolment": garcia.pk, "day": "2023-04-03", "realised": "7"},  # not the grid's month
        {"enrolment": "x", "day": "2023-03-13", "realised": "7"},
        {},
    ):
        assert client.post(cell_url(garcia.order), data).status_code == 400
    other = world.objects["of2_order"]
    assert client.post(cell_url(other), {"enrolment": garcia.pk, "day": "2023-03-13"}).status_code == 404
    assert not Attendance.objects.filter(enrolment=garcia).exists()


@pytest.mark.parametrize("role", ["region_a_officer", "region_a_manager"])
def test_region_reads_the_grid_and_cannot_write(login, world, garcia, role):
    AttendanceFactory(enrolment=garcia, day=dt.date(2023, 3, 13), realised_hours=D(7))
    client = login(world.users[role])
    response = client.get(grid_url(garcia.order))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Consultation seule" in body and "<input" not in body.split('id="grille"')[1]
    response = client.post(
        cell_url(garcia.order), {"enrolment": garcia.pk, "day": "2023-03-13", "realised": "1"}
    )
    assert response.status_code == 403
    assert Attendance.objects.get(enrolment=garcia, day=dt.date(2023, 3, 13)).realised_hours == D(7)


def test_month_totals_page_and_cell(login, world, garcia):
    client = login(world.users["of1_staff"])
    AttendanceFactory(enrolment=garcia, day=dt.date(2023, 3, 13), realised_hours=D(7))
    url = reverse("attendance:month_totals", kwargs={"order_id": garcia.order.pk})
    body = client.get(url).content.decode()
    assert 'aria-label="Total des heures réalisées par GARCIA Léa en Avril 2023"' in body
    assert "saisi jour par jour" in body  # March is kept day by day
    cell = reverse("attendance:month_total_cell", kwargs={"order_id": garcia.order.pk})
    response = client.post(cell, {"enrolment": garcia.pk, "month": "2023-04", "realised": "100"}, **HTMX)
    assert response.status_code == 200
    assert (
        f'<td id="mt-{garcia.pk}" class="num fw-bold" hx-swap-oob="true">107,00</td>'
        in response.content.decode()
    )
    response = client.post(cell, {"enrolment": garcia.pk, "month": "2023-03", "realised": "100"}, **HTMX)
    assert response.status_code == 422
    assert "déjà saisi jour par jour" in response.content.decode()
    assert login(world.users["region_a_officer"]).post(cell, {"enrolment": garcia.pk}).status_code == 403


def test_followup_shows_the_seed_figures(login, world):
    order = seed_order(provider=world.of1, region=world.region_a)
    response = login(world.users["of1_manager"]).get(
        reverse("attendance:followup", kwargs={"order_id": order.pk})
    )
    assert response.status_code == 200
    body = response.content.decode()
    nnbsp = "\u202f"
    assert f'<dd class="col-sm-7 col-lg-9" id="cumul">4{nnbsp}662,00 h</dd>' in body
    assert f'<dd class="col-sm-7 col-lg-9" id="taux">95,14{nnbsp}%</dd>' in body
    assert f"1{nnbsp}662,00" in body and f"3{nnbsp}000,00" in body
    assert f"33,92{nnbsp}%" in body  # end of March: 1 662 / 4 900
    assert f"Volume contractuel 4{nnbsp}900,00 h" in body
    # the chart: title, description, three resorption bands, the 80 % cap, one point a month
    assert '<title id="graph-titre">' in body and '<desc id="graph-desc">' in body
    assert body.count('fill="#dde3ea"') == 3
    assert "Résorption 1/3 : 10–20 %" in body and "Résorption 3/3 : 50–60 %" in body
    assert f"Plafond 80,00{nnbsp}%" in body
    assert body.count("<circle") == 2


def test_followup_queries_do_not_depend_on_trainees_or_months(login, world):
    client = login(world.users["of1_manager"])
    counts = []
    for trainees, months in ((2, 2), (7, 6)):
        order = sized_order(trainees, months, provider=world.of1)
        url = reverse("attendance:followup", kwargs={"order_id": order.pk})
        client.get(url)  # warm the session
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200
        assert response.content.decode().count("<circle") == months
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
    assert counts[0] <= 12, counts


def test_controls_page_lists_issues_with_a_link(login, world, garcia):
    AttendanceFactory(enrolment=garcia, day=dt.date(2023, 3, 14), realised_hours=D(13))
    for role in ("of1_staff", "region_a_officer"):
        response = login(world.users[role]).get(
            reverse("attendance:controls", kwargs={"order_id": garcia.order.pk})
        )
        body = response.content.decode()
        assert response.status_code == 200
        assert "Plus de 12 heures dans une journée" in body
        assert "Le 14/03/2023 : 13,00 h pour GARCIA Léa, plus de 12 h dans une journée." in body
        assert f"/realisations/2023-03/#r-{garcia.pk}-20230314" in body


def test_foreign_users_get_404(login, world, garcia):
    for role in ("of2_manager", "region_b_officer"):
        client = login(world.users[role])
        for name in ("followup", "controls", "month_totals", "grid"):
            assert (
                client.get(reverse(f"attendance:{name}", kwargs={"order_id": garcia.order.pk})).status_code
                == 404
            )
        assert client.get(grid_url(garcia.order)).status_code == 404


def test_closed_action_grid_is_read_only(login, world, garcia):
    order = garcia.order
    type(order).objects.filter(pk=order.pk).update(status="fermee")
    client = login(world.users["of1_staff"])
    for url in (
        reverse("attendance:grid_month", kwargs={"order_id": order.pk, "period": "2023-03"}),
        reverse("attendance:month_totals", kwargs={"order_id": order.pk}),
    ):
        body = client.get(url).content.decode()
        assert "l'action est fermée, les heures ne peuvent plus être modifiées" in body
        assert "hx-post" not in body
    cell = reverse("attendance:cell", kwargs={"order_id": order.pk, "period": "2023-03"})
    response = client.post(cell, {"enrolment": garcia.pk, "day": "2023-03-13", "realised": "7"})
    assert response.status_code == 422
    assert (
        "L&#x27;action est fermée : les heures ne peuvent plus être modifiées." in response.content.decode()
    )

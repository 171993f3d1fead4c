"""The rule of the date of an hour (issue #17): the pure function, then the same table of dates
through every write path — the service, the grid (POST), the hours import (CSV), the API and the
émargement confirmation. A refused date changes nothing and names the bound that was crossed."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from formarche.attendance.models import Attendance
from formarche.attendance.rules import hour_date_refusal
from formarche.attendance.services import AttendanceRefused, attendance_set, attendance_set_month_total
from formarche.imports import services as imports
from formarche.imports.models import ImportStatus
from formarche.signing.services import (
    SigningRefused,
    session_confirm,
    session_open,
    signature_record_on_device,
)
from tests.api.tokens import token_key
from tests.attendance.date_rule_table import CASES, IDS, build, sentence
from tests.factories import SessionFactory, signature_data_url

pytestmark = pytest.mark.django_db
D = Decimal
BOUNDS = {
    "entry": dt.date(2023, 3, 6),
    "exit": None,
    "real_end": None,
    "planned_end": dt.date(2024, 9, 3),
    "today": dt.date(2026, 12, 3),
}


# --- the pure function --------------------------------------------------------------------------


def test_the_issue_example_names_the_planned_end():
    assert (
        hour_date_refusal(day=dt.date(2031, 3, 14), **BOUNDS)
        == "le 14/03/2031 est après la fin prévue de l'action (03/09/2024)"
    )


@pytest.mark.parametrize(
    ("changes", "day", "expected"),
    [
        ({}, dt.date(2023, 3, 6), None),
        ({}, dt.date(2023, 3, 5), "le 05/03/2023 est avant l'entrée en formation (le 06/03/2023)"),
        ({"exit": dt.date(2023, 4, 20), "real_end": dt.date(2023, 4, 1)}, dt.date(2023, 4, 20), None),
        (
            {"real_end": dt.date(2023, 6, 30)},
            dt.date(2023, 7, 1),
            "le 01/07/2023 est après la fin réelle de l'action (30/06/2023)",
        ),
        ({"planned_end": None}, dt.date(2026, 12, 3), None),
        (
            {"planned_end": None},
            dt.date(2026, 12, 4),
            "le 04/12/2026 est dans le futur (nous sommes le 03/12/2026)",
        ),
        (
            {"validated": True},
            dt.date(2023, 3, 8),
            "le 08/03/2023 est dans un mois validé (Mars 2023) : ses heures ne peuvent plus être modifiées",
        ),
    ],
)
def test_day_bounds(changes, day, expected):
    assert hour_date_refusal(day=day, **{**BOUNDS, **changes}) == expected


@pytest.mark.parametrize(
    ("changes", "day", "expected"),
    [
        # dated by its month: the month of entry, of the end and the current month are accepted
        ({}, dt.date(2023, 3, 1), None),
        ({}, dt.date(2023, 2, 1), "GARCIA Léa n'est pas inscrit(e) en Février 2023 (entrée le 06/03/2023)"),
        ({"exit": dt.date(2023, 4, 20)}, dt.date(2023, 4, 1), None),
        (
            {"exit": dt.date(2023, 4, 20)},
            dt.date(2023, 5, 1),
            "GARCIA Léa n'est pas inscrit(e) en Mai 2023 (entrée le 06/03/2023, sortie le 20/04/2023)",
        ),
        ({}, dt.date(2024, 9, 1), None),
        ({}, dt.date(2024, 10, 1), "Octobre 2024 est après la fin prévue de l'action (03/09/2024)"),
        ({"planned_end": None}, dt.date(2026, 12, 1), None),
        (
            {"planned_end": None},
            dt.date(2027, 1, 1),
            "Janvier 2027 est dans le futur (nous sommes le 03/12/2026)",
        ),
    ],
)
def test_month_total_bounds_by_month(changes, day, expected):
    found = hour_date_refusal(day=day, month_total=True, trainee="GARCIA Léa", **{**BOUNDS, **changes})
    assert found == expected


# --- every write path, the same table -----------------------------------------------------------


def _check_stored(enrolment, day, expected, case):
    rows = list(Attendance.objects.filter(enrolment=enrolment))
    if expected:
        assert rows == []
    else:
        assert [(r.day, r.realised_hours, r.is_correction) for r in rows] == [
            (day, D("7.00"), case.validated)
        ]


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_service(world, case):
    enrolment, day, expected = build(world, case)
    if expected:
        with pytest.raises(AttendanceRefused) as refused:
            attendance_set(enrolment=enrolment, day=day, realised_hours="7")
        assert refused.value.message == sentence(expected)
    else:
        attendance_set(enrolment=enrolment, day=day, realised_hours="7")
    _check_stored(enrolment, day, expected, case)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_grid_cell(world, login, case):
    enrolment, day, expected = build(world, case)
    client = login(world.users["of1_staff"])
    url = reverse("attendance:cell", kwargs={"order_id": enrolment.order_id, "period": f"{day:%Y-%m}"})
    response = client.post(
        url, {"enrolment": enrolment.pk, "day": day.isoformat(), "realised": "7"}, HTTP_HX_REQUEST="true"
    )
    if expected:
        assert response.status_code == 422
        assert sentence(expected).replace("'", "&#x27;") in response.content.decode()
    else:
        assert response.status_code == 200
    _check_stored(enrolment, day, expected, case)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_hours_import(world, case):
    enrolment, day, expected = build(world, case)
    content = (
        "numero_action;identifiant_stagiaire;date;realise;non_realise_comptabilise;motif\n"
        f"{enrolment.order.number};T-1;{day:%d/%m/%Y};7;0;\n"
    ).encode()
    job = imports.import_job_create(
        organisation=world.of1,
        user=world.users["of1_staff"],
        kind="heures",
        file_name="h.csv",
        content=content,
    )
    if expected:
        assert job.status == ImportStatus.REFUSED
        assert job.errors == [f"Ligne 2 : {expected}"]
    else:
        assert job.status != ImportStatus.REFUSED, job.errors
    _check_stored(enrolment, day, expected, case)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_api(world, case):
    enrolment, day, expected = build(world, case)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token_key(world.memberships['of1_staff'])}")
    response = client.post(
        "/api/attendances/",
        {"enrolment": enrolment.pk, "day": day.isoformat(), "realised_hours": "7"},
        format="json",
    )
    if expected:
        assert response.status_code == 400
        assert sentence(expected) in str(response.json())
    else:
        assert response.status_code in (200, 201), response.json()
    _check_stored(enrolment, day, expected, case)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_emargement_confirmation(world, case):
    enrolment, day, expected = build(world, case)
    session = session_open(session=SessionFactory(order=enrolment.order, date=day, planned_hours=D("7")))
    if not enrolment.covers(day):  # émargement refuses the signature itself, before any hour
        with pytest.raises(SigningRefused, match="n'est pas inscrit"):
            signature_record_on_device(
                session=session, enrolment=enrolment, data_url=signature_data_url(), ip=None, user_agent=""
            )
        _check_stored(enrolment, day, expected, case)
        return
    signature_record_on_device(
        session=session, enrolment=enrolment, data_url=signature_data_url(), ip=None, user_agent=""
    )
    if expected:
        with pytest.raises(SigningRefused) as refused:
            session_confirm(session=session)
        assert refused.value.message.startswith("Les heures n'ont pas pu être enregistrées : ")
        assert sentence(expected) in refused.value.message
    else:
        session_confirm(session=session)
    _check_stored(enrolment, day, expected, case)


def test_month_total_after_the_planned_end_is_refused(world):
    case = CASES[0]
    enrolment, _day, _expected = build(world, case)
    with pytest.raises(
        AttendanceRefused, match=r"Septembre 2024 est après la fin prévue de l'action \(31/08/2024\)"
    ):
        attendance_set_month_total(enrolment=enrolment, month=dt.date(2024, 9, 1), realised_hours="70")
    attendance_set_month_total(enrolment=enrolment, month=dt.date(2024, 8, 1), realised_hours="70")
    assert Attendance.objects.get(enrolment=enrolment).day == dt.date(2024, 8, 1)


def test_clearing_a_day_after_the_end_is_allowed(world):
    """A row without hours is checked against the enrolment only (a file may list a whole month)."""
    case = CASES[0]
    enrolment, _day, _expected = build(world, case)
    assert attendance_set(enrolment=enrolment, day=dt.date(2031, 3, 14), realised_hours="0") is None

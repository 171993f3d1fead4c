"""Writing hours: validation messages, rectificatifs, month totals, bulk upsert."""

import datetime as dt
import re
from decimal import Decimal

import pytest

from formarche.attendance.models import Attendance, AttendanceKind, AttendanceSource
from formarche.attendance.services import (
    AttendanceBulkRefused,
    AttendanceRefused,
    AttendanceRow,
    BulkResult,
    attendance_bulk_upsert,
    attendance_set,
    attendance_set_month_total,
    parse_hours,
)
from tests.attendance.conftest import validated_period
from tests.factories import EnrolmentFactory

D = Decimal
MARCH_13 = dt.date(2023, 3, 13)


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("7", D("7.00")),
        ("7,5", D("7.50")),
        ("3.25", D("3.25")),
        ("", D("0.00")),
        (None, D("0.00")),
        (D("8"), D("8.00")),
    ],
)
def test_parse_hours_accepts(raw, expected):
    assert parse_hours(value=raw) == expected


@pytest.mark.parametrize(
    "raw, message",
    [
        ("sept", "n'est pas un nombre d'heures"),
        ("-1", "ne peut pas être négatif"),
        ("1,234", "2 décimales au plus"),
        ("NaN", "n'est pas un nombre d'heures"),
    ],
)
def test_parse_hours_refuses_in_french(raw, message):
    with pytest.raises(AttendanceRefused, match=message):
        parse_hours(value=raw)


def test_parse_hours_refuses_floats():
    with pytest.raises(TypeError):
        parse_hours(value=7.5)


def test_set_creates_updates_and_deletes_when_zero(enrolment):
    row = attendance_set(enrolment=enrolment, day=MARCH_13, realised_hours="7", by=None)
    assert (row.realised_hours, row.counted_unrealised_hours, row.is_correction) == (
        D("7.00"),
        D("0.00"),
        False,
    )
    attendance_set(
        enrolment=enrolment,
        day=MARCH_13,
        realised_hours="3,5",
        counted_unrealised_hours="3,5",
        unrealised_reason="maladie",
        source=AttendanceSource.IMPORT,
    )
    row.refresh_from_db()
    assert (row.realised_hours, row.counted_unrealised_hours, row.unrealised_reason, row.source) == (
        D("3.50"),
        D("3.50"),
        "maladie",
        "import",
    )
    assert (
        attendance_set(enrolment=enrolment, day=MARCH_13, realised_hours="0", counted_unrealised_hours="")
        is None
    )
    assert not Attendance.objects.filter(enrolment=enrolment).exists()
    assert row.history.count() == 3  # created, changed, deleted: the audit trail


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (
            {"realised_hours": "20", "counted_unrealised_hours": "5", "unrealised_reason": "maladie"},
            "plus de 24 heures",
        ),
        ({"realised_hours": "25"}, "plus de 24 heures"),
        ({"realised_hours": "-2"}, "ne peut pas être négatif"),
        ({"realised_hours": "7,125"}, "2 décimales au plus"),
        ({"realised_hours": "0", "counted_unrealised_hours": "7"}, "Indiquez le motif"),
        (
            {"realised_hours": "0", "counted_unrealised_hours": "7", "unrealised_reason": "vacances"},
            "Motif inconnu",
        ),
        (
            {"day": dt.date(2023, 3, 3)},
            "Le 03/03/2023 est avant l'entrée en formation de GARCIA Léa (le 06/03/2023)",
        ),
        ({"day": dt.date(2023, 4, 21)}, "Le 21/04/2023 est après la sortie de GARCIA Léa (le 20/04/2023)"),
    ],
)
def test_set_refuses_and_changes_nothing(enrolment, kwargs, message):
    values = {"day": MARCH_13, "realised_hours": "7", **kwargs}
    with pytest.raises(AttendanceRefused, match=re.escape(message)):
        attendance_set(enrolment=enrolment, **values)
    assert not Attendance.objects.exists()


def test_a_change_to_a_validated_month_is_a_rectificatif(enrolment):
    attendance_set(enrolment=enrolment, day=MARCH_13, realised_hours="7")
    validated_period(enrolment.order, dt.date(2023, 3, 1))
    row = attendance_set(enrolment=enrolment, day=MARCH_13, realised_hours="6")
    assert row.is_correction
    # unchanged value: no write, no flag
    other = attendance_set(enrolment=enrolment, day=dt.date(2023, 4, 3), realised_hours="7")
    assert not other.is_correction
    # zero in a validated month keeps the row, at zero and flagged, for billing and controls
    zeroed = attendance_set(enrolment=enrolment, day=MARCH_13, realised_hours="0")
    assert zeroed is not None and zeroed.realised_hours == 0 and zeroed.is_correction
    assert Attendance.objects.filter(enrolment=enrolment, day=MARCH_13).exists()
    # a new day in the validated month is a rectificatif too
    assert attendance_set(enrolment=enrolment, day=dt.date(2023, 3, 14), realised_hours="2").is_correction


def test_month_total_mode(enrolment):
    row = attendance_set_month_total(enrolment=enrolment, month=dt.date(2023, 3, 17), realised_hours="120")
    assert (row.kind, row.day, row.realised_hours) == (AttendanceKind.MONTH, dt.date(2023, 3, 1), D("120.00"))
    with pytest.raises(AttendanceRefused, match="est saisi en total mensuel"):
        attendance_set(enrolment=enrolment, day=MARCH_13, realised_hours="7")
    attendance_set(enrolment=enrolment, day=dt.date(2023, 4, 3), realised_hours="7")
    with pytest.raises(AttendanceRefused, match="déjà saisi jour par jour"):
        attendance_set_month_total(enrolment=enrolment, month=dt.date(2023, 4, 1), realised_hours="100")
    with pytest.raises(AttendanceRefused, match="n'est pas inscrit"):
        attendance_set_month_total(enrolment=enrolment, month=dt.date(2023, 5, 1), realised_hours="10")
    # 26 enrolled days in March (6 → 31): at most 624 h
    with pytest.raises(AttendanceRefused, match="plus de 24 h par jour d'inscription"):
        attendance_set_month_total(enrolment=enrolment, month=dt.date(2023, 3, 1), realised_hours="625")


def test_bulk_upsert_counts_and_history(enrolment):
    other = EnrolmentFactory(order=enrolment.order)
    attendance_set(enrolment=enrolment, day=dt.date(2023, 3, 6), realised_hours="7")
    attendance_set(enrolment=enrolment, day=dt.date(2023, 3, 7), realised_hours="7")
    attendance_set(enrolment=enrolment, day=dt.date(2023, 3, 8), realised_hours="7")
    rows = [
        AttendanceRow(enrolment=enrolment, day=dt.date(2023, 3, 6), realised_hours="7"),  # unchanged
        AttendanceRow(enrolment=enrolment, day=dt.date(2023, 3, 7), realised_hours="6"),  # updated
        {"enrolment_id": enrolment.pk, "day": dt.date(2023, 3, 8), "realised_hours": "0"},  # deleted
        {
            "enrolment": other.pk,
            "day": dt.date(2023, 3, 9),
            "realised_hours": "4",
            "counted_unrealised_hours": "3",
            "unrealised_reason": "absence_justifiee",
        },  # created
        AttendanceRow(enrolment=other, day=dt.date(2023, 4, 1), kind="mois", realised_hours="100"),  # created
    ]
    result = attendance_bulk_upsert(rows=rows, by=None, source=AttendanceSource.IMPORT)
    assert result == BulkResult(created=2, updated=1, unchanged=1, deleted=1)
    assert Attendance.objects.get(enrolment=enrolment, day=dt.date(2023, 3, 7)).realised_hours == D("6.00")
    assert Attendance.history.filter(history_type="+", source="import").count() == 2
    assert Attendance.history.filter(history_type="~", source="import").count() == 1


def test_bulk_upsert_is_all_or_nothing(enrolment):
    rows = [
        AttendanceRow(enrolment=enrolment, day=dt.date(2023, 3, 6), realised_hours="7"),
        AttendanceRow(enrolment=enrolment, day=dt.date(2023, 3, 1), realised_hours="7"),
        AttendanceRow(enrolment=enrolment, day=dt.date(2023, 3, 7), realised_hours="30"),
        AttendanceRow(enrolment=enrolment, day=dt.date(2023, 3, 6), realised_hours="2"),
        {"enrolment_id": 999999, "day": dt.date(2023, 3, 6), "realised_hours": "1"},
    ]
    with pytest.raises(AttendanceBulkRefused) as info:
        attendance_bulk_upsert(rows=rows, by=None, source=AttendanceSource.API)
    assert [index for index, _ in info.value.errors] == [1, 2, 3, 4]
    messages = dict(info.value.errors)
    assert "avant l'entrée en formation" in messages[1]
    assert "plus de 24 heures" in messages[2]
    assert "Même stagiaire et même jour que la ligne 1" in messages[3]
    assert messages[4] == "Inscription inconnue."
    assert not Attendance.objects.exists()


def test_bulk_upsert_refuses_mixing_days_and_month_totals(enrolment):
    attendance_set(enrolment=enrolment, day=MARCH_13, realised_hours="7")
    with pytest.raises(AttendanceBulkRefused, match="déjà saisi jour par jour"):
        attendance_bulk_upsert(
            rows=[
                AttendanceRow(enrolment=enrolment, day=dt.date(2023, 3, 1), kind="mois", realised_hours="50")
            ],
            source=AttendanceSource.IMPORT,
        )


def test_bulk_upsert_flags_rectificatifs(enrolment):
    validated_period(enrolment.order, dt.date(2023, 3, 1))
    attendance_bulk_upsert(
        rows=[
            AttendanceRow(enrolment=enrolment, day=MARCH_13, realised_hours="7"),
            AttendanceRow(enrolment=enrolment, day=dt.date(2023, 4, 3), realised_hours="7"),
        ],
        source=AttendanceSource.API,
    )
    flags = dict(Attendance.objects.values_list("day", "is_correction"))
    assert flags == {MARCH_13: True, dt.date(2023, 4, 3): False}


def test_bulk_upsert_queries_do_not_grow_with_rows(enrolment, django_assert_max_num_queries):
    days = [dt.date(2023, 3, 6) + dt.timedelta(days=i) for i in range(40)]
    rows = [AttendanceRow(enrolment=enrolment, day=d, realised_hours="7") for d in days]
    # existing rows, validated periods, one bulk insert (history included), transaction
    with django_assert_max_num_queries(8):
        result = attendance_bulk_upsert(rows=rows, source=AttendanceSource.IMPORT)
    assert result.created == 40
    with django_assert_max_num_queries(8):
        result = attendance_bulk_upsert(
            rows=[AttendanceRow(enrolment=enrolment, day=d, realised_hours="6") for d in days],
            source=AttendanceSource.IMPORT,
        )
    assert result.updated == 40


# --- a closed action is read-only for hours ----------------------------------------------------

CLOSED = "L'action est fermée : les heures ne peuvent plus être modifiées."
ARCHIVED = "L'action est archivée : les heures ne peuvent plus être modifiées."


def close(order, status="fermee"):
    type(order).objects.filter(pk=order.pk).update(status=status)


@pytest.mark.parametrize("status", ["fermee", "archivee"])
def test_every_write_is_refused_on_a_closed_action(enrolment, status):
    expected = CLOSED if status == "fermee" else ARCHIVED
    row = attendance_set(enrolment=enrolment, day=MARCH_13, realised_hours="7")
    close(enrolment.order, status)
    before = list(Attendance.objects.values_list("day", "realised_hours"))
    history = Attendance.history.count()
    with pytest.raises(AttendanceRefused) as info:
        attendance_set(enrolment=enrolment, day=MARCH_13, realised_hours="6")
    assert info.value.message == expected
    with pytest.raises(AttendanceRefused, match=re.escape(expected)):
        attendance_set(enrolment=enrolment, day=MARCH_13, realised_hours="0")  # no deletion either
    with pytest.raises(AttendanceRefused, match=re.escape(expected)):
        attendance_set_month_total(enrolment=enrolment, month=dt.date(2023, 4, 1), realised_hours="100")
    with pytest.raises(AttendanceBulkRefused) as bulk_info:
        attendance_bulk_upsert(
            rows=[AttendanceRow(enrolment=enrolment, day=dt.date(2023, 3, 14), realised_hours="7")],
            source=AttendanceSource.API,
        )
    assert bulk_info.value.errors == [(0, expected)]
    row.refresh_from_db()
    assert list(Attendance.objects.values_list("day", "realised_hours")) == before
    assert Attendance.history.count() == history


def test_closed_action_wins_over_other_refusals_and_only_its_rows_are_named(enrolment):
    """Bulk: each row of the closed action is refused with the closing message; the batch is refused."""
    open_one = EnrolmentFactory(entry_date=dt.date(2023, 3, 6))
    close(enrolment.order)
    rows = [
        AttendanceRow(enrolment=open_one, day=MARCH_13, realised_hours="7"),
        AttendanceRow(enrolment=enrolment, day=MARCH_13, realised_hours="30"),
    ]
    with pytest.raises(AttendanceBulkRefused) as info:
        attendance_bulk_upsert(rows=rows, source=AttendanceSource.IMPORT)
    assert info.value.errors == [(1, CLOSED)]
    assert not Attendance.objects.exists()
    # the single-row services refuse the closed action before looking at the values
    with pytest.raises(AttendanceRefused, match=re.escape(CLOSED)):
        attendance_set(enrolment=enrolment, day=MARCH_13, realised_hours="-3")


def test_reopened_action_accepts_hours_again(enrolment):
    close(enrolment.order)
    with pytest.raises(AttendanceRefused):
        attendance_set(enrolment=enrolment, day=MARCH_13, realised_hours="7")
    close(enrolment.order, "ouverte")
    assert attendance_set(enrolment=enrolment, day=MARCH_13, realised_hours="7").realised_hours == D("7.00")


# --- the one writer: history rows, dry run, rectificatif counts --------------------------------


def test_history_rows_carry_user_source_and_type(enrolment, world):
    user = world.users["of1_staff"]
    attendance_set(enrolment=enrolment, day=MARCH_13, realised_hours="7", by=user)
    attendance_set(
        enrolment=enrolment, day=MARCH_13, realised_hours="5", by=user, source=AttendanceSource.API
    )
    attendance_set(enrolment=enrolment, day=MARCH_13, realised_hours="0", by=user)
    history = list(
        Attendance.history.filter(enrolment_id=enrolment.pk)
        .order_by("history_id")
        .values_list("history_type", "history_user_id", "source", "realised_hours")
    )
    assert history == [
        ("+", user.pk, "saisie", D("7.00")),
        ("~", user.pk, "api", D("5.00")),
        ("-", user.pk, "api", D("5.00")),  # the deleted row, as it was stored
    ]


def test_dry_run_counts_and_writes_nothing(enrolment):
    attendance_set(enrolment=enrolment, day=MARCH_13, realised_hours="7")
    validated_period(enrolment.order, dt.date(2023, 3, 1))
    rows = [
        AttendanceRow(enrolment=enrolment, day=MARCH_13, realised_hours="6"),
        AttendanceRow(enrolment=enrolment, day=dt.date(2023, 4, 3), realised_hours="7"),
    ]
    history = Attendance.history.count()
    result = attendance_bulk_upsert(rows=rows, source=AttendanceSource.IMPORT, dry_run=True)
    assert result == BulkResult(created=1, updated=1, corrections=1)
    assert Attendance.objects.count() == 1 and Attendance.history.count() == history
    assert attendance_bulk_upsert(rows=rows, source=AttendanceSource.IMPORT) == result
    assert Attendance.objects.get(day=MARCH_13).is_correction

"""Contrôles: each blocking case and each warning, and what can be validated."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from formarche.attendance.controls import BLOCKING, WARNING, run_controls
from formarche.attendance.models import Attendance
from formarche.attendance.services import attendance_set
from tests.attendance.conftest import seed_order, validated_period
from tests.factories import AttendanceFactory, EnrolmentFactory

D = Decimal
MARCH, APRIL = dt.date(2023, 3, 1), dt.date(2023, 4, 1)


def codes(issues):
    return [(i.code, i.month, i.day) for i in issues]


def _setup(enrolment, case):
    """Make the situation of one control; returns (code, severity, month, day, words of the message)."""
    order = enrolment.order
    if case == "before_entry":
        AttendanceFactory(enrolment=enrolment, day=dt.date(2023, 3, 3), realised_hours=D(7))
        return (
            "hors_inscription",
            BLOCKING,
            MARCH,
            dt.date(2023, 3, 3),
            ["03/03/2023", "GARCIA Léa", "avant son entrée"],
        )
    if case == "after_exit":
        AttendanceFactory(enrolment=enrolment, day=dt.date(2023, 4, 24), realised_hours=D(7))
        return (
            "hors_inscription",
            BLOCKING,
            APRIL,
            dt.date(2023, 4, 24),
            ["24/04/2023", "après sa sortie le 20/04/2023"],
        )
    if case == "month_total_after_exit":
        AttendanceFactory(enrolment=enrolment, day=dt.date(2023, 5, 1), kind="mois", realised_hours=D(20))
        return "hors_inscription", BLOCKING, dt.date(2023, 5, 1), None, ["En Mai 2023", "après sa sortie"]
    if case == "over_12h":
        AttendanceFactory(
            enrolment=enrolment,
            day=dt.date(2023, 3, 14),
            realised_hours=D(10),
            counted_unrealised_hours=D("2.5"),
            unrealised_reason="maladie",
        )
        return "plus_de_12h", BLOCKING, MARCH, dt.date(2023, 3, 14), ["14/03/2023", "12,50 h", "plus de 12 h"]
    if case == "unflagged_change":
        row = AttendanceFactory(enrolment=enrolment, day=dt.date(2023, 3, 15), realised_hours=D(7))
        validated_period(order, MARCH, at=timezone.now() - dt.timedelta(hours=1))
        row.realised_hours = D(5)
        row.save()  # outside the services: not flagged
        return (
            "modification_non_rectificative",
            BLOCKING,
            MARCH,
            dt.date(2023, 3, 15),
            ["modifiées après la validation"],
        )
    if case == "deleted_after_validation":
        row = AttendanceFactory(enrolment=enrolment, day=dt.date(2023, 3, 15), realised_hours=D(7))
        validated_period(order, MARCH, at=timezone.now() - dt.timedelta(hours=1))
        row.delete()
        return (
            "modification_non_rectificative",
            BLOCKING,
            MARCH,
            dt.date(2023, 3, 15),
            ["supprimées après la validation"],
        )
    if case == "over_planned":
        enrolment.planned_hours = D(10)
        enrolment.save()
        AttendanceFactory(enrolment=enrolment, day=dt.date(2023, 3, 6), realised_hours=D(7))
        AttendanceFactory(enrolment=enrolment, day=dt.date(2023, 4, 3), realised_hours=D(7))
        return (
            "depassement_prevu",
            WARNING,
            APRIL,
            None,
            ["14,00 h cumulées fin Avril 2023", "10,00 h prévues"],
        )
    if case == "over_contract":
        order.amount, order.unit_price = D("118.00"), D("11.80")  # 10 h contracted
        order.save()
        AttendanceFactory(enrolment=enrolment, day=dt.date(2023, 3, 6), realised_hours=D(7))
        AttendanceFactory(enrolment=enrolment, day=dt.date(2023, 4, 3), realised_hours=D(7))
        return "depassement_contrat", WARNING, APRIL, None, ["14,00 h", "volume contractuel de 10,00 h"]
    if case == "month_without_hours":
        # enrolled all of April (exit 20/04 → use a second trainee enrolled for good)
        other = EnrolmentFactory(order=order, entry_date=dt.date(2023, 3, 1), trainee__last_name="Martin")
        AttendanceFactory(enrolment=other, day=dt.date(2023, 3, 6), realised_hours=D(7))
        AttendanceFactory(enrolment=enrolment, day=dt.date(2023, 3, 6), realised_hours=D(7))
        AttendanceFactory(enrolment=enrolment, day=dt.date(2023, 4, 3), realised_hours=D(7))
        return (
            "mois_sans_heures",
            WARNING,
            APRIL,
            None,
            ["MARTIN", "aucune heure en Avril 2023", "couvre tout le mois"],
        )
    raise AssertionError(case)


CASES = [
    "before_entry",
    "after_exit",
    "month_total_after_exit",
    "over_12h",
    "unflagged_change",
    "deleted_after_validation",
    "over_planned",
    "over_contract",
    "month_without_hours",
]


@pytest.mark.parametrize("case", CASES)
def test_each_control(enrolment, case):
    code, severity, month, day, words = _setup(enrolment, case)
    report = run_controls(enrolment.order)
    issues = report.blocking if severity == BLOCKING else report.warnings
    matching = [i for i in issues if i.code == code]
    assert len(matching) == 1, codes(report.blocking + report.warnings)
    issue = matching[0]
    assert (issue.month, issue.day, issue.severity) == (month, day, severity)
    for word in words:
        assert word in issue.message, issue.message
    # a case produces nothing else of its own severity
    assert [i.code for i in issues] == [code]
    assert report.can_validate(month) is (severity == WARNING)


def test_negative_hours_cannot_even_be_stored(enrolment):
    """The blocking control exists for rows from outside the application; the database refuses them."""
    with pytest.raises(IntegrityError), transaction.atomic():
        AttendanceFactory(enrolment=enrolment, realised_hours=D(-1))


def test_corrections_through_the_services_are_not_blocking(enrolment):
    attendance_set(enrolment=enrolment, day=dt.date(2023, 3, 15), realised_hours="7")
    validated_period(enrolment.order, MARCH, at=timezone.now() - dt.timedelta(hours=1))
    attendance_set(enrolment=enrolment, day=dt.date(2023, 3, 15), realised_hours="0")  # kept at 0, flagged
    attendance_set(enrolment=enrolment, day=dt.date(2023, 3, 16), realised_hours="7")
    assert run_controls(enrolment.order).blocking == []


def test_a_blocked_month_blocks_the_later_ones_not_the_earlier(enrolment):
    AttendanceFactory(enrolment=enrolment, day=dt.date(2023, 3, 6), realised_hours=D(7))
    AttendanceFactory(enrolment=enrolment, day=dt.date(2023, 4, 3), realised_hours=D(13))
    report = run_controls(enrolment.order)
    assert report.can_validate(MARCH) and not report.can_validate(APRIL)
    assert not report.can_validate(dt.date(2023, 5, 1))
    assert run_controls(enrolment.order, month=MARCH).blocking == []
    assert [m["month"] for m in report.by_month()] == [APRIL]


def test_seed_order_passes_every_control_with_few_queries(db, django_assert_max_num_queries):
    order = seed_order()
    with django_assert_max_num_queries(6):
        report = run_controls(order)
    assert report.blocking == []
    # the demo plans 245 h a trainee (4 900 h contracted / 20 planned): nobody goes over, nothing is missing
    assert report.warnings == []
    assert report.can_validate(APRIL)
    assert Attendance.objects.filter(enrolment__order=order).count() > 600

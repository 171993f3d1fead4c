"""The rules of docs/bpf.md, one small case each."""

from datetime import date
from decimal import Decimal

import pytest

from formarche.bpf.cerfa import UnsupportedFiscalYear, edition_for_fiscal_year
from formarche.bpf.engine import compute_bpf
from formarche.bpf.inputs import AttendanceInput, CLine, FiscalYear, Granularity, Objective, TraineeStatus
from formarche.bpf.rounding import largest_remainder
from formarche.utils.money import round_units
from tests.bpf.builders import D, accounts, action, day, enrolment, flat, hourly, inputs, month

S = TraineeStatus


def test_notice_example_12_trainees_6_hours_is_72_trainee_hours():
    data = inputs(
        actions=[action(1, c_line=CLine.EMPLOYER, hourly_rate=D(20))],
        enrolments=[enrolment(i, 1) for i in range(12)],
        attendance=[day(i, date(2024, 3, 1), 6) for i in range(12)],
        accounts=accounts(),
    )
    report = compute_bpf("10443*17", data)
    assert (report["F1.total.n"], report["F1.total.h"]) == (12, Decimal("72.00"))
    assert (report["F3.total.n"], report["F4.total.h"]) == (12, Decimal("72.00"))
    assert report["C.1"] == 1440


def test_partly_absent_trainee_counts_only_hours_present():
    data = inputs(
        actions=[action(1, c_line=CLine.REGION, hourly_rate=D(10))],
        enrolments=[enrolment(1, 1, S.JOB_SEEKER)],
        attendance=[day(1, date(2024, 3, 1), 4, unrealised="2")],
        accounts=accounts(),
    )
    report = compute_bpf(None, data)
    assert report["F1.c.h"] == Decimal("4.00")
    assert report["C.6"] == 60  # billed hours: 4 present + 2 counted


@pytest.mark.parametrize(
    ("end", "edition"),
    [
        (date(2025, 12, 31), "10443*17"),
        (date(2023, 6, 30), "10443*17"),
        (date(2022, 12, 31), "10443*16"),
        (date(2020, 3, 31), "10443*16"),
        (date(2015, 12, 31), "10443*12"),
        (date(2011, 12, 31), "10443*12"),
    ],
)
def test_edition_for_fiscal_year(end, edition):
    assert edition_for_fiscal_year(end).code == edition


def test_no_edition_between_2016_and_2019():
    with pytest.raises(UnsupportedFiscalYear, match="2018"):
        edition_for_fiscal_year(date(2018, 12, 31))


@pytest.mark.parametrize(
    ("amount", "euros"),
    [("0.49", 0), ("0.50", 1), ("1.50", 2), ("2.5", 3), ("10.4999", 10), ("99.50", 100)],
)
def test_round_euros_half_up(amount, euros):
    assert round_units(Decimal(amount)) == euros


def test_largest_remainder_keeps_the_total():
    parts = {"a": Decimal("1.40"), "b": Decimal("1.40"), "c": Decimal("1.20")}
    assert largest_remainder(4, parts) == {"a": 2, "b": 1, "c": 1}
    assert sum(largest_remainder(4, parts).values()) == 4


def test_one_category_per_trainee_per_action():
    # the same trainee enrolled twice in one action is one trainee, at their first status
    data = inputs(
        actions=[action(1, c_line=CLine.REGION, hourly_rate=D(10))],
        enrolments=[
            enrolment(1, 1, S.EMPLOYEE, trainee="T", entered_on=date(2024, 5, 1)),
            enrolment(2, 1, S.JOB_SEEKER, trainee="T", entered_on=date(2024, 1, 1)),
        ],
        attendance=[day(1, date(2024, 5, 2), 3), day(2, date(2024, 1, 2), 4)],
        accounts=accounts(),
    )
    report = compute_bpf(None, data)
    assert (report["F1.total.n"], report["F1.c.n"], report["F1.c.h"]) == (1, 1, Decimal("7.00"))


def test_same_trainee_in_two_actions_counts_twice():
    data = inputs(
        actions=[
            action(1, c_line=CLine.REGION, hourly_rate=D(10)),
            action(2, c_line=CLine.REGION, hourly_rate=D(10)),
        ],
        enrolments=[enrolment(1, 1, trainee="T"), enrolment(2, 2, trainee="T")],
        attendance=[day(1, date(2024, 5, 2), 3), day(2, date(2024, 5, 3), 4)],
        accounts=accounts(),
    )
    assert compute_bpf(None, data)["F1.total.n"] == 2


@pytest.mark.parametrize("status", [S.EMPLOYEE, S.JOB_SEEKER, S.OTHER])
def test_particulier_takes_precedence(status):
    data = inputs(
        actions=[action(1, c_line=CLine.REGION, hourly_rate=D(10), planned_hours=D(10))],
        enrolments=[enrolment(1, 1, status, fundings=[hourly("6", 6), flat("9", 40)])],
        attendance=[day(1, date(2024, 5, 2), 10)],
        accounts=accounts(),
    )
    report = compute_bpf(None, data)
    assert report["F1.d.n"] == 1
    assert (report["C.6"], report["C.9"]) == (60, 40)


def test_apprentice_paying_stays_apprentice_with_a_warning():
    data = inputs(
        actions=[action(1, c_line=CLine.APPRENTICESHIP, hourly_rate=D(10))],
        enrolments=[enrolment(1, 1, S.APPRENTICE, fundings=[hourly("a", 10), flat("9", 5)])],
        attendance=[day(1, date(2024, 5, 2), 10)],
        accounts=accounts(),
    )
    report = compute_bpf(None, data)
    assert report["F1.b.n"] == 1
    assert "APPRENTI_PARTICIPATION" in {c.code for c in report.checks}


def test_flat_amount_accrued_pro_rata_over_two_fiscal_years():
    common = dict(
        actions=[action(1, planned_hours=D(40))],
        enrolments=[enrolment(1, 1, S.INDIVIDUAL, fundings=[flat("9", 1000)])],
        attendance=[day(1, date(2023, 12, 1), 10), day(1, date(2024, 1, 5), 30)],
        accounts=accounts(),
    )
    y2023 = compute_bpf(None, inputs(FiscalYear(date(2023, 1, 1), date(2023, 12, 31)), **common))
    y2024 = compute_bpf(None, inputs(**common))
    assert (y2023["C.9"], y2024["C.9"]) == (250, 750)
    assert (y2023["F1.d.h"], y2024["F1.d.h"]) == (Decimal("10.00"), Decimal("30.00"))


def test_monthly_totals_and_fiscal_year_totals_are_accepted():
    data = inputs(
        actions=[action(1, c_line=CLine.REGION, hourly_rate=D(10))],
        enrolments=[enrolment(1, 1), enrolment(2, 1)],
        attendance=[
            month(1, date(2024, 2, 1), 20),
            month(1, date(2025, 1, 1), 99),  # next year
            # a selector may push the sums to SQL: one row for the whole fiscal year
            AttendanceInput(enrolment_id=2, realised_hours=D("12.5"), granularity=Granularity.FISCAL_YEAR),
        ],
        accounts=accounts(),
    )
    report = compute_bpf(None, data)
    assert report["F1.total.h"] == Decimal("32.50")


def test_month_straddling_the_fiscal_year_is_blocking():
    data = inputs(
        FiscalYear(date(2023, 7, 15), date(2024, 7, 14)),
        actions=[action(1, c_line=CLine.REGION, hourly_rate=D(10))],
        enrolments=[enrolment(1, 1)],
        attendance=[month(1, date(2024, 7, 1), 20)],
        accounts=accounts(),
    )
    report = compute_bpf(None, data)
    assert "PRESENCE_MOIS_A_CHEVAL" in {c.code for c in report.blocking}


def test_minutes_become_hours_with_two_places_per_trainee():
    third = Decimal(20) / Decimal(60)  # 20 minutes
    data = inputs(
        actions=[action(1, Objective.OTHER, "314", c_line=CLine.REGION, hourly_rate=D(10))],
        enrolments=[enrolment(1, 1), enrolment(2, 1)],
        attendance=[day(1, date(2024, 3, 1), third), day(2, date(2024, 3, 1), third)],
        accounts=accounts(),
    )
    report = compute_bpf(None, data)
    assert report["F1.total.h"] == report["F3.total.h"] == report["F4.total.h"] == Decimal("0.66")


def test_no_activity_is_neant():
    report = compute_bpf(None, inputs())
    assert report["C.total"] == 0 and report["C.pct"] == 0 and report["D.total"] == 0
    assert report["F1.total.n"] == 0 and report["G.n"] == 0
    assert report.checks == []


def test_more_than_five_specialities_go_to_autres():
    codes = ["100", "110", "111", "112", "113", "114", "115"]
    data = inputs(
        actions=[action(c, nsf=c, c_line=CLine.REGION, hourly_rate=D(1)) for c in codes],
        enrolments=[enrolment(i, c) for i, c in enumerate(codes)],
        attendance=[day(i, date(2024, 3, 1), 10 + i) for i in range(len(codes))],
        accounts=accounts(),
    )
    report = compute_bpf(None, data)
    assert [report[f"F4.{i}.code"] for i in range(1, 6)] == ["115", "114", "113", "112", "111"]
    assert (report["F4.other.n"], report["F4.other.h"]) == (2, Decimal("21.00"))


def test_ties_in_specialities_rank_by_code():
    data = inputs(
        actions=[action(c, nsf=c, c_line=CLine.REGION, hourly_rate=D(1)) for c in ("326", "314")],
        enrolments=[enrolment(1, "326"), enrolment(2, "314")],
        attendance=[day(1, date(2024, 3, 1), 5), day(2, date(2024, 3, 1), 5)],
        accounts=accounts(),
    )
    report = compute_bpf(None, data)
    assert (report["F4.1.code"], report["F4.2.code"]) == ("314", "326")


def test_percent_of_turnover_is_one_when_below_one_percent():
    data = inputs(
        actions=[action(1, c_line=CLine.EMPLOYER, hourly_rate=D(10))],
        enrolments=[enrolment(1, 1)],
        attendance=[day(1, date(2024, 3, 1), 1)],
        accounts=accounts(turnover="1000000"),
    )
    assert compute_bpf(None, data)["C.pct"] == 1

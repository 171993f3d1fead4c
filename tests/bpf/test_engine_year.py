"""A hand-built fiscal year, 1 July 2023 → 30 June 2024, every figure computed by hand.

It covers every C line, every F-1 category, sub-contracting both ways (F-2, G
and C-10), a job-seeker whose own co-payment makes them a *particulier*, a
trainer who changes status mid-year, a year straddling two calendar years and
amounts that round at 0,50 €.
"""

from datetime import date
from decimal import Decimal

import pytest

from formarche.bpf.engine import compute_bpf, whole_hours_for_form
from formarche.bpf.inputs import (
    CLine,
    FiscalYear,
    Granularity,
    InvoiceInput,
    Objective,
    OtherProductKind,
    ProductInput,
    ProductKind,
    StatusPeriod,
    TraineeStatus,
    TrainerHours,
    TrainerInput,
    TrainerStatus,
)
from formarche.bpf.report import SourceRef
from tests.bpf.builders import D, accounts, action, day, enrolment, flat, hourly, inputs, month

FY = FiscalYear(date(2023, 7, 1), date(2024, 6, 30))
S = TraineeStatus


def build_year():
    actions = [
        action("A1", Objective.RNCP, "312", rncp_level=4, c_line=CLine.REGION, hourly_rate=D("12.50")),
        action("A2", Objective.OTHER, "314", c_line=CLine.EMPLOYER, hourly_rate=D("30")),
        action("A3", Objective.RNCP, "221", rncp_level=3, c_line=CLine.APPRENTICESHIP, hourly_rate=D("10")),
        action("A4", Objective.RS, "326", distance=True),
        action("A5", Objective.BILAN, "413"),
        action("A6", Objective.VAE, "333"),
        action(
            "A7",
            Objective.CQP,
            "344",
            subcontracted_to_other=True,
            c_line=CLine.EMPLOYER,
            hourly_rate=D("20"),
        ),
        action(
            "A8",
            Objective.OTHER,
            "312",
            received_from_other_of=True,
            c_line=CLine.OTHER_TRAINING_ORGANISATION,
            hourly_rate=D("25"),
        ),
        action("A9", Objective.RNCP_CQP, "336", c_line=CLine.SKILLS_PLAN_OTHER, hourly_rate=D("8")),
    ]
    enrolments = [
        # job-seeker paid by the Région and paying 100 € of a 100-hour course: a particulier
        enrolment(
            1, "A1", S.JOB_SEEKER, fundings=[hourly("6", "12.50"), flat("9", "100")], planned_hours=D(100)
        ),
        enrolment(2, "A1", S.JOB_SEEKER),
        enrolment(3, "A1", S.JOB_SEEKER),  # absent throughout, billed anyway
        enrolment(4, "A2", S.EMPLOYEE),
        enrolment(5, "A2", S.EMPLOYEE),  # 1,35 h × 30 € = 40,50 €
        enrolment(6, "A3", S.APPRENTICE),
        enrolment(7, "A4", S.EMPLOYEE, fundings=[hourly("b", 2)]),
        enrolment(8, "A4", S.EMPLOYEE, fundings=[hourly("c", 3)]),
        enrolment(9, "A4", S.EMPLOYEE, fundings=[hourly("d", 4)]),
        enrolment(10, "A4", S.EMPLOYEE, fundings=[hourly("e", 5)]),
        enrolment(11, "A4", S.JOB_SEEKER, fundings=[hourly("f", 6)]),
        enrolment(12, "A4", S.OTHER, fundings=[hourly("g", 7)]),
        enrolment(13, "A4", S.EMPLOYEE, fundings=[hourly("h", 8)]),
        enrolment(14, "A5", S.INDIVIDUAL, fundings=[flat("9", 1500)], planned_hours=D(24)),
        enrolment(
            15,
            "A6",
            S.OTHER,
            fundings=[hourly("3", "10.49"), hourly("4", 4), hourly("5", 5), hourly("7", 7), hourly("8", 8)],
        ),
        enrolment(16, "A7", S.EMPLOYEE),
        enrolment(17, "A8", S.EMPLOYEE),
        enrolment(18, "A9", S.EMPLOYEE),
    ]
    attendance = [
        day(1, date(2023, 6, 15), 5),  # before the fiscal year
        day(1, date(2023, 7, 3), 7),
        day(1, date(2023, 7, 4), 0, unrealised="2"),
        month(1, date(2024, 1, 1), 33),
        day(1, date(2024, 7, 1), 4),  # after the fiscal year
        day(2, date(2023, 12, 28), 10),
        day(2, date(2024, 1, 2), 10),  # the calendar year changes, the fiscal year does not
        day(3, date(2023, 9, 4), 0, unrealised="10"),
        day(4, date(2023, 10, 2), 10),
        day(5, date(2023, 10, 2), "1.35"),
        day(6, date(2024, 3, 1), 100),
        *[day(e, date(2024, 2, 1), 10) for e in range(7, 14)],
        day(14, date(2023, 11, 6), 12),
        day(15, date(2024, 5, 2), 1),
        day(16, date(2024, 4, 2), 5, by_subcontractor=True),
        day(17, date(2024, 4, 3), 8),
        day(18, date(2024, 6, 30), 2),
    ]
    products = [
        ProductInput(
            "P1",
            D("120.50"),
            date(2023, 9, 1),
            ProductKind.OTHER,
            other_kind=OtherProductKind.BOARD_LODGING_TRANSPORT,
        ),
        ProductInput("P2", D("1000"), date(2024, 1, 15), ProductKind.ADVANCE, c_line=CLine.REGION),
        ProductInput("P3", D("300"), date(2024, 2, 15), ProductKind.PENALTY),
        ProductInput("P4", D("80"), date(2024, 9, 1), ProductKind.OTHER),
    ]
    trainers = [
        TrainerInput(
            "Tr1",
            periods=(
                StatusPeriod(date(2023, 1, 1), date(2023, 12, 31), TrainerStatus.CDD),
                StatusPeriod(date(2024, 1, 1), None, TrainerStatus.EXTERNAL),
            ),
            hours=(
                TrainerHours(date(2023, 9, 10), D("3.4")),
                TrainerHours(date(2023, 12, 1), D("10"), Granularity.MONTH),
                TrainerHours(date(2024, 2, 5), D("2.3")),
                TrainerHours(date(2024, 7, 2), D("5")),
            ),
        ),
        TrainerInput(
            "Tr2",
            (StatusPeriod(date(2020, 1, 1), None, TrainerStatus.CDI),),
            (TrainerHours(date(2023, 10, 1), D("20.6")),),
        ),
        TrainerInput(
            "Tr3",
            (StatusPeriod(date(2020, 1, 1), None, TrainerStatus.EXTERNAL),),
            (TrainerHours(date(2023, 5, 1), D("6")),),
        ),
    ]
    invoices = [
        InvoiceInput("I1", "F-2024-001", date(2024, 1, 31), D("900"), action_id="A1", c_line=CLine.REGION)
    ]
    return inputs(
        FY,
        actions=actions,
        enrolments=enrolments,
        attendance=attendance,
        products=products,
        trainers=trainers,
        invoices=invoices,
        accounts=accounts(turnover="7708", charges="5000", salaries="1200", purchases="300"),
    )


@pytest.fixture(scope="module")
def report():
    return compute_bpf(None, build_year())


def test_edition_chosen_by_closing_date(report):
    assert report.edition == "10443*17"
    assert report["B.from"] == date(2023, 7, 1) and report["B.to"] == date(2024, 6, 30)
    assert report["B.distance"] is True


C_EXPECTED = {
    "C.1": 441,  # 300 + 40,50 + 100 = 440,50 → 441
    "C.a": 1000,
    "C.b": 20,
    "C.c": 30,
    "C.d": 40,
    "C.e": 50,
    "C.f": 60,
    "C.g": 70,
    "C.h": 96,  # 80 + 16
    "C.2": 1366,
    "C.3": 10,  # 10,49 → 10
    "C.4": 4,
    "C.5": 5,
    "C.6": 900,  # (42 + 20 + 10 billed hours) × 12,50 ; advances excluded
    "C.7": 7,
    "C.8": 8,
    "C.9": 792,  # 100 × 42/100 + 1500 × 12/24
    "C.10": 200,
    "C.11": 121,  # 120,50 → 121 ; penalty and next year's product excluded
    "C.total": 3854,
    "C.pct": 50,
}


@pytest.mark.parametrize(("key", "expected"), C_EXPECTED.items())
def test_products(report, key, expected):
    assert report[key] == expected


F_EXPECTED = {
    "F1.a": (9, "68.35"),
    "F1.b": (1, "100.00"),
    "F1.c": (2, "30.00"),
    "F1.d": (2, "52.00"),
    "F1.e": (2, "11.00"),
    "F1.total": (16, "261.35"),
    "F2": (1, "5.00"),
    "F3.a": (4, "162.00"),
    "F3.a4": (2, "60.00"),
    "F3.a3": (1, "100.00"),
    "F3.acqp": (1, "2.00"),
    "F3.a6_8": (0, "0.00"),
    "F3.a5": (0, "0.00"),
    "F3.a2": (0, "0.00"),
    "F3.b": (7, "70.00"),
    "F3.c": (1, "5.00"),
    "F3.d": (2, "11.35"),
    "F3.e": (1, "12.00"),
    "F3.f": (1, "1.00"),
    "F3.total": (16, "261.35"),
    "F4.1": (1, "100.00"),
    "F4.2": (7, "70.00"),
    "F4.3": (2, "60.00"),
    "F4.4": (1, "12.00"),
    "F4.5": (2, "11.35"),
    "F4.other": (3, "8.00"),
    "F4.total": (16, "261.35"),
    "G": (1, "8.00"),
}


@pytest.mark.parametrize(("prefix", "expected"), F_EXPECTED.items())
def test_trainees(report, prefix, expected):
    n, h = expected
    assert (report[f"{prefix}.n"], report[f"{prefix}.h"]) == (n, Decimal(h))


def test_specialities_ranked_by_hours(report):
    assert [report[f"F4.{i}.code"] for i in range(1, 6)] == ["221", "326", "312", "413", "314"]


def test_co_payment_makes_a_particulier(report):
    assert SourceRef("enrolment", 1) in report.sources("F1.d.n")
    assert SourceRef("enrolment", 1) not in report.sources("F1.c.n")


def test_absent_trainee_billed_but_not_counted(report):
    assert SourceRef("enrolment", 3) in report.sources("C.6")
    assert SourceRef("enrolment", 3) not in report.sources("F1.total.n")


def test_trainer_changing_status_is_on_both_lines(report):
    assert (report["E.1.n"], report["E.1.h"]) == (2, 34)  # 3,4 + 10 + 20,6
    assert (report["E.2.n"], report["E.2.h"]) == (1, 2)  # 2,3 → 2 ; Tr3 gave no hours this year
    assert SourceRef("trainer", "Tr1") in report.sources("E.1.n")
    assert SourceRef("trainer", "Tr1") in report.sources("E.2.n")


def test_accounts(report):
    assert (report["D.total"], report["D.salaries"], report["D.purchases"]) == (5000, 1200, 300)


def test_no_check_fails(report):
    assert report.checks == []


def test_exclusions_explained(report):
    excluded = {e.source.id: e.reason_fr for e in report.excluded}
    assert set(excluded) == {"P2", "P3", "P4"}
    assert "Avance" in excluded["P2"]


def test_every_cell_has_its_records(report):
    for key, cell in report.cells.items():
        if isinstance(cell.value, int | Decimal) and not isinstance(cell.value, bool) and cell.value:
            assert cell.sources, key


def test_whole_hours_keep_totals(report):
    whole = whole_hours_for_form(report)
    total = whole["F1.total.h"]
    assert total == 261
    assert sum(whole[f"F1.{k}.h"] for k in "abcde") == total
    assert sum(whole[f"F3.{k}.h"] for k in "abcdef") == total
    assert sum(whole[f"F4.{i}.h"] for i in range(1, 6)) + whole["F4.other.h"] == total


def test_2016_edition_of_the_same_year():
    report = compute_bpf("10443*16", build_year())
    assert "B.distance" not in report.cells
    assert report["F1.distance.n"] == 7  # A4 is partly at a distance
    assert report["C.total"] == 3854

"""Invariants for any generated year (hypothesis)."""

import json
from datetime import date, timedelta
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from formarche.bpf.cerfa import get_edition
from formarche.bpf.checks import structural_checks
from formarche.bpf.engine import compute_bpf, whole_hours_for_form
from formarche.bpf.exports import from_json, to_json
from formarche.bpf.inputs import (
    ActionInput,
    AttendanceInput,
    CLine,
    EnrolmentInput,
    FiscalYear,
    Funding,
    Granularity,
    Objective,
    TraineeStatus,
)
from tests.bpf.builders import accounts, inputs

FY = FiscalYear(date(2024, 4, 1), date(2025, 3, 31))  # straddles two calendar years
FIRST = date(2023, 12, 1)
NSF = ["312", "314", "326", "331", "333", "344", "413", None]

hours = st.decimals(min_value=0, max_value=8, places=2, allow_nan=False, allow_infinity=False)
rates = st.decimals(min_value=0, max_value=60, places=2, allow_nan=False, allow_infinity=False)
lines = st.sampled_from(
    [line for line in CLine if line not in (CLine.OTHER_TRAINING_ORGANISATION, CLine.OTHER_PRODUCTS)]
)


@st.composite
def years(draw):
    n_actions = draw(st.integers(1, 8))
    actions = []
    for i in range(n_actions):
        objective = draw(st.sampled_from(list(Objective)))
        received = draw(st.booleans()) and draw(st.booleans())
        actions.append(
            ActionInput(
                id=i,
                objective=objective,
                nsf_code=draw(st.sampled_from(NSF)),
                rncp_level=draw(st.one_of(st.none(), st.integers(2, 8))),
                distance=draw(st.booleans()),
                subcontracted_to_other=draw(st.booleans()) and not received,
                received_from_other_of=received,
                c_line=CLine.OTHER_TRAINING_ORGANISATION if received else draw(lines),
                hourly_rate=draw(rates),
                planned_hours=draw(st.one_of(st.none(), st.decimals(min_value=1, max_value=200, places=0))),
            )
        )
    enrolments = []
    for e in range(draw(st.integers(0, 25))):
        action = draw(st.sampled_from(actions))
        fundings = ()
        if not action.received_from_other_of and draw(st.booleans()):
            fundings = tuple(
                Funding(c_line=draw(lines), hourly_rate=draw(rates))
                if draw(st.booleans())
                else Funding(c_line=draw(lines), amount=draw(rates) * 10)
                for _ in range(draw(st.integers(1, 3)))
            )
        enrolments.append(
            EnrolmentInput(
                id=e,
                trainee_id=draw(st.integers(0, 12)),
                action_id=action.id,
                status=draw(st.sampled_from(list(TraineeStatus))),
                fundings=fundings,
                professionalisation_contract=draw(st.booleans()),
            )
        )
    attendance = []
    if enrolments:
        for _ in range(draw(st.integers(0, 60))):
            granularity = draw(st.sampled_from([Granularity.DAY, Granularity.DAY, Granularity.MONTH]))
            on = FIRST + timedelta(days=draw(st.integers(0, 540)))
            if granularity is Granularity.MONTH:
                on = on.replace(day=1)
            attendance.append(
                AttendanceInput(
                    enrolment_id=draw(st.sampled_from(enrolments)).id,
                    realised_hours=draw(hours),
                    counted_unrealised_hours=draw(st.sampled_from([Decimal(0), Decimal(0), Decimal("1.5")])),
                    on=on,
                    granularity=granularity,
                    by_subcontractor=draw(st.booleans()) and draw(st.booleans()),
                )
            )
    return inputs(FY, actions=actions, enrolments=enrolments, attendance=attendance, accounts=accounts())


SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(years(), st.sampled_from(["10443*17", "10443*16"]))
def test_f1_f3_f4_totals_agree_and_sums_hold(data, code):
    report = compute_bpf(code, data)
    for dim in ("n", "h"):
        assert report[f"F1.total.{dim}"] == report[f"F3.total.{dim}"] == report[f"F4.total.{dim}"]
        assert report[f"F2.{dim}"] <= report[f"F1.total.{dim}"]
    assert structural_checks(report, get_edition(code)) == []


@SETTINGS
@given(years())
def test_2012_edition_totals_agree(data):
    report = compute_bpf("10443*12", data)
    for dim in ("n", "h"):
        assert len({report[f"p4.{c}.total.{dim}"] for c in "ABCD"}) == 1
    assert structural_checks(report, get_edition("10443*12")) == []


@SETTINGS
@given(years(), st.sampled_from(["10443*17", "10443*16", "10443*12"]))
def test_json_export_round_trips(data, code):
    report = compute_bpf(code, data)
    exported = to_json(report)
    loaded = from_json(json.loads(json.dumps(exported)))
    assert to_json(loaded) == exported
    assert {k: c.value for k, c in loaded.cells.items()} == {k: c.value for k, c in report.cells.items()}


@SETTINGS
@given(years())
def test_whole_hours_for_the_form_keep_every_total(data):
    report = compute_bpf("10443*17", data)
    whole = whole_hours_for_form(report)
    total = whole["F1.total.h"]
    assert total == whole["F3.total.h"] == whole["F4.total.h"]
    assert sum(whole[f"F1.{k}.h"] for k in "abcde") == total
    assert sum(whole[f"F3.{k}.h"] for k in "abcdef") == total
    assert sum(whole[f"F3.{k}.h"] for k in ("a6_8", "a5", "a4", "a3", "a2", "acqp")) <= whole["F3.a.h"]
    assert sum(whole[f"F4.{i}.h"] for i in range(1, 6)) + whole["F4.other.h"] == total

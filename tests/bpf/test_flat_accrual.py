"""A flat funding accrued over the fiscal years of one enrolment (pure engine, no Django).

Product of a year = min(A, A × cumulative billable hours at the end of the year / planned)
− min(A, A × cumulative billable hours before the year / planned), each cumulative figure rounded
to the cent half up: the years of an enrolment add up, to the cent, to what the whole span earned
and never to more than A (docs/calculs.md § 9, docs/bpf.md « Cofinancements »).
"""

from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from formarche.bpf.aggregate import aggregate, flat_accrual, funding_product
from formarche.bpf.engine import compute_bpf
from formarche.bpf.inputs import AttendanceInput, CLine, FiscalYear, Funding, Granularity, TraineeStatus
from tests.bpf.builders import D, accounts, action, enrolment, flat, hourly, inputs

S = TraineeStatus


def _years(amount, planned, hours_by_year):
    """The yearly products of a flat ``amount`` for consecutive fiscal years of hours."""
    funding = flat("9", amount)
    before, out = Decimal(0), []
    for billable in hours_by_year:
        out.append(funding_product(funding, D(billable), D(planned) if planned else None, before))
        before += D(billable)
    return out


@pytest.mark.parametrize(
    ("amount", "planned", "hours_by_year", "expected"),
    [
        # under the planned hours: plain pro rata, 250 × 30 / 100 then 250 × 50 / 100
        ("250", "100", ["30", "50"], ["75.00", "125.00"]),
        # exactly at the planned hours: the whole amount, no more
        ("250", "100", ["40", "60"], ["100.00", "150.00"]),
        # exceeding in year 2 (the over-count this fixes: 150 + 150 = 300 > 250)
        ("250", "100", ["60", "60"], ["150.00", "100.00"]),
        # exceeding already in year 1: all of it in year 1, nothing left for year 2
        ("250", "100", ["120", "30"], ["250.00", "0.00"]),
        # three fiscal years: cumulative 291,666… → 291,67; 708,333… → 708,33; then the cap 1 000
        ("1000", "120", ["35", "50", "50"], ["291.67", "416.66", "291.67"]),
        # half-cent ties: 250,10 × 35 / 100 = 87,535 → 87,54; × 65 / 100 = 162,565 → 162,57
        ("250.10", "100", ["35", "30", "35"], ["87.54", "75.03", "87.53"]),
        # a tie of an inexact-looking ratio: 10 × 1 / 80 = 0,125 → 0,13
        ("10", "80", ["1", "79"], ["0.13", "9.87"]),
        # counted-unrealised hours are billable too: the caller adds them (here 7,5 h)
        ("480", "40", ["7.5", "40"], ["90.00", "390.00"]),
        # a year without billable hours earns nothing, even after earlier years
        ("250", "100", ["20", "0", "30"], ["50.00", "0.00", "75.00"]),
        # no planned duration: the whole amount in the first year with hours, once
        ("300", None, ["10", "20"], ["300.00", "0.00"]),
    ],
)
def test_hand_computed_yearly_products(amount, planned, hours_by_year, expected):
    got = _years(amount, planned, hours_by_year)
    assert got == [D(x) for x in expected]
    assert sum(got) == flat_accrual(D(amount), sum(map(D, hours_by_year)), D(planned) if planned else None)
    assert sum(got) <= D(amount)


def test_hourly_rates_ignore_the_hours_before_the_year():
    assert funding_product(hourly("e", "2.5"), D(40), D(100), before=D(90)) == D("100.0")
    assert funding_product(hourly("e", "2.5"), D(40), D(100)) == D("100.0")


def test_the_engine_accrues_from_the_hours_before_the_year():
    """250 € over 100 planned hours: 60 h before the year, 60 h in it (40 + 20 counted) → 100 €,
    not 150 €; the Région's hourly rate is unaffected (60 h × 10 €)."""
    data = inputs(
        actions=[action(1, c_line=CLine.REGION, hourly_rate=D(10), planned_hours=D(100))],
        enrolments=[
            enrolment(
                1,
                1,
                S.JOB_SEEKER,
                fundings=[hourly("6", 10), flat("9", 250)],
                billable_hours_before=D(60),
            ),
            enrolment(2, 1, S.JOB_SEEKER, fundings=[hourly("6", 10), flat("9", 250)]),
        ],
        attendance=[
            AttendanceInput(1, D(40), D(20), granularity=Granularity.FISCAL_YEAR),
            AttendanceInput(2, D(60), granularity=Granularity.FISCAL_YEAR),
        ],
        accounts=accounts(),
    )
    facts = aggregate(data)
    assert facts.product_total("9") == D("100.00") + D("150.00")
    report = compute_bpf(None, data)
    assert (report["C.9"], report["C.6"]) == (250, 1200)
    assert (report["F1.d.n"], report["F1.d.h"]) == (2, D("100.00"))


# -- properties -------------------------------------------------------------------------------

cents = st.decimals(
    min_value=D("0.01"), max_value=D("100000"), places=2, allow_nan=False, allow_infinity=False
)
planned_hours = st.decimals(min_value=D("0.25"), max_value=D("2000"), places=2, allow_nan=False)
year_hours = st.decimals(min_value=D(0), max_value=D("900"), places=2, allow_nan=False)


def _reference(amount: Decimal, hours: Decimal, planned: Decimal) -> Decimal:
    """min(A, A × hours / planned) to the cent, half up, in exact fractions."""
    exact = min(Fraction(amount), Fraction(amount) * Fraction(hours) / Fraction(planned))
    cents_, rest = divmod(exact * 100, 1)
    return Decimal(int(cents_) + (1 if rest * 2 >= 1 else 0)).scaleb(-2)


@settings(max_examples=300, deadline=None)
@given(cents, planned_hours, st.lists(year_hours, min_size=1, max_size=6))
def test_any_split_over_years_adds_up_to_the_cumulative_figure(amount, planned, hours_by_year):
    funding = Funding(c_line=CLine.INDIVIDUAL, amount=amount)
    before, products = Decimal(0), []
    for billable in hours_by_year:
        products.append(funding_product(funding, billable, planned, before))
        before += billable
    assert sum(products) == _reference(amount, before, planned)
    assert sum(products) <= amount
    running = Decimal(0)
    for billable, product in zip(hours_by_year, products, strict=True):
        assert product >= 0 and product == product.quantize(D("0.01"))
        # each year within a cent of its exact share of what was still due
        due_before = min(Fraction(amount), Fraction(amount) * Fraction(running) / Fraction(planned))
        running += billable
        due_after = min(Fraction(amount), Fraction(amount) * Fraction(running) / Fraction(planned))
        assert abs(Fraction(product) - (due_after - due_before)) <= Fraction(1, 100)


@settings(max_examples=60, deadline=None)
@given(cents, planned_hours, st.lists(year_hours, min_size=1, max_size=4))
def test_the_engine_years_add_up_through_aggregate(amount, planned, hours_by_year):
    """The same through the engine: one fiscal year at a time, attendance summed over the year
    (as the selector hands it) and the hours of the earlier years in ``billable_hours_before``."""
    start, total, before = date(2021, 1, 1), Decimal(0), Decimal(0)
    for i, billable in enumerate(hours_by_year):
        fy = FiscalYear(start.replace(year=2021 + i), start.replace(year=2022 + i) - timedelta(days=1))
        data = inputs(
            fy,
            actions=[action(1, c_line=CLine.REGION, hourly_rate=D(10))],
            enrolments=[
                enrolment(
                    1,
                    1,
                    fundings=[flat("9", amount)],
                    planned_hours=planned,
                    billable_hours_before=before,
                )
            ],
            attendance=[AttendanceInput(1, billable, granularity=Granularity.FISCAL_YEAR)],
        )
        total += aggregate(data).product_total("9")
        before += billable
    assert total == _reference(amount, before, planned) <= amount

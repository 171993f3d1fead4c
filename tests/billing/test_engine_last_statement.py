"""``compute_last_statement`` gives the last statement of ``compute_statements``, to the digit:
the same figures and the same Decimal exponents (what the pages, PDFs and JSON show), for any
order and any run of periods (hypothesis), including corrections that make a period negative
and so carry a repayment out."""

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from formarche.billing.engine import (
    EngineInputError,
    OrderTerms,
    PeriodInput,
    compute_last_statement,
    compute_statements,
)
from tests.billing.test_engine_properties import PROPERTY, order_terms

D = Decimal


def _periods(draw, terms, size):
    contracted = int(terms.amount / terms.unit_price) + 1
    top = max(1, contracted * 100 * 2 // size)
    periods = []
    for index in range(size):
        periods.append(
            PeriodInput(
                period=date(2021 + index // 12, index % 12 + 1, 1),
                realised_hours=D(draw(st.integers(0, top))).scaleb(-2),
                counted_unrealised_hours=D(draw(st.sampled_from([0, 0, 350, 700]))).scaleb(-2),
                final=index == size - 1 and draw(st.booleans()),
            )
        )
    return periods


@st.composite
def runs(draw):
    terms = draw(order_terms())
    return terms, _periods(draw, terms, draw(st.integers(1, 24)))


@PROPERTY
@given(runs())
def test_last_statement_is_the_last_of_all(run):
    terms, periods = run
    expected = compute_statements(terms, periods)[-1]
    got = compute_last_statement(terms, periods)
    assert got == expected
    assert repr(got) == repr(expected)  # same exponents: the same text on every document


def test_a_repayment_carried_out_is_carried_the_same_way():
    # the advance is resorbed faster than the hours bill: totals floored at 0, the rest carried
    terms = OrderTerms(
        amount=D("10000.00"),
        unit_price=D("10.00"),
        duration_months=6,
        vat_rate=D("0.20"),
        advance_rate=D("0.60"),
        cap_rate=D("0.80"),
    )
    hours = ["300.00", "10.00", "0.00", "400.00", "5.00", "200.00"]
    periods = [
        PeriodInput(period=date(2023, month, 1), realised_hours=D(h))
        for month, h in enumerate(hours, start=1)
    ]
    statements = compute_statements(terms, periods)
    assert any(s.repayment_carried_out for s in statements[:-1])  # the case this test is about
    for size in range(1, len(periods) + 1):
        assert repr(compute_last_statement(terms, periods[:size])) == repr(statements[size - 1])


def test_same_refusals_as_compute_statements():
    terms = OrderTerms(
        amount=D("1000.00"),
        unit_price=D("10.00"),
        duration_months=6,
        vat_rate=D("0"),
        advance_rate=D("0.30"),
        cap_rate=None,
    )
    twice = [PeriodInput(period=date(2023, 1, 1), realised_hours=D("1.00"))] * 2
    for compute in (compute_statements, compute_last_statement):
        with pytest.raises(EngineInputError, match="période listée deux fois"):
            compute(terms, twice)

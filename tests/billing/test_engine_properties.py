"""Invariants of the statement engine, checked with hypothesis against an exact reference.

The reference below recomputes the resorption and the rates with ``Fraction`` — independent of
the engine's integer-and-Decimal arithmetic — so the properties also check the "rates exact until
displayed" rule.  Raise ``FORMARCHE_HYPOTHESIS_EXAMPLES`` for a longer run.
"""

import math
import os
from datetime import date
from decimal import Decimal
from fractions import Fraction

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from formarche.billing.engine import (
    DEFAULT_RESORPTION_BANDS,
    OrderTerms,
    PeriodInput,
    compute_solde,
    compute_statements,
)

D = Decimal
EXAMPLES = int(os.environ.get("FORMARCHE_HYPOTHESIS_EXAMPLES", "150"))
PROPERTY = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# --------------------------------------------------------------------------------------------
# Strategies
# --------------------------------------------------------------------------------------------


@st.composite
def order_terms(draw, whole_euro_price=False):
    if whole_euro_price:
        price_cents = 100 * draw(st.integers(1, 40))
    else:
        price_cents = draw(st.integers(1, 5000))
    contracted_hours = draw(st.integers(1, 5000))
    # amount: around price × hours, not necessarily a multiple of the price
    amount_cents = max(1, price_cents * contracted_hours + draw(st.integers(-price_cents, price_cents)))
    return OrderTerms(
        amount=D(amount_cents).scaleb(-2),
        unit_price=D(price_cents).scaleb(-2),
        duration_months=draw(st.integers(1, 36)),
        vat_rate=draw(st.sampled_from([D("0"), D("0.055"), D("0.10"), D("0.20")])),
        advance_rate=D(draw(st.integers(0, 60))).scaleb(-2),
        cap_rate=draw(st.one_of(st.none(), st.integers(50, 100).map(lambda n: D(n).scaleb(-2)))),
    )


def hour_lists(terms, max_size=10):
    # centi-hours per period; the whole list reaches up to ~180 % of the contracted volume
    contracted = int(terms.amount / terms.unit_price) + 1
    per_period = max(1, contracted * 100 * 18 // 10 // max_size * 2)
    return st.lists(st.integers(0, per_period), min_size=1, max_size=max_size)


def make_periods(centi_hours, final=True):
    return [
        PeriodInput(
            period=date(2020 + index // 12, index % 12 + 1, 1),
            realised_hours=D(value).scaleb(-2),
            counted_unrealised_hours=D("0.00"),
            final=final and index == len(centi_hours) - 1,
        )
        for index, value in enumerate(centi_hours)
    ]


@st.composite
def scenario(draw, whole_euro_price=False, max_size=10):
    terms = draw(order_terms(whole_euro_price=whole_euro_price))
    hours = draw(hour_lists(terms, max_size=max_size))
    return terms, hours


# --------------------------------------------------------------------------------------------
# Exact reference (Fractions)
# --------------------------------------------------------------------------------------------


def ref_round(value: Fraction) -> Fraction:
    """Half up (away from zero) to the cent."""
    sign = -1 if value < 0 else 1
    return sign * Fraction(math.floor(abs(value) * 100 + Fraction(1, 2)), 100)


def ref_fraction(rate: Fraction) -> Fraction:
    previous = Fraction(0)
    for band in DEFAULT_RESORPTION_BANDS:
        start, end = Fraction(band.from_percent) / 100, Fraction(band.to_percent) / 100
        if rate <= start:
            return previous
        if rate < end:
            return previous + (rate - start) / (end - start) * (band.fraction - previous)
        previous = band.fraction
    return previous


def ref_advance(terms) -> Fraction:
    amount = Fraction(terms.amount)
    base = amount if terms.duration_months <= 12 else amount * 12 / terms.duration_months
    return ref_round(Fraction(terms.advance_rate) * base)


# --------------------------------------------------------------------------------------------
# Properties
# --------------------------------------------------------------------------------------------


@PROPERTY
@given(scenario())
def test_resorption_never_decreases_never_exceeds_the_advance_and_matches_the_reference(case):
    terms, hours = case
    statements = compute_statements(terms, make_periods(hours))
    advance = ref_advance(terms)
    previous = D(0)
    for statement in statements:
        assert Fraction(statement.advance) == advance
        assert previous <= statement.advance_due <= statement.advance
        assert statement.advance_already_resorbed == previous
        assert statement.advance_repayment == previous - statement.advance_due <= 0
        rate = Fraction(statement.cumulative_hours) * Fraction(terms.unit_price) / Fraction(terms.amount)
        assert Fraction(statement.advance_due) == ref_round(advance * ref_fraction(rate))
        assert Fraction(statement.realisation_rate) == ref_round(rate * 100)
        amount = Fraction(terms.amount)
        base = amount if terms.duration_months <= 12 else amount * 12 / terms.duration_months
        assert Fraction(statement.billable_rate) == ref_round(Fraction(statement.billable) * 100 / amount)
        assert Fraction(statement.cap_regulation_rate) == ref_round(
            -Fraction(statement.cap_regulation) * 100 / amount
        )
        assert Fraction(statement.advance_due_rate) == ref_round(Fraction(statement.advance_due) * 100 / base)
        assert Fraction(statement.advance_repayment_rate) == ref_round(
            -Fraction(statement.advance_repayment) * 100 / base
        )
        previous = statement.advance_due


@PROPERTY
@given(scenario())
def test_from_sixty_percent_the_whole_advance_is_resorbed(case):
    terms, hours = case
    for statement in compute_statements(terms, make_periods(hours)):
        if statement.cumulative_hours * terms.unit_price >= D("0.60") * terms.amount:
            assert statement.advance_due == statement.advance


@PROPERTY
@given(scenario())
def test_billing_net_of_regulation_never_exceeds_the_cap(case):
    terms, hours = case
    cap = terms.amount if terms.cap_rate is None else terms.cap_rate * terms.amount
    net = D(0)
    for statement in compute_statements(terms, make_periods(hours)):
        net += statement.billable + statement.cap_regulation
        assert statement.cap_regulation <= 0
        assert net == statement.cumulative_billable + statement.cumulative_cap_regulation
        assert net <= cap + D("0.005")  # the plafond line is c × A rounded to the cent
        assert net <= statement.cap_amount <= terms.amount
        assert net == min(statement.cumulative_billable, statement.cap_amount)


@PROPERTY
@given(scenario())
def test_totals_carry_forward_and_already_paid_add_up(case):
    terms, hours = case
    statements = compute_statements(terms, make_periods(hours))
    paid = statements[0].advance
    carried = D(0)
    for statement in statements:
        assert statement.total_ht >= 0 and statement.repayment_carried_out >= 0
        assert statement.repayment_carried_in == -carried
        assert statement.total_ht == 0 or statement.repayment_carried_out == 0
        # the lines of "Montant facturé sur la période" add up, the carry making up a negative total
        assert statement.total_ht - statement.repayment_carried_out == (
            statement.billable
            + statement.cap_regulation
            + statement.advance_repayment
            + statement.repayment_carried_in
        )
        assert statement.already_paid == paid
        # [derived] already paid = advance + B − E − S before the period (+ the carried repayment)
        assert statement.already_paid + statement.total_ht - statement.repayment_carried_out == (
            statement.advance
            + statement.cumulative_billable
            + statement.cumulative_cap_regulation
            - statement.advance_due
        )
        assert statement.vat == (statement.total_ht * terms.vat_rate).quantize(
            D("0.01"), rounding="ROUND_HALF_UP"
        )
        assert statement.total_ttc == statement.total_ht + statement.vat
        paid += statement.total_ht
        carried = statement.repayment_carried_out


def _partitions(draw, size):
    cuts = draw(st.lists(st.booleans(), min_size=size - 1, max_size=size - 1))
    return cuts


def _merge(hours, cuts):
    merged = [hours[0]]
    for value, cut in zip(hours[1:], cuts, strict=True):
        if cut:
            merged.append(value)
        else:
            merged[-1] += value
    return merged


@st.composite
def two_splits(draw, whole_euro_price):
    terms, hours = draw(scenario(whole_euro_price=whole_euro_price, max_size=12))
    # a finer split: each period cut in two at a random point
    finer = []
    for value in hours:
        part = draw(st.integers(0, value))
        finer += [part, value - part]
    cuts = draw(st.lists(st.booleans(), min_size=len(finer) - 1, max_size=len(finer) - 1))
    return terms, finer, _merge(finer, cuts)


def _cumulative_figures(terms, hours):
    statements = compute_statements(terms, make_periods(hours))
    last = statements[-1]
    solde = compute_solde(terms, statements)
    return {
        "cumulative_hours": last.cumulative_hours,
        "realisation_rate": last.realisation_rate,
        "cumulative_billable": last.cumulative_billable,
        "cumulative_cap_regulation": last.cumulative_cap_regulation,
        "advance_due": last.advance_due,
        # what was paid, net of the repayment still to be recovered (carry-forward included)
        "paid_net_of_carry": last.already_paid + last.total_ht - last.repayment_carried_out,
        # what the order is worth in the end: everything paid plus the solde.  (The solde alone,
        # like the instalments, may depend on the split when the advance is recovered faster than
        # billing accrues — see test_engine.py::test_instalments_depend_on_the_split_above_30_percent.)
        "final_position": solde.total_paid + solde.balance_ht,
    }


@PROPERTY
@given(two_splits(whole_euro_price=True))
def test_any_split_of_the_same_hours_gives_the_same_cumulative_figures(case):
    # With hours in 2 decimals and a price in whole euros, H × p is a cent amount: no per-period
    # rounding, and every cumulative figure is independent of how the hours fall into periods.
    terms, finer, coarser = case
    assert _cumulative_figures(terms, finer) == _cumulative_figures(terms, coarser)


@PROPERTY
@given(two_splits(whole_euro_price=False))
def test_any_split_with_any_price_differs_only_by_the_rounding_of_each_period(case):
    # facturable_k = round(H_k × p) at its own line (sigma.md), so B_n may differ from
    # round(C_n × p) by half a cent per period; everything driven by C_n alone is identical.
    terms, finer, coarser = case
    fine, coarse = _cumulative_figures(terms, finer), _cumulative_figures(terms, coarser)
    for key in ("cumulative_hours", "realisation_rate", "advance_due"):
        assert fine[key] == coarse[key]
    exact = terms.unit_price * fine["cumulative_hours"]
    for figures, count in ((fine, len(finer)), (coarse, len(coarser))):
        assert abs(figures["cumulative_billable"] - exact) <= D("0.005") * count


@PROPERTY
@given(scenario(), st.integers(0, 100_000), st.integers(0, 100_000))
def test_solde_is_what_remains_of_the_advance_and_the_carry(case, bonus_cents, penalty_cents):
    terms, hours = case
    statements = compute_statements(terms, make_periods(hours))
    bonus, penalties = D(bonus_cents).scaleb(-2), D(penalty_cents).scaleb(-2)
    solde = compute_solde(terms, statements, bonus=bonus, penalties=penalties)
    last = statements[-1]
    withheld = min(last.cumulative_billable, terms.amount) - (
        last.cumulative_billable + last.cumulative_cap_regulation
    )
    assert withheld >= 0
    assert solde.balance_ht == (
        last.advance_due - last.advance - last.repayment_carried_out + withheld + bonus - penalties
    )
    assert solde.amount_due == min(last.cumulative_billable, terms.amount) <= terms.amount
    assert solde.is_repayment_order == (solde.balance_ht < 0)


@st.composite
def provider_scenario(draw):
    terms, hours = draw(scenario(max_size=6))
    splits = []
    for value in hours:
        count = draw(st.integers(1, 4))
        points = sorted(draw(st.lists(st.integers(0, value), min_size=count - 1, max_size=count - 1)))
        bounds = [0, *points, value]
        splits.append([bounds[i + 1] - bounds[i] for i in range(count)])
    return terms, hours, splits


@PROPERTY
@given(provider_scenario())
def test_provider_lines_add_up_to_the_period(case):
    terms, hours, splits = case
    items = [
        PeriodInput(
            period=date(2020, index + 1, 1),
            realised_hours=D(value).scaleb(-2),
            provider_hours={f"P{n}": D(part).scaleb(-2) for n, part in enumerate(parts)},
        )
        for index, (value, parts) in enumerate(zip(hours, splits, strict=True))
    ]
    for statement, parts in zip(compute_statements(terms, items), splits, strict=True):
        lines = statement.providers
        assert sum(line.ht for line in lines) == statement.billable
        assert sum(line.payable_ht for line in lines) == statement.total_ht
        assert sum(line.hours for line in lines) == statement.period_hours
        for line, part in zip(lines, parts, strict=True):
            assert line.ttc == line.ht + line.vat and line.payable_ttc == line.payable_ht + line.payable_vat
            if statement.period_hours:
                exact = Fraction(statement.billable) * part / (Fraction(statement.period_hours) * 100)
                assert abs(Fraction(line.ht) - exact) < Fraction(1, 100)

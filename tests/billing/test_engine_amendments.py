"""Avenants in the statement engine (ADR 0020): hand-computed tables of an avenant mid-action and
properties (what was issued before the avenant's month does not move)."""

import dataclasses
from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from formarche.billing.engine import (
    EngineInputError,
    PeriodInput,
    TermsAmendment,
    advance_amount,
    compute_last_statement,
    compute_solde,
    compute_statements,
    contracted_hours,
    terms_for_dispositif,
)
from tests.billing.test_engine_properties import PROPERTY, hour_lists, order_terms

D = Decimal

# the seed's order: 57 820,00 € HT, 11,80 €/h (4 900 h), 18 months, advance 30 % of 38 546,67
SEED = terms_for_dispositif(
    "parcours_qualifiants", amount=D("57820.00"), unit_price=D("11.80"), duration_months=18, vat_rate=D(0)
)


def avenant(month, amount, price="11.80", duration=18, number=1):
    return TermsAmendment(
        number=number,
        from_period=date(2023, month, 1),
        amount=D(amount),
        unit_price=D(price),
        duration_months=duration,
    )


def periods(*hours, final_last=False):
    items = [PeriodInput(period=date(2023, i + 1, 1), realised_hours=D(h)) for i, h in enumerate(hours)]
    if final_last:
        items[-1] = replace(items[-1], final=True)
    return items


# Each row: the avenant (from February 2023), the hours of January and February, and February's
# expected lines: rate %, facturable, plafond, régulation, S_k, remboursement, total à verser HT.
# Every figure is computed by hand in docs/calculs.md « Avenant en cours d'action ».
CASES = [
    pytest.param(
        # volume 4 900 h → 5 500 h (64 900 €): r = 19 611,60 / 64 900 = 30,218 %, on the ramp
        # 30 → 40 %: f = 1/3 × (1 + 0,2182/10 × 1) → S = 11 564 × 0,340606 = 3 938,77
        avenant(2, "64900.00"),
        ("1000.00", "662.00"),
        ("30.22", "7811.60", "51920.00", "0.00", "3938.77", "-84.10", "7727.50"),
        id="volume-raised-mid-resorption",
    ),
    pytest.param(
        # January billed 47 200 > plafond 46 256 (−944 withheld); the avenant raises the plafond to
        # 51 920: the 944 € withheld are released in February (+944,00)
        avenant(2, "64900.00"),
        ("4000.00", "50.00"),
        ("73.64", "590.00", "51920.00", "944.00", "11564.00", "0.00", "1534.00"),
        id="amount-raised-releases-cap",
    ),
    pytest.param(
        # volume 4 900 h → 4 000 h (47 200 €): r = 19 611,60 / 47 200 = 41,55 %, flat at 2/3 →
        # S = 7 709,33; remboursement = 3 854,67 − 7 709,33 = −3 854,66
        avenant(2, "47200.00"),
        ("1000.00", "662.00"),
        ("41.55", "7811.60", "37760.00", "0.00", "7709.33", "-3854.66", "3956.94"),
        id="amount-reduced-resorbs-faster",
    ),
    pytest.param(
        # price 11,80 → 12,50 €/h, same 4 900 h (61 250 €): February's 662 h at 12,50 = 8 275,00;
        # r = 1 662 × 12,50 / 61 250 = 33,918 % as in the seed → S = 5 365,07
        avenant(2, "61250.00", "12.50"),
        ("1000.00", "662.00"),
        ("33.92", "8275.00", "49000.00", "0.00", "5365.07", "-1510.40", "6764.60"),
        id="price-raised",
    ),
    pytest.param(
        # volume raised to 8 500 h (100 300 €): r falls to 20,73 % → f = 1/3 → 3 854,67, below the
        # 5 365,07 already resorbed: what is resorbed stays resorbed (S held, remboursement 0)
        avenant(2, "100300.00"),
        ("1662.00", "100.00"),
        ("20.73", "1180.00", "80240.00", "0.00", "5365.07", "0.00", "1180.00"),
        id="resorbed-stays-resorbed",
    ),
    pytest.param(
        # duration 18 → 24 months only: the advance (paid) and its base do not change — nothing moves
        avenant(2, "57820.00", duration=24),
        ("1000.00", "662.00"),
        ("33.92", "7811.60", "46256.00", "0.00", "5365.07", "-1510.40", "6301.20"),
        id="duration-only",
    ),
]


@pytest.mark.parametrize(("amendment", "hours", "expected"), CASES)
def test_avenant_mid_action_hand_computed(amendment, hours, expected):
    terms = replace(SEED, amendments=(amendment,))
    january, february = compute_statements(terms, periods(*hours))
    # January is computed on the initial terms, exactly as without the avenant
    assert january == compute_statements(SEED, periods(hours[0]))[0]
    got = (
        february.realisation_rate,
        february.billable,
        february.cap_amount,
        february.cap_regulation,
        february.advance_due,
        february.advance_repayment,
        february.total_ht,
    )
    assert got == tuple(D(x) for x in expected)
    # the advance paid stays the initial terms' 11 564,00, and « déjà versé » runs on
    assert february.advance == D("11564.00")
    assert february.already_paid == january.already_paid + january.total_ht
    # the last-statement shortcut agrees
    assert compute_last_statement(terms, periods(*hours)) == february


def test_worked_example_of_calculs_md():
    """docs/calculs.md: avenant n° 1 from March 2023, 4 900 h → 5 500 h (64 900 €), to the CREF."""
    terms = replace(SEED, amendments=(avenant(3, "64900.00", duration=20),))
    items = periods("1000.00", "662.00", "2000.00", "2000.00", final_last=True)
    statements = compute_statements(terms, items)
    march, april = statements[2], statements[3]
    assert (march.realisation_rate, march.cap_amount, march.total_ht) == (
        D("66.58"),
        D("51920.00"),
        D("17401.07"),
    )
    assert (april.realisation_rate, april.cap_regulation, april.total_ht) == (
        D("102.95"),
        D("-14891.60"),
        D("8708.40"),
    )
    assert april.already_paid == D("43211.60")
    solde = compute_solde(terms, statements)
    # min(B = 66 811,60 ; A' = 64 900,00) − (11 564,00 + 40 356,00)
    assert (solde.amount_due, solde.total_paid, solde.balance_ht) == (
        D("64900.00"),
        D("51920.00"),
        D("12980.00"),
    )
    assert contracted_hours(terms) == D("5500.00")
    # without the avenant the CREF regulates down to 46 256,00 and the solde is 11 564,00
    assert compute_solde(SEED, compute_statements(SEED, items)).balance_ht == D("11564.00")


def test_two_avenants_each_from_its_month():
    terms = replace(
        SEED,
        amendments=(avenant(2, "64900.00"), avenant(3, "61250.00", "12.50", number=2)),
    )
    jan, feb, mar = compute_statements(terms, periods("1000.00", "662.00", "100.00"))
    assert (jan.unit_price, feb.unit_price, mar.unit_price) == (D("11.80"), D("11.80"), D("12.50"))
    assert (feb.cap_amount, mar.cap_amount) == (D("51920.00"), D("49000.00"))
    assert mar.billable == D("1250.00")


def test_advance_amount_is_the_initial_terms():
    assert advance_amount(SEED) == (D("11564.00"), D("38546.67"))
    amended = replace(SEED, amendments=(avenant(2, "100300.00", duration=12),))
    assert advance_amount(amended) == (D("11564.00"), D("38546.67"))
    twelve = terms_for_dispositif(
        "competences_plus", amount=D("10000.00"), unit_price=D("10.00"), duration_months=12, vat_rate=D(0)
    )
    assert advance_amount(twelve) == (D("3000.00"), D("10000.00"))


@pytest.mark.parametrize(
    ("amendments", "field"),
    [
        ((avenant(2, "0.00"),), "amendments[0].amount"),
        ((avenant(2, "100.00", "0"),), "amendments[0].unit_price"),
        ((replace(avenant(2, "100.00"), from_period=date(2023, 2, 15)),), "amendments[0].from_period"),
        ((avenant(3, "100.00"), avenant(2, "100.00", number=2)), "amendments[1].from_period"),
        ([avenant(2, "100.00")], "amendments"),
    ],
)
def test_bad_amendments_are_refused_in_french(amendments, field):
    with pytest.raises(EngineInputError) as info:
        replace(SEED, amendments=amendments)
    assert info.value.field == field
    assert info.value.reason  # French


@st.composite
def amended_case(draw):
    terms = draw(order_terms())
    hours = draw(hour_lists(terms))
    items = [
        PeriodInput(period=date(2024 + i // 12, i % 12 + 1, 1), realised_hours=D(h).scaleb(-2))
        for i, h in enumerate(hours)
    ]
    cut = draw(st.integers(0, len(items)))
    from_period = date(2024 + cut // 12, cut % 12 + 1, 1)
    factor = draw(st.sampled_from([D("0.5"), D("0.9"), D("1.1"), D("2")]))
    new_price = max(D("0.01"), draw(st.sampled_from([terms.unit_price, terms.unit_price + D("1.00")])))
    new_amount = max(D("0.01"), (terms.amount * factor).scaleb(2).to_integral_value().scaleb(-2))
    amendment = TermsAmendment(
        number=1,
        from_period=from_period,
        amount=new_amount,
        unit_price=new_price,
        duration_months=draw(st.integers(1, 36)),
    )
    return terms, items, cut, replace(terms, amendments=(amendment,))


@PROPERTY
@given(amended_case())
def test_statements_before_the_avenant_are_identical(case):
    terms, items, cut, amended = case
    before = compute_statements(terms, items)
    after = compute_statements(amended, items)
    # every statement of a month before the avenant's is field for field the same
    assert after[:cut] == before[:cut]
    # an avenant after the last period changes nothing already issued
    if cut == len(items):
        assert after == before
    # the advance never changes; what is resorbed never goes down; « déjà versé » adds up
    for previous, statement in zip(after, after[1:], strict=False):
        assert statement.advance == previous.advance
        assert statement.advance_due >= previous.advance_due
        assert statement.already_paid == previous.already_paid + previous.total_ht
    assert compute_last_statement(amended, items) == after[-1]


def test_amendment_is_a_frozen_dataclass():
    with pytest.raises(dataclasses.FrozenInstanceError):
        avenant(2, "100.00").amount = D(1)

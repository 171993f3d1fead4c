"""Groups (groupements, ADR 0018): each member's statement on its own share, the group's lines.

Every expected figure below was computed by hand; the working is in the comments (and in
docs/calculs.md, « Groupement de deux organismes »)."""

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from formarche.billing.engine import (
    EngineInputError,
    GroupPeriodInput,
    MemberShare,
    PeriodInput,
    compute_group_solde,
    compute_group_statements,
    compute_statements,
    terms_for_dispositif,
)

D = Decimal
Z = D("0")


def pq(amount, price, months):
    return terms_for_dispositif(
        "parcours_qualifiants", amount=D(amount), unit_price=D(price), duration_months=months, vat_rate=Z
    )


def month(m, *, y=2023, final=False, **hours):
    return GroupPeriodInput(
        period=date(y, m, 1), member_hours={code: (D(h), Z) for code, h in hours.items()}, final=final
    )


# --- The seed's order executed by a group: IN1331 60 %, IN2045 40 % ---------------------------
# A = 57 820, p = 11,80, D = 18; shares 34 692,00 and 23 128,00.
# IN1331: base = 34 692 × 12 / 18 = 23 128 → avance 6 938,40; plafond 0,8 × 34 692 = 27 753,60.
# IN2045: base = 23 128 × 12 / 18 = 15 418,67 → avance 4 625,60; plafond 18 502,40.
# March: IN1331 1 000 h → 11 800,00, r = 11 800 / 34 692 = 34,013… %, f = 1/3 + 4,013…/10 × 1/3
#        = 0,46712 → S = 6 938,40 × f = 3 241,07; total 11 800 − 3 241,07 = 8 558,93.
#        IN2045 662 h → 7 811,60, r = 33,775… %, f = 0,45918 → S = 2 124,00; total 5 687,60.
# April (CREF): IN1331 1 800 h → 21 240,00, B = 33 040 > 27 753,60 → régulation −5 286,40;
#        r = 95,24 % → S = 6 938,40, remboursement −(6 938,40 − 3 241,07) = −3 697,33;
#        total 21 240 − 5 286,40 − 3 697,33 = 12 256,27.
#        IN2045 1 200 h → 14 160,00, B = 21 971,60 > 18 502,40 → −3 469,20; S = 4 625,60,
#        remboursement −2 501,60; total 14 160 − 3 469,20 − 2 501,60 = 8 189,20.
# Group: 12 256,27 + 8 189,20 = 20 445,47 — the seed's figure, here because the members
# progressed at nearly the same pace (see the next case when they do not).
SEED_GROUP = [
    # period, code, billable, cap_regulation, advance_repayment, total_ht, already_paid
    (3, "IN1331", "11800.00", "0.00", "-3241.07", "8558.93", "6938.40"),
    (3, "IN2045", "7811.60", "0.00", "-2124.00", "5687.60", "4625.60"),
    (4, "IN1331", "21240.00", "-5286.40", "-3697.33", "12256.27", "15497.33"),
    (4, "IN2045", "14160.00", "-3469.20", "-2501.60", "8189.20", "10313.20"),
]
SEED_SHARES = [MemberShare("IN1331", D("34692.00")), MemberShare("IN2045", D("23128.00"))]
SEED_PERIODS = [
    month(3, IN1331="1000", IN2045="662"),
    month(4, IN1331="1800", IN2045="1200", final=True),
]


@pytest.mark.parametrize(("m", "code", "billable", "regulation", "repayment", "total", "paid"), SEED_GROUP)
def test_seed_order_as_a_group_member_lines(m, code, billable, regulation, repayment, total, paid):
    statements = compute_group_statements(pq("57820.00", "11.80", 18), SEED_SHARES, SEED_PERIODS)
    statement = next(s for s in statements if s.period.month == m).member(code)
    assert (statement.billable, statement.cap_regulation, statement.advance_repayment) == (
        D(billable),
        D(regulation),
        D(repayment),
    )
    assert (statement.total_ht, statement.already_paid) == (D(total), D(paid))


def test_seed_order_as_a_group_totals_and_lines():
    group = compute_group_statements(pq("57820.00", "11.80", 18), SEED_SHARES, SEED_PERIODS)[-1]
    assert group.kind == "CRE final"
    cref = group.total
    assert (cref.billable, cref.cap_regulation, cref.advance_repayment) == (
        D("35400.00"),
        D("-8755.60"),
        D("-6198.93"),
    )
    assert cref.total_ht == D("20445.47")
    assert cref.realisation_rate == D("95.14")
    assert (cref.advance, cref.advance_due_rate, cref.advance_already_resorbed_rate) == (
        D("11564.00"),
        D("30.00"),
        D("13.92"),
    )
    assert (cref.advance_already_resorbed, cref.already_paid) == (D("5365.07"), D("25810.53"))
    # "Détails des montants facturés … par prestataire": % of the order amount A [seed layout]
    assert [(line.provider, line.billed_rate, line.ht, line.payable_ht) for line in cref.providers] == [
        ("IN1331", D("36.73"), D("21240.00"), D("12256.27")),
        ("IN2045", D("24.49"), D("14160.00"), D("8189.20")),
    ]


# --- Two members at different paces: A = 10 000, p = 10, D = 12, shares 6 000 / 4 000 ---------
# M: avance 0,3 × 6 000 = 1 800, plafond 4 800.  C: avance 1 200, plafond 3 200.
# Jan: M 300 h → 3 000, r_M = 50 % → f = 2/3 → S = 1 200 → total 1 800.  C 0 h → 0.
# Feb (CREF): M 300 h → 3 000, B = 6 000 → régulation −1 200; r_M = 100 % → S = 1 800,
#      remboursement −600 → total 1 200.  C 400 h → 4 000, B = 4 000 → −800; S = 1 200,
#      remboursement −1 200 → total 2 000.
# Solde: M due min(6 000, 6 000) − paid (1 800 + 1 800 + 1 200) = 1 200;
#        C due 4 000 − paid (1 200 + 0 + 2 000) = 800.  Paid in all: 8 000 + 2 000 = 10 000 = A.
# On the whole order, January would give r = 30 %, S = 1 000 and a total of 2 000 to M alone
# (the hours split of sigma.md): M would repay C's advance — what ADR 0018 refuses.
PACE_SHARES = [MemberShare("M", D("6000.00")), MemberShare("C", D("4000.00"))]
PACE_PERIODS = [month(1, M="300"), month(2, M="300", C="400", final=True)]


def test_members_at_different_paces():
    jan, feb = compute_group_statements(pq("10000.00", "10.00", 12), PACE_SHARES, PACE_PERIODS)
    assert (jan.member("M").advance_repayment, jan.member("M").total_ht) == (D("-1200.00"), D("1800.00"))
    assert (jan.member("C").total_ht, jan.member("C").already_paid) == (D("0.00"), D("1200.00"))
    assert (jan.total.total_ht, jan.total.already_paid) == (D("1800.00"), D("3000.00"))
    m, c = feb.member("M"), feb.member("C")
    assert (m.cap_regulation, m.advance_repayment, m.total_ht) == (D("-1200.00"), D("-600.00"), D("1200.00"))
    assert (c.cap_regulation, c.advance_repayment, c.total_ht) == (D("-800.00"), D("-1200.00"), D("2000.00"))
    assert (
        feb.total.billable,
        feb.total.cap_regulation,
        feb.total.advance_repayment,
        feb.total.total_ht,
    ) == (
        D("7000.00"),
        D("-2000.00"),
        D("-1800.00"),
        D("3200.00"),
    )
    whole = compute_statements(
        pq("10000.00", "10.00", 12), [PeriodInput(period=date(2023, 1, 1), realised_hours=D("300"))]
    )[0]
    assert whole.total_ht == D("2000.00")  # the hours-split rule would pay M 2 000 in January


def test_solde_split_per_member():
    terms = pq("10000.00", "10.00", 12)
    statements = compute_group_statements(terms, PACE_SHARES, PACE_PERIODS)
    soldes = compute_group_solde(terms, PACE_SHARES, statements)
    assert soldes["M"].balance_ht == D("1200.00")
    assert soldes["C"].balance_ht == D("800.00")
    soldes = compute_group_solde(terms, PACE_SHARES, statements, adjustments={"C": (Z, D("150.00"))})
    assert (soldes["M"].balance_ht, soldes["C"].balance_ht) == (D("1200.00"), D("650.00"))


@pytest.mark.parametrize(
    ("shares", "message"),
    [
        ([MemberShare("M", D("10000.00"))], "au moins deux"),
        ([MemberShare("M", D("6000.00")), MemberShare("M", D("4000.00"))], "distinct"),
        ([MemberShare("M", D("6000.00")), MemberShare("C", D("3999.99"))], "doit égaler"),
        ([MemberShare("M", D("10000.00")), MemberShare("C", D("0.00"))], "positive"),
    ],
)
def test_bad_shares_refused_in_french(shares, message):
    with pytest.raises(EngineInputError, match=message):
        compute_group_statements(pq("10000.00", "10.00", 12), shares, PACE_PERIODS[:1])


def test_unknown_member_in_hours_refused():
    with pytest.raises(EngineInputError, match="membre inconnu"):
        compute_group_statements(pq("10000.00", "10.00", 12), PACE_SHARES, [month(1, X="10")])


# --- Property: the group is the sum of its members; with proportional hours it is the order ---


@settings(max_examples=150, deadline=None)
@given(
    units=st.lists(st.integers(1, 9), min_size=2, max_size=4),
    unit_amount=st.integers(100, 50_000),
    price_cents=st.integers(500, 2500),
    months=st.integers(1, 24),
    hours=st.lists(st.integers(0, 400), min_size=1, max_size=8),
)
def test_property_group_sums_and_proportional_members_match_the_order(
    units, unit_amount, price_cents, months, hours
):
    """Shares A_m = k_m × u; each member delivers k_m × h hours a month (so its pace is the
    order's). Then (1) every group figure is the sum of the members' lines, exactly; (2) no member
    is ever paid beyond its share; (3) the group's total à verser of each period is the one of the
    statement of the whole order to within 5 cents per member and period — only the rounding of
    each member's lines separates them (each rounded line moves by ½ cent at most; the cap and
    the resorption lines are differences of two rounded cumulative amounts, hence 1 cent each,
    and the floor at 0 carries the same cents to the next period)."""
    total_units = sum(units)
    amount = D(unit_amount * total_units) / 100  # € with cents
    terms = pq(str(amount), str(D(price_cents) / 100), months)
    shares = [MemberShare(f"OF{i}", D(k * unit_amount) / 100) for i, k in enumerate(units)]
    periods = [
        GroupPeriodInput(
            period=date(2023 + i // 12, i % 12 + 1, 1),
            member_hours={f"OF{j}": (D(k * h), Z) for j, k in enumerate(units)},
            final=i == len(hours) - 1,
        )
        for i, h in enumerate(hours)
    ]
    group = compute_group_statements(terms, shares, periods)
    whole = compute_statements(
        terms,
        [
            PeriodInput(period=p.period, realised_hours=D(total_units * h), final=p.final)
            for p, h in zip(periods, hours, strict=True)
        ],
    )
    tolerance = D("0.05") * len(units)
    for item, w in zip(group, whole, strict=True):
        g = item.total
        for field in ("billable", "cap_regulation", "advance_repayment", "total_ht", "already_paid"):
            assert getattr(g, field) == sum((getattr(s, field) for _, s in item.members), Z)
        assert sum((line.payable_ht for line in g.providers), Z) == g.total_ht
        assert sum((line.ht for line in g.providers), Z) == g.billable
        assert abs(g.total_ht - w.total_ht) <= tolerance
        assert abs(g.already_paid - w.already_paid) <= tolerance
        assert abs(g.realisation_rate - w.realisation_rate) <= D("0.01")
    for share in shares:
        paid = sum((g.member(share.code).total_ht for g in group), Z) + group[-1].member(share.code).advance
        assert paid <= share.amount

"""The statement engine, table-driven: the seed's worked example and hand-computed cases.

Every expected figure below was computed by hand (the working is in the comments); the seed's
figures are marked [seed].
"""

from datetime import date
from decimal import Decimal
from fractions import Fraction

import pytest

from formarche.billing.engine import (
    DEFAULT_RESORPTION_BANDS,
    DISPOSITIF_PRESETS,
    EngineInputError,
    OrderTerms,
    PeriodInput,
    ResorptionBand,
    StatementKind,
    compute_solde,
    compute_statements,
    contracted_hours,
    terms_for_dispositif,
)

D = Decimal


def terms(amount="10000.00", price="10.00", months=12, advance="0.30", cap="0.80", vat="0", bands=None):
    return OrderTerms(
        amount=D(amount),
        unit_price=D(price),
        duration_months=months,
        vat_rate=D(vat),
        advance_rate=D(advance),
        cap_rate=None if cap is None else D(cap),
        resorption_bands=DEFAULT_RESORPTION_BANDS if bands is None else bands,
    )


def periods(*hours, final=True, unrealised=None):
    items = []
    for index, value in enumerate(hours):
        items.append(
            PeriodInput(
                period=date(2023 + index // 12, index % 12 + 1, 1),
                realised_hours=D(value),
                counted_unrealised_hours=D(unrealised[index]) if unrealised else D("0.00"),
                final=final and index == len(hours) - 1,
            )
        )
    return items


def as_text(statement, *names):
    return {name: str(getattr(statement, name)) for name in names}


# --------------------------------------------------------------------------------------------
# The seed's worked example (golden test)
# --------------------------------------------------------------------------------------------

SEED_TERMS = OrderTerms(
    amount=D("57820.00"),
    unit_price=D("11.80"),
    duration_months=18,
    vat_rate=D("0.00"),
    advance_rate=D("0.30"),
    cap_rate=D("0.80"),
)
SEED_PERIODS = [
    PeriodInput(period=date(2023, 3, 1), realised_hours=D("1662.00"), counted_unrealised_hours=D("0.00")),
    PeriodInput(
        period=date(2023, 4, 1),
        realised_hours=D("3000.00"),
        counted_unrealised_hours=D("0.00"),
        final=True,
        provider_hours={"IN1331": D("3000.00")},
    ),
]


def test_seed_worked_example_cref():
    first, final = compute_statements(SEED_TERMS, SEED_PERIODS)
    assert final.kind == StatementKind.CREF == "CRE final"
    assert final.period == date(2023, 4, 1)
    assert as_text(
        final,
        "previous_realised_hours",
        "previous_counted_unrealised_hours",
        "realised_hours",
        "counted_unrealised_hours",
        "period_hours",
        "cumulative_hours",
        "realisation_rate",
        "billable",
        "billable_rate",
        "cap_amount",
        "cap_regulation",
        "cap_regulation_rate",
        "advance",
        "advance_due",
        "advance_due_rate",
        "advance_already_resorbed",
        "advance_already_resorbed_rate",
        "advance_repayment",
        "advance_repayment_rate",
        "repayment_carried_in",
        "total_ht",
        "vat_rate",
        "vat",
        "total_ttc",
        "already_paid",
        "repayment_carried_out",
    ) == {
        "previous_realised_hours": "1662.00",  # [seed]
        "previous_counted_unrealised_hours": "0.00",  # [seed]
        "realised_hours": "3000.00",  # [seed]
        "counted_unrealised_hours": "0.00",  # [seed]
        "period_hours": "3000.00",  # [seed]
        "cumulative_hours": "4662.00",  # [seed]
        "realisation_rate": "95.14",  # [seed]
        "billable": "35400.00",  # [seed]
        "billable_rate": "61.22",  # [seed]
        "cap_amount": "46256.00",  # [seed] "plafonnement à hauteur de 46 256 €"
        "cap_regulation": "-8755.60",  # [seed]
        "cap_regulation_rate": "15.14",  # [seed]
        "advance": "11564.00",  # [seed]
        "advance_due": "11564.00",  # [seed]
        "advance_due_rate": "30.00",  # [seed]
        "advance_already_resorbed": "5365.07",  # [seed]
        "advance_already_resorbed_rate": "13.92",  # [seed]
        "advance_repayment": "-6198.93",  # [seed]
        "advance_repayment_rate": "16.08",  # [seed]
        "repayment_carried_in": "0.00",
        "total_ht": "20445.47",  # [seed]
        "vat_rate": "0.00",  # [seed] "TVA 0,00 %"
        "vat": "0.00",  # [seed]
        "total_ttc": "20445.47",  # [seed]
        "already_paid": "25810.53",  # [seed]
        "repayment_carried_out": "0.00",
    }
    (provider,) = final.providers  # [seed] IN1331 | 61,22 % | 35 400,00 | 0,00 | 35 400,00
    assert (
        provider.provider,
        str(provider.billed_rate),
        str(provider.ht),
        str(provider.vat),
        str(provider.ttc),
    ) == (
        "IN1331",
        "61.22",
        "35400.00",
        "0.00",
        "35400.00",
    )
    assert provider.payable_ht == final.total_ht


def test_seed_worked_example_first_period():
    # [derived] the period the seed calls "Périodes précédentes": 1 662 h → 19 611,60 billable,
    # r = 33,918… %, f = 1/3 + (33,918 − 30) / 10 × 1/3 = 0,46395…, S = 11 564 × f = 5 365,07.
    first, _ = compute_statements(SEED_TERMS, SEED_PERIODS)
    assert first.kind == StatementKind.CRE
    assert as_text(
        first,
        "billable",
        "realisation_rate",
        "advance_due",
        "advance_due_rate",
        "advance_repayment",
        "total_ht",
    ) == {
        "billable": "19611.60",
        "realisation_rate": "33.92",
        "advance_due": "5365.07",
        "advance_due_rate": "13.92",
        "advance_repayment": "-5365.07",
        "total_ht": "14246.53",
    }
    # [derived] 25 810,53 = 11 564,00 + 14 246,53
    assert first.already_paid == D("11564.00")
    assert first.providers[0].provider is None


def test_seed_worked_example_solde():
    statements = compute_statements(SEED_TERMS, SEED_PERIODS)
    solde = compute_solde(SEED_TERMS, statements)
    # due = min(55 011,60, 57 820,00) = 55 011,60; paid = 11 564,00 + 14 246,53 + 20 445,47 = 46 256,00;
    # the solde pays the 8 755,60 withheld by the cap on the instalments.
    assert (solde.amount_due, solde.total_paid, solde.balance_ht) == (
        D("55011.60"),
        D("46256.00"),
        D("8755.60"),
    )
    solde = compute_solde(SEED_TERMS, statements, bonus=D("500.00"), penalties=D("120.50"))
    assert solde.balance_ht == D("9135.10") and not solde.is_repayment_order


def test_contracted_hours_and_presets():
    assert contracted_hours(SEED_TERMS) == D("4900.00")  # [seed] 57 820 / 11,80
    assert contracted_hours(terms(amount="100.00", price="3.00")) == D("33.33")
    assert set(DISPOSITIF_PRESETS) == {"parcours_qualifiants", "competences_plus"}
    for preset in DISPOSITIF_PRESETS.values():
        assert preset.cap_rate == D("0.80")  # [seed]
        assert preset.resorption_bands == DEFAULT_RESORPTION_BANDS
    built = terms_for_dispositif(
        "parcours_qualifiants",
        amount=D("57820.00"),
        unit_price=D("11.80"),
        duration_months=18,
        vat_rate=D(0),
    )
    assert compute_statements(built, SEED_PERIODS)[-1].total_ht == D("20445.47")
    no_advance = terms_for_dispositif(
        "competences_plus",
        amount=D("100.00"),
        unit_price=D("1.00"),
        duration_months=3,
        vat_rate=D(0),
        advance_paid=False,
    )
    assert no_advance.advance_rate == 0
    with pytest.raises(EngineInputError, match="dispositif inconnu"):
        terms_for_dispositif("autre", amount=D(1), unit_price=D(1), duration_months=1, vat_rate=D(0))


# --------------------------------------------------------------------------------------------
# One period, across the bands.  A = 10 000,00, p = 10,00 (V = 1 000 h), D = 12 (base = A),
# advance 30 % = 3 000,00, cap 80 % = 8 000,00.  In each ramp the advance is recovered at 100 € per
# point of realisation (3 000 × 1/3 / 10), the same pace as billing: the total stays flat.
# --------------------------------------------------------------------------------------------

BAND_CASES = [
    # hours, r %, billable, regulation, S (due), S %, total HT
    ("0.00", "0.00", "0.00", "0.00", "0.00", "0.00", "0.00"),
    ("50.00", "5.00", "500.00", "0.00", "0.00", "0.00", "500.00"),
    ("100.00", "10.00", "1000.00", "0.00", "0.00", "0.00", "1000.00"),  # threshold 10 %
    ("123.45", "12.35", "1234.50", "0.00", "234.50", "2.35", "1000.00"),  # f = 2,345/10 × 1/3
    ("150.00", "15.00", "1500.00", "0.00", "500.00", "5.00", "1000.00"),  # f = 1/6
    ("200.00", "20.00", "2000.00", "0.00", "1000.00", "10.00", "1000.00"),  # threshold 20 %: 1/3
    ("250.00", "25.00", "2500.00", "0.00", "1000.00", "10.00", "1500.00"),  # flat
    ("300.00", "30.00", "3000.00", "0.00", "1000.00", "10.00", "2000.00"),  # threshold 30 %
    ("350.00", "35.00", "3500.00", "0.00", "1500.00", "15.00", "2000.00"),  # f = 1/2
    ("400.00", "40.00", "4000.00", "0.00", "2000.00", "20.00", "2000.00"),  # threshold 40 %: 2/3
    ("500.00", "50.00", "5000.00", "0.00", "2000.00", "20.00", "3000.00"),  # threshold 50 %
    ("550.00", "55.00", "5500.00", "0.00", "2500.00", "25.00", "3000.00"),  # f = 5/6
    ("600.00", "60.00", "6000.00", "0.00", "3000.00", "30.00", "3000.00"),  # threshold 60 %: all
    ("800.00", "80.00", "8000.00", "0.00", "3000.00", "30.00", "5000.00"),  # on the cap
    ("900.00", "90.00", "9000.00", "-1000.00", "3000.00", "30.00", "5000.00"),
    ("1000.00", "100.00", "10000.00", "-2000.00", "3000.00", "30.00", "5000.00"),
    ("1200.00", "120.00", "12000.00", "-4000.00", "3000.00", "30.00", "5000.00"),  # above 100 %
]


@pytest.mark.parametrize(("hours", "rate", "billable", "regulation", "due", "due_rate", "total"), BAND_CASES)
def test_one_period_across_the_bands(hours, rate, billable, regulation, due, due_rate, total):
    (statement,) = compute_statements(terms(), periods(hours))
    assert as_text(
        statement,
        "realisation_rate",
        "billable",
        "cap_regulation",
        "advance_due",
        "advance_due_rate",
        "advance_repayment",
        "total_ht",
        "total_ttc",
        "already_paid",
        "repayment_carried_out",
    ) == {
        "realisation_rate": rate,
        "billable": billable,
        "cap_regulation": regulation,
        "advance_due": due,
        "advance_due_rate": due_rate,
        "advance_repayment": str(-D(due)) if D(due) else "0.00",
        "total_ht": total,
        "total_ttc": total,
        "already_paid": "3000.00",
        "repayment_carried_out": "0.00",
    }


@pytest.mark.parametrize(
    ("hours", "billable", "regulation", "regulation_rate", "total"),
    [
        ("600.00", "6000.00", "0.00", "0.00", "6000.00"),
        ("800.00", "8000.00", "0.00", "0.00", "8000.00"),  # no 80 % cap
        ("1000.00", "10000.00", "0.00", "0.00", "10000.00"),  # exactly the order amount
        ("1200.00", "12000.00", "-2000.00", "20.00", "10000.00"),  # c = 1: never above A [design]
    ],
)
def test_no_advance_no_cap(hours, billable, regulation, regulation_rate, total):
    (statement,) = compute_statements(terms(advance="0", cap=None), periods(hours))
    assert as_text(statement, "billable", "cap_regulation", "cap_regulation_rate", "total_ht") == {
        "billable": billable,
        "cap_regulation": regulation,
        "cap_regulation_rate": regulation_rate,
        "total_ht": total,
    }
    assert statement.cap_amount == D("10000.00")
    assert statement.advance == statement.advance_due == statement.already_paid == D("0.00")


def test_ties_round_half_up():
    # A = 10 000, p = 12,50 (V = 800 h), advance 3 000: in the first ramp S = N − 1 000 (N = C × p).
    # 100,01 h: H × p = 1 250,125 → 1 250,13; S = 250,125 → 250,13 (half up, not to even);
    # r = 12,50125 % → 12,50.
    (statement,) = compute_statements(terms(price="12.50"), periods("100.01"))
    assert as_text(statement, "billable", "advance_due", "realisation_rate", "total_ht") == {
        "billable": "1250.13",
        "advance_due": "250.13",
        "realisation_rate": "12.50",
        "total_ht": "1000.00",
    }


def test_vat_twenty_percent():
    # No advance, no cap: 123,4567 € billable would not be a cent amount, so 12,35 h × 9,99 =
    # 123,3765 → 123,38; TVA 20 % = 24,676 → 24,68; TTC 148,06.
    (statement,) = compute_statements(
        terms(price="9.99", advance="0", cap=None, vat="0.20"), periods("12.35")
    )
    assert as_text(statement, "billable", "total_ht", "vat_rate", "vat", "total_ttc") == {
        "billable": "123.38",
        "total_ht": "123.38",
        "vat_rate": "20.00",
        "vat": "24.68",
        "total_ttc": "148.06",
    }
    (provider,) = statement.providers
    assert (provider.ht, provider.vat, provider.ttc) == (D("123.38"), D("24.68"), D("148.06"))


def test_vat_on_the_net_total_with_advance_and_cap():
    # 900 h: billable 9 000, regulation −1 000, repayment −3 000 → HT 5 000, TVA 1 000, TTC 6 000;
    # the provider table shows the facturable with its own VAT: 9 000 + 1 800.
    (statement,) = compute_statements(terms(vat="0.20"), periods("900.00"))
    assert (statement.total_ht, statement.vat, statement.total_ttc) == (
        D("5000.00"),
        D("1000.00"),
        D("6000.00"),
    )
    (provider,) = statement.providers
    assert (provider.ht, provider.vat, provider.ttc) == (D("9000.00"), D("1800.00"), D("10800.00"))
    assert (provider.payable_ht, provider.payable_vat, provider.payable_ttc) == (
        D("5000.00"),
        D("1000.00"),
        D("6000.00"),
    )


def test_advance_base_over_twelve_months():
    # [derived] D = 24: base = 10 000 × 12 / 24 = 5 000, advance 30 % = 1 500; at 15 % f = 1/6 → 250,
    # shown as 5,00 % of the base; D = 18 gives the seed's base 38 546,67 (see the golden test).
    (statement,) = compute_statements(terms(months=24), periods("150.00"))
    assert as_text(statement, "advance", "advance_due", "advance_due_rate", "total_ht") == {
        "advance": "1500.00",
        "advance_due": "250.00",
        "advance_due_rate": "5.00",
        "total_ht": "1250.00",
    }
    # D = 7: base 10 000 × 12 / 7 = 17 142,857… would exceed A: the base is A when D ≤ 12.
    (statement,) = compute_statements(terms(months=7), periods("0.00"))
    assert statement.advance == D("3000.00")


def test_counted_unrealised_hours_count_like_realised_ones():
    (with_unrealised,) = compute_statements(terms(), periods("100.00", unrealised=["50.00"]))
    (realised_only,) = compute_statements(terms(), periods("150.00"))
    assert with_unrealised.period_hours == D("150.00")
    assert with_unrealised.total_ht == realised_only.total_ht == D("1000.00")
    assert with_unrealised.counted_unrealised_hours == D("50.00")


# --------------------------------------------------------------------------------------------
# Several periods: cap regulation, carry-forward [design], already paid.
# --------------------------------------------------------------------------------------------


def test_cap_regulation_is_the_increment_of_the_excess():
    # 700 h (B 7 000), 200 h (B 9 000: excess 1 000), 300 h (B 12 000: excess 4 000).
    statements = compute_statements(terms(advance="0"), periods("700.00", "200.00", "300.00"))
    assert [str(s.cap_regulation) for s in statements] == ["0.00", "-1000.00", "-3000.00"]
    assert [str(s.total_ht) for s in statements] == ["7000.00", "1000.00", "0.00"]
    assert [str(s.already_paid) for s in statements] == ["0.00", "7000.00", "8000.00"]
    assert statements[-1].cumulative_cap_regulation == D("-4000.00")
    assert statements[-1].kind == StatementKind.CREF and statements[0].kind == StatementKind.CRE


def test_negative_total_is_floored_and_carried_forward():
    # Advance 50 % = 5 000 (D = 12), no cap.  S ramps at 166,67 € per point while billing earns 100.
    # P1 100 h: 1 000 billable, S 0 → 1 000.
    # P2 100 h (20 %): 1 000 − 1 666,67 = −666,67 → 0, carried 666,67.
    # P3 100 h (30 %): 1 000 − 0 − 666,67 = 333,33.
    # P4 0 h, final: 0.
    statements = compute_statements(
        terms(advance="0.50", cap=None), periods("100.00", "100.00", "100.00", "0.00")
    )
    assert [str(s.total_ht) for s in statements] == ["1000.00", "0.00", "333.33", "0.00"]
    assert [str(s.repayment_carried_out) for s in statements] == ["0.00", "666.67", "0.00", "0.00"]
    assert [str(s.repayment_carried_in) for s in statements] == ["0.00", "0.00", "-666.67", "0.00"]
    assert [str(s.already_paid) for s in statements] == ["5000.00", "6000.00", "6000.00", "6333.33"]
    solde = compute_solde(terms(advance="0.50", cap=None), statements)
    # due 3 000; paid 5 000 + 1 333,33 → −3 333,33 = the unresorbed advance 5 000 − 1 666,67
    assert solde.balance_ht == D("-3333.33") and solde.is_repayment_order


def test_carry_forward_with_the_cap():
    # Advance 50 % = 5 000, cap 80 % = 8 000.
    # P1 100 h: 1 000.  P2 150 h (25 %): 1 500 − 1 666,67 → 0, carried 166,67.
    # P3 650 h (90 %): 6 500 − 1 000 (excess 9 000 − 8 000) − 3 333,33 − 166,67 = 2 000.
    # Paid in all: 5 000 + 1 000 + 0 + 2 000 = 8 000 = the cap; advance wholly resorbed.
    t = terms(advance="0.50")
    statements = compute_statements(t, periods("100.00", "150.00", "650.00"))
    assert [str(s.total_ht) for s in statements] == ["1000.00", "0.00", "2000.00"]
    assert [str(s.cap_regulation) for s in statements] == ["0.00", "0.00", "-1000.00"]
    assert statements[1].repayment_carried_out == D("166.67")
    assert statements[2].repayment_carried_in == D("-166.67")
    solde = compute_solde(t, statements)
    # due min(9 000, 10 000) = 9 000: the solde pays the 1 000 withheld by the cap
    assert (solde.amount_due, solde.total_paid, solde.balance_ht) == (
        D("9000.00"),
        D("8000.00"),
        D("1000.00"),
    )


def test_carry_out_of_the_final_period_goes_to_the_solde():
    t = terms(advance="0.50", cap=None)
    statements = compute_statements(t, periods("100.00", "150.00"))
    assert statements[-1].repayment_carried_out == D("166.67")
    solde = compute_solde(t, statements, penalties=D("10.00"))
    # due 2 500 − 10 − (5 000 + 1 000) = −3 510 = −(5 000 − 1 666,67) − 166,67 − 10
    assert solde.balance_ht == D("-3510.00") and solde.is_repayment_order


# --------------------------------------------------------------------------------------------
# Providers (groups) [design: split in proportion to hours, largest remainders]
# --------------------------------------------------------------------------------------------


def test_split_between_providers():
    items = [
        PeriodInput(
            period=date(2023, 3, 1),
            realised_hours=D("1662.00"),
            provider_hours={"IN1331": D("1000.00"), "IN2042": D("662.00")},
        )
    ]
    (statement,) = compute_statements(SEED_TERMS, items)
    first, second = statement.providers
    assert (first.provider, first.ht, first.billed_rate) == ("IN1331", D("11800.00"), D("20.41"))
    assert (second.provider, second.ht, second.billed_rate) == ("IN2042", D("7811.60"), D("13.51"))
    assert first.payable_ht + second.payable_ht == statement.total_ht == D("14246.53")
    # 14 246,53 × 1000 / 1662 = 8 571,924…; × 662 / 1662 = 5 674,605…: the floors 8 571,92 +
    # 5 674,60 = 14 246,52; the last cent goes to the larger remainder (IN2042: 0,58 vs 0,42 cent).
    assert (first.payable_ht, second.payable_ht) == (D("8571.92"), D("5674.61"))


def test_split_by_largest_remainders_ties_go_to_the_first_provider():
    # Three equal shares of 1,00 € (0,03 h × 33,3333 = 0,999999 → 1,00): 0,34 + 0,33 + 0,33.
    items = [
        PeriodInput(
            period=date(2023, 3, 1),
            realised_hours=D("0.03"),
            provider_hours={"A": D("0.01"), "B": D("0.01"), "C": D("0.01")},
        )
    ]
    (statement,) = compute_statements(terms(price="33.3333", advance="0"), items)
    assert [line.ht for line in statement.providers] == [D("0.34"), D("0.33"), D("0.33")]


# --------------------------------------------------------------------------------------------
# Custom resorption bands (parameters as data)
# --------------------------------------------------------------------------------------------


def test_custom_resorption_bands():
    # Half the advance between 0 and 50 %, the rest between 50 and 100 %: at 25 %, f = 1/4.
    bands = (
        ResorptionBand(D(0), D(50), Fraction(1, 2)),
        ResorptionBand(D(50), D(100), Fraction(1)),
    )
    (statement,) = compute_statements(terms(bands=bands), periods("250.00"))
    assert statement.advance_due == D("750.00")
    (statement,) = compute_statements(terms(bands=bands), periods("750.00"))
    assert statement.advance_due == D("2250.00")


# --------------------------------------------------------------------------------------------
# Refusals (French messages naming the field)
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"amount": "0"}, "amount"),
        ({"amount": "-5"}, "amount"),
        ({"amount": "10.005"}, "amount"),
        ({"price": "0"}, "unit_price"),
        ({"months": 0}, "duration_months"),
        ({"advance": "1.5"}, "advance_rate"),
        ({"vat": "-0.2"}, "vat_rate"),
        ({"cap": "0"}, "cap_rate"),
        ({"cap": "1.2"}, "cap_rate"),
        ({"bands": (ResorptionBand(D(20), D(10), Fraction(1)),)}, "resorption_bands[0]"),
        (
            {
                "bands": (
                    ResorptionBand(D(10), D(20), Fraction(2, 3)),
                    ResorptionBand(D(30), D(40), Fraction(1, 3)),
                )
            },
            "resorption_bands[1].fraction",
        ),
        ({"bands": ()}, "resorption_bands"),
    ],
)
def test_order_terms_refusals(overrides, field):
    with pytest.raises(EngineInputError) as caught:
        terms(**overrides)
    assert caught.value.field == field


def test_period_refusals():
    with pytest.raises(EngineInputError, match="négatif"):
        PeriodInput(period=date(2023, 3, 1), realised_hours=D("-1"))
    with pytest.raises(EngineInputError, match="premier jour"):
        PeriodInput(period=date(2023, 3, 2), realised_hours=D("1"))
    with pytest.raises(EngineInputError, match="somme des heures"):
        PeriodInput(period=date(2023, 3, 1), realised_hours=D("10"), provider_hours={"A": D("9")})
    with pytest.raises(EngineInputError, match="au plus 2"):
        PeriodInput(period=date(2023, 3, 1), realised_hours=D("1.001"))


@pytest.mark.parametrize(
    ("months", "finals", "message"),
    [
        ([3, 3], [False, False], "listée deux fois"),
        ([4, 3], [False, False], "ordre chronologique"),
        ([3, 4], [True, False], "dernière période"),
    ],
)
def test_sequence_refusals(months, finals, message):
    items = [
        PeriodInput(period=date(2023, month, 1), realised_hours=D("1"), final=final)
        for month, final in zip(months, finals, strict=True)
    ]
    with pytest.raises(EngineInputError, match=message):
        compute_statements(terms(), items)


def test_solde_needs_statements():
    with pytest.raises(EngineInputError, match="au moins un état"):
        compute_solde(terms(), [])


def test_instalments_depend_on_the_split_above_30_percent():
    # [design finding] With a 50 % advance (D ≤ 12) the advance is recovered at 166,67 € per point
    # in a ramp while billing earns 100: the net owed to the OF dips, and a period that ends on
    # the peak is paid before the dip is known.  The instalments then depend on how hours fall into
    # periods — but paid-net-of-carry and the final position (paid + solde) do not.
    t = terms(advance="0.50", cap=None)
    one = compute_statements(t, periods("200.00"))
    two = compute_statements(t, periods("100.00", "100.00"))
    assert [s.total_ht for s in one] == [D("333.33")]
    assert [s.total_ht for s in two] == [D("1000.00"), D("0.00")]
    assert two[-1].repayment_carried_out == D("666.67")
    for statements in (one, two):
        last = statements[-1]
        assert last.already_paid + last.total_ht - last.repayment_carried_out == D("5333.33")
        solde = compute_solde(t, statements)
        assert solde.total_paid + solde.balance_ht == solde.amount_due == D("2000.00")

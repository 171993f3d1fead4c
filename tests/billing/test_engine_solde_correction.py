"""The solde of an action reopened after its CRE final (ADR 0021): the hours corrected since the
last validated period enter the amount due — max(0, min(B_n + round(R × p), A)) — on the seed's
figures (B_n 55 011,60, paid 46 256,00, A 57 820,00, p 11,80)."""

from decimal import Decimal

import pytest

from formarche.billing.engine import EngineInputError, compute_solde, compute_statements
from tests.billing.test_engine import SEED_PERIODS, SEED_TERMS

D = Decimal
STATEMENTS = compute_statements(SEED_TERMS, SEED_PERIODS)


@pytest.mark.parametrize(
    ("hours", "billable", "due", "balance", "repayment"),
    [
        ("0.00", "0.00", "55011.60", "8755.60", False),  # no correction: the seed's solde
        ("100.00", "1180.00", "56191.60", "9935.60", False),  # a forgotten trainee
        ("0.25", "2.95", "55014.55", "8758.55", False),  # a quarter of an hour, to the cent
        ("-900.00", "-10620.00", "44391.60", "-1864.40", True),  # hours removed: titre de reversement
        ("400.00", "4720.00", "57820.00", "11564.00", False),  # capped at the order amount A
        ("-5000.00", "-59000.00", "0.00", "-46256.00", True),  # never below 0 due
    ],
)
def test_the_rectificatif_after_the_cref_enters_the_solde(hours, billable, due, balance, repayment):
    solde = compute_solde(SEED_TERMS, STATEMENTS, correction_hours=D(hours))
    assert (solde.correction_hours, solde.correction_billable) == (D(hours), D(billable))
    assert (solde.amount_due, solde.total_paid, solde.balance_ht) == (D(due), D("46256.00"), D(balance))
    assert solde.is_repayment_order is repayment


def test_a_correction_with_more_than_two_decimals_is_refused():
    with pytest.raises(EngineInputError) as exc:
        compute_solde(SEED_TERMS, STATEMENTS, correction_hours=D("1.001"))
    assert exc.value.field == "correction_hours"

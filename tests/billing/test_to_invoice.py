"""« A facturer » lists the validated periods without a live invoice — also when a solde invoice
(which has no period) is live somewhere: one NULL in ``NOT IN (…)`` used to empty the tab."""

import datetime as dt

import pytest

from formarche.billing import selectors, services
from tests.billing.stages import seed_with_cref
from tests.billing.workflow import MARCH, seed_order, validate

pytestmark = pytest.mark.django_db


def test_a_rejected_period_is_to_invoice_again_beside_a_live_solde_invoice(world):
    of_user, officer = world.users["of1_manager"], world.users["region_a_officer"]
    closed, _cref = seed_with_cref(world)
    services.solde_issue(order=closed, user=of_user, today=dt.date(2023, 10, 2))  # live, no period
    other = seed_order(region=world.region_a, provider=world.of1, referent=officer, number="23Q00030612_2")
    march = validate(other, MARCH, of_user)
    invoice = services.invoice_issue(period=march, user=of_user, today=dt.date(2023, 4, 5))
    assert selectors.periods_to_invoice(other) == []  # its invoice is live
    services.invoice_reject(invoice=invoice, user=officer, reason="Les heures de mars sont à corriger.")
    assert selectors.periods_to_invoice(other) == [march]

"""billing.perms: one rule per function, the booleans the views give the templates."""

from decimal import Decimal
from types import SimpleNamespace

import pytest

from formarche.billing import perms
from formarche.billing.models import Invoice, InvoiceStatus, Solde
from formarche.orders.models import Order, OrderStatus

OF = SimpleNamespace(is_of=True, is_region=False)
REGION = SimpleNamespace(is_of=False, is_region=True)
S = InvoiceStatus


@pytest.mark.parametrize(
    ("status", "upload", "decide", "validate", "pay"),
    [
        (S.ISSUED, True, True, False, False),
        (S.SIGNED, False, True, True, False),
        (S.VALIDATED, False, False, False, True),
        (S.PARTIALLY_PAID, False, False, False, True),
        (S.PAID, False, False, False, False),
        (S.REJECTED, False, False, False, False),
    ],
)
def test_invoice_rules_by_status(status, upload, decide, validate, pay):
    invoice = Invoice(status=status)
    assert perms.can_upload_signed(OF, invoice) is upload
    assert perms.can_upload_signed(REGION, invoice) is False
    assert perms.can_decide_invoice(REGION, invoice) is decide
    assert perms.can_reject_invoice(REGION, invoice) is decide
    assert perms.can_validate_invoice(REGION, invoice) is validate
    assert perms.can_pay_invoice(REGION, invoice) is pay
    assert not (perms.can_decide_invoice(OF, invoice) or perms.can_pay_invoice(OF, invoice))


def test_the_payment_link_once_the_invoice_left_the_organisation():
    assert perms.offers_payment_link(REGION, Invoice(status=S.VALIDATED), Decimal("10.00"))
    assert not perms.offers_payment_link(REGION, Invoice(status=S.VALIDATED), Decimal("0.00"))
    assert not perms.offers_payment_link(REGION, Invoice(status=S.SIGNED), Decimal("10.00"))
    assert not perms.offers_payment_link(OF, Invoice(status=S.VALIDATED), Decimal("10.00"))


@pytest.mark.parametrize("status", [OrderStatus.OPEN, OrderStatus.CLOSED, OrderStatus.ARCHIVED])
def test_adjustments_are_the_regions_until_the_solde_or_the_archive(status):
    order = Order(status=status)
    open_to_edit = status != OrderStatus.ARCHIVED
    assert perms.can_edit_adjustments(REGION, order, solde_issued=False) is open_to_edit
    assert perms.can_edit_adjustments(REGION, order, solde_issued=True) is False
    assert perms.can_edit_adjustments(OF, order, solde_issued=False) is False


def test_the_solde_is_issued_by_the_organisation_once_available():
    order = Order(status=OrderStatus.CLOSED)
    assert perms.can_issue_solde(OF, order, frozen=None, missing=[], live_invoice=None)
    assert not perms.can_issue_solde(OF, order, frozen=None, missing=["x"], live_invoice=None)
    assert not perms.can_issue_solde(REGION, order, frozen=None, missing=[], live_invoice=None)
    rejected_again = Solde(balance_ttc=Decimal("10.00"))
    assert perms.can_issue_solde(OF, order, frozen=rejected_again, missing=[], live_invoice=None)
    assert not perms.can_issue_solde(OF, order, frozen=rejected_again, missing=[], live_invoice=Invoice())
    archived = Order(status=OrderStatus.ARCHIVED)
    assert not perms.can_issue_solde(OF, archived, frozen=None, missing=[], live_invoice=None)


def test_the_repayment_is_recorded_once_by_the_region():
    order = Order(status=OrderStatus.CLOSED)
    repayment = Solde(is_repayment_order=True)
    assert perms.can_record_repayment(REGION, order, repayment)
    assert not perms.can_record_repayment(OF, order, repayment)
    assert not perms.can_record_repayment(REGION, order, None)
    assert not perms.can_record_repayment(REGION, order, Solde(is_repayment_order=False))


def test_the_organisation_validates_issues_and_syncs_the_region_records_the_advance():
    order = Order(status=OrderStatus.OPEN)
    for rule in (perms.can_validate_period, perms.can_issue_invoice, perms.can_sync_attendance):
        assert rule(OF, order) and not rule(REGION, order)
    assert perms.can_record_advance(REGION, order) and not perms.can_record_advance(OF, order)

"""Who may do what in billing: one function per rule, used by the views and passed to the
templates as booleans (templates decide nothing).

``tenant`` is the request's tenant (``request.tenant``: ``is_of`` for a training organisation,
``is_region`` for a Région). The services check the state again and refuse with a French
message; these rules decide what a page offers.
"""

from __future__ import annotations

from formarche.billing.models import Invoice, InvoiceStatus, Solde
from formarche.orders.models import OrderStatus


def is_archived(order) -> bool:
    """An archived action is read-only."""
    return order.status == OrderStatus.ARCHIVED


def is_closed(order) -> bool:
    """Closed (or archived): its last period is validated as the CRE final."""
    return order.status != OrderStatus.OPEN


def can_validate_period(tenant, order) -> bool:
    """The OF validates the months of its actions (Suivi des validations)."""
    return tenant.is_of


def can_issue_invoice(tenant, order) -> bool:
    """The OF issues the invoice of a validated period (A facturer)."""
    return tenant.is_of


def can_upload_signed(tenant, invoice: Invoice) -> bool:
    """The OF deposits the signed file of an issued invoice (not yet signed, not rejected)."""
    return tenant.is_of and invoice.status == InvoiceStatus.ISSUED


def can_reissue_after_rejection(tenant, invoice: Invoice) -> bool:
    """The OF is told where to issue a corrected invoice once the Région rejected one."""
    return tenant.is_of


def can_decide_invoice(tenant, invoice: Invoice) -> bool:
    """The Région decides (validate or reject) on an invoice issued or signed."""
    return tenant.is_region and invoice.status in {InvoiceStatus.SIGNED, InvoiceStatus.ISSUED}


def can_validate_invoice(tenant, invoice: Invoice) -> bool:
    """The Région validates a signed invoice."""
    return tenant.is_region and invoice.status == InvoiceStatus.SIGNED


def can_reject_invoice(tenant, invoice: Invoice) -> bool:
    """The Région rejects an invoice issued or signed, with a reason."""
    return can_decide_invoice(tenant, invoice)


def can_pay_invoice(tenant, invoice: Invoice) -> bool:
    """The Région records a payment on a validated invoice not fully paid."""
    return tenant.is_region and invoice.status in {InvoiceStatus.VALIDATED, InvoiceStatus.PARTIALLY_PAID}


def offers_payment_link(tenant, invoice: Invoice, remaining) -> bool:
    """Suivi des paiements: the Région's link says « Enregistrer un paiement » once the invoice left
    the OF's hands (neither issued nor awaiting validation) and something remains to pay."""
    return (
        tenant.is_region
        and bool(remaining)
        and invoice.status not in {InvoiceStatus.ISSUED, InvoiceStatus.SIGNED}
    )


def can_record_advance(tenant, order) -> bool:
    """The Région records the advance it paid (Suivi des paiements)."""
    return tenant.is_region


def can_edit_adjustments(tenant, order, *, solde_issued: bool) -> bool:
    """The Région enters and removes penalties and bonuses until the solde is issued."""
    return tenant.is_region and not solde_issued and not is_archived(order)


def can_issue_solde(tenant, order, *, frozen: Solde | None, missing, live_invoice: Invoice | None) -> bool:
    """The OF issues the solde once available — or issues its invoice again after a rejection."""
    return (
        tenant.is_of
        and not is_archived(order)
        and not missing
        and (frozen is None or (frozen.balance_ttc > 0 and live_invoice is None))
    )


def can_record_repayment(tenant, order, frozen: Solde | None) -> bool:
    """The Région records the titre de reversement as received (once)."""
    return (
        tenant.is_region
        and not is_archived(order)
        and frozen is not None
        and frozen.is_repayment_order
        and not frozen.repayment_received_on
    )


def can_sync_attendance(tenant, order) -> bool:
    """The OF synchronises the signed attendance of a month not yet validated."""
    return tenant.is_of


def can_set_up_group(tenant, order) -> bool:
    """The Région sets up the group of an order (mandataire, co-traitants and their shares)."""
    return tenant.is_region and order.status == OrderStatus.OPEN


def is_co_traitant(tenant, order) -> bool:
    """An OF member of the order's group that is not its mandataire (the order's provider)."""
    return tenant.is_of and order.provider_id != tenant.organisation_id


def sees_whole_group(tenant, order) -> bool:
    """The Région and the mandataire read every member's part; a co-traitant its own only."""
    return tenant.is_region or order.provider_id == tenant.organisation_id


def can_issue_member_invoice(tenant, order, member) -> bool:
    """Each member issues the invoice of its own part, nobody else's."""
    return tenant.is_of and member.organisation_id == tenant.organisation_id and not is_archived(order)

"""Writes of the invoicing workflow, each under ``transaction.atomic``, keyword-only, named
``<entity>_<action>``; one module per entity. Reads are in :mod:`formarche.billing.selectors`.

From a validated month to a paid invoice (the seed's four tabs):

1. :func:`period_validate` — freezes the month's hours and stores the engine's statement
   (``is_final=True``: the CRE final, once the action is closed — see ``closing_gate``);
2. :func:`invoice_issue` — the next number of the organisation's yearly counter, taken inside the
   transaction (row locked), and the Factur-X PDF/A-3; one live invoice per period;
3. :func:`invoice_upload_signed` — the signed PDF, checked (content, size, name, signature)
   before anything is stored; then the invoice is locked;
4. :func:`invoice_validate` / :func:`invoice_reject` (Région; a rejection issues the avoir that
   cancels the invoice, :func:`credit_note_issue`, in the same transaction) and :func:`payment_record`,
   :func:`advance_record`;
5. Pénalités / Bonus (:func:`adjustment_add`, :func:`adjustment_remove`, Région) and the solde
   (:func:`solde_issue` by the OF once the CREF invoice is issued: a « Solde » invoice, or a titre
   de reversement when negative, that the Région records with :func:`solde_repayment_record`).

An archived action is read-only: every write here refuses it. Refusals raise
:class:`BillingError` with a French message and change nothing.
"""

from formarche.billing.services._common import BillingError
from formarche.billing.services.adjustment import adjustment_add, adjustment_remove
from formarche.billing.services.amendment import amendment_create
from formarche.billing.services.credit_note import credit_note_issue
from formarche.billing.services.group import group_members_set, invoice_member_issue
from formarche.billing.services.invoice import invoice_create, invoice_issue, invoice_reject, invoice_validate
from formarche.billing.services.numbering import invoice_number_take
from formarche.billing.services.payment import advance_record, payment_record
from formarche.billing.services.period import period_validate
from formarche.billing.services.signed_invoice import invoice_upload_signed
from formarche.billing.services.solde import solde_issue, solde_repayment_record, solde_void

__all__ = [
    "BillingError",
    "adjustment_add",
    "adjustment_remove",
    "advance_record",
    "amendment_create",
    "credit_note_issue",
    "group_members_set",
    "invoice_create",
    "invoice_issue",
    "invoice_member_issue",
    "invoice_number_take",
    "invoice_reject",
    "invoice_upload_signed",
    "invoice_validate",
    "payment_record",
    "period_validate",
    "solde_issue",
    "solde_repayment_record",
    "solde_void",
]

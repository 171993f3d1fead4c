"""Validation / Facturation (the seed's four tabs), the statement, invoices and the Région's side.

Views only parse the request, ask ``perms`` what the user may do (booleans for the templates),
read through ``selectors`` and write through ``services``; every object is reached through the
tenancy helpers (404 for another organisation's object). One module per page family.
"""

from formarche.billing.views.amendments import amendment_create
from formarche.billing.views.credit_notes import credit_note_pdf, credit_note_xml
from formarche.billing.views.group import group, group_issue
from formarche.billing.views.invoices import (
    INVOICES_PER_PAGE,
    invoice_detail,
    invoice_list,
    invoice_pay,
    invoice_pdf,
    invoice_reject,
    invoice_validate,
    signed_pdf,
    upload_signed,
)
from formarche.billing.views.solde import (
    penalties,
    penalty_add,
    penalty_remove,
    repayment_pdf,
    repayment_received,
    solde,
    solde_issue,
)
from formarche.billing.views.tabs import (
    advance,
    invoices_tab,
    issue,
    payments,
    statement,
    statement_pdf,
    to_issue,
    validate_period,
    validations,
)

__all__ = [
    "amendment_create",
    "INVOICES_PER_PAGE",
    "advance",
    "credit_note_pdf",
    "credit_note_xml",
    "group",
    "group_issue",
    "invoice_detail",
    "invoice_list",
    "invoice_pay",
    "invoice_pdf",
    "invoice_reject",
    "invoice_validate",
    "invoices_tab",
    "issue",
    "payments",
    "penalties",
    "penalty_add",
    "penalty_remove",
    "repayment_pdf",
    "repayment_received",
    "signed_pdf",
    "solde",
    "solde_issue",
    "statement",
    "statement_pdf",
    "to_issue",
    "upload_signed",
    "validate_period",
    "validations",
]

"""Factur-X invoice of a CRE / CREF: the EN 16931 XML, the French PDF, and both together.

Pure module: plain dataclasses and ``Decimal`` in, bytes out; no Django import, so views, the
CLI and the tests call the same code.

How a statement (CRE or CRE final) maps to an EN 16931 invoice [design]
=======================================================================

The statement of the seed reads (CRE final, Avril 2023)::

    Montant facturable au regard des données contractuelles   35 400,00
    Régulation pour plafonnement                              -8 755,60
    Remboursement avance                                      -6 198,93
    Total à verser € HT                                        20 445,47
    TVA 0,00 %                                                      0,00
    Total à verser € TTC                                       20 445,47

EN 16931 has its own arithmetic (BR-CO-10 to BR-CO-16), so each statement line gets the place
that says what it *is*:

* **Réalisations facturées sur la période** → invoice lines (BG-25). One line per priced item,
  normally one: quantity = trainee-hours of the period (réalisé + non réalisé comptabilisé,
  corrections included), unit ``HUR`` (hour), net price = the order's unit price HT, line net
  amount = round(quantity × price). BT-106 (sum of line net amounts) = the *montant facturable*.
* **Régulation pour plafonnement** → a document-level **allowance** (BG-20, reason
  "Régulation pour plafonnement"). It is a real reduction of the price of this period's
  services (the order's cap), so it must lower the VAT basis: that is exactly what an allowance
  does (BT-109 = BT-106 − BT-107 + BT-108). It is not a delivered item, so it is not a negative
  line. Should a later correction give back part of a previous regulation (a positive value),
  it becomes a document-level **charge** (BG-21) with the same reason.
* **Remboursement avance** (and a repayment carried from the previous period) → **amount
  already paid** (BT-113, ``TotalPrepaidAmount``), *not* a discount. The Région paid the advance
  before any service was done; each statement imputes a share of it on the period. That share
  does not reduce the price of the services (nor, when VAT applies, their VAT basis): it is
  money already received for them. EN 16931 says exactly this: BT-115 (amount due) = BT-112
  (total with VAT) − BT-113 (paid amount). When the repayment exceeds what the period can
  absorb, the statement floors the total at 0 and carries the rest over: BT-113 is then the
  whole BT-112 and BT-115 is 0.
  Note: BT-113 is *not* the statement's "Total déjà versé" (25 810,53 in the seed, everything
  paid on the order so far), which has no place on this invoice.
* **Total à verser TTC** → **amount due for payment** (BT-115).

With the seed's figures: BT-106 = 35 400,00; BT-107 = 8 755,60; BT-109 = 26 644,40;
BT-110 = 0,00; BT-112 = 26 644,40; BT-113 = 6 198,93; BT-115 = 20 445,47 — the seed's
*Montant à payer TTC*, while BT-106 stays its *Montant facturé* 35 400,00.

When VAT applies (rate t > 0, category S) the statement adds the tax at the end, on the total
*after* the advance repayment: TTC = round(total HT × t) + total HT. EN 16931 computes the tax
on BT-109, before the advance. Both views agree when the advance itself was invoiced with VAT
(which is the rule for advances on services): the prepaid amount BT-113 is then the advance
share *with its VAT*, BT-112 − BT-115, about advance × (1 + t) (to the cent, the two roundings may
differ by one cent — BT-113 is always derived so that BT-115 equals the statement's TTC exactly).

VAT rate 0 (training is exempt, the seed's case): VAT category **E**, exemption reason
"Exonération de TVA – article 261-4-4° a du CGI" (BT-120) and code ``VATEX-FR-CGI261-4``
(BT-121, a French code of the EN 16931 code lists shipped with the ``factur-x`` package). A rate > 0 uses category **S** and requires the
seller's VAT number (BR-S-02).

Other choices
-------------
* BT-13 (buyer order reference) = the Chorus Pro *numéro d'engagement juridique* when the order
  has one, else the bon de commande number; BT-12 (contract reference) = the marché / lot when
  given; BT-10 (buyer reference) = the Chorus Pro *code service* when given; BT-23 (business
  process) = the Chorus Pro *cadre de facturation* (A1…) when given (docs/adr/0023).
* Each party's SIRET is also its electronic address (BT-34 / BT-49, scheme ``0009``): Chorus Pro
  routes on the buyer's SIRET. A VAT-exempt seller without a VAT number gets its SIREN as tax
  registration (BT-32, ``FC``, BR-E-02). BT-72 (delivery date) = the period's last day.
* Seller and buyer SIRET → BT-29 / BT-46 party identifier (``GlobalID``, ``schemeID="0009"``,
  what Chorus Pro reads) and BT-34 / BT-49 electronic address; their SIREN (the legal entity) →
  BT-30 / BT-47 legal registration identifier, ``schemeID="0002"`` (until 2026-12 the SIRET was
  written there); VAT numbers → BT-31 / BT-48 (``schemeID="VA"``).
* The seller's *déclaration d'activité* (NDA, Code du travail L. 6352-12) goes to BT-33 (seller
  additional legal information) with the mention "Cet enregistrement ne vaut pas agrément de
  l'État."
* The French mandatory mentions go to notes (BG-1) with the subject codes the French CIUS uses:
  ``PMD`` late-payment penalties, ``PMT`` the 40 € fixed recovery indemnity, ``AAB`` discount
  terms (here: no discount).
* The invoicing period (BG-14) is the calendar month of the statement, taken from
  ``period_start``/``period_end`` or parsed from the label ("Avril 2023").

Signs follow the printed statement and :class:`formarche.billing.engine.Statement`: the
deductions are negative (``cap_regulation`` −8 755,60, ``advance_repayment`` −6 198,93).
:func:`invoice_from_statement` builds the document from an engine result.

Rounding: amounts come from the statement engine, already rounded to the cent; the only amount
this module computes is the VAT of BT-109 (:func:`formarche.utils.money.round_cents`, cent half
up), and it checks that the statement's figures add up before writing anything. Display formats
are those of :mod:`formarche.utils.formatting`.
"""

from formarche.billing.facturx.document import (
    CRE,
    CRE_FINAL,
    EN16931_GUIDELINE_ID,
    SOLDE,
    SUPPORTS,
    TYPE_CREDIT_NOTE,
    TYPE_INVOICE,
    VAT_EXEMPTION_REASON,
    VAT_EXEMPTION_REASON_CODE,
    InvoiceDataError,
    InvoiceDocument,
    InvoiceLine,
    Party,
    parse_period_label,
)
from formarche.billing.facturx.pdf import build_facturx_pdf, render_invoice_html, render_invoice_pdf
from formarche.billing.facturx.statement import DEFAULT_LINE_LABEL, invoice_from_statement
from formarche.billing.facturx.xml import build_facturx_xml

__all__ = [
    "CRE",
    "CRE_FINAL",
    "DEFAULT_LINE_LABEL",
    "SOLDE",
    "SUPPORTS",
    "TYPE_CREDIT_NOTE",
    "TYPE_INVOICE",
    "EN16931_GUIDELINE_ID",
    "VAT_EXEMPTION_REASON",
    "VAT_EXEMPTION_REASON_CODE",
    "InvoiceDataError",
    "InvoiceDocument",
    "InvoiceLine",
    "Party",
    "build_facturx_pdf",
    "build_facturx_xml",
    "invoice_from_statement",
    "parse_period_label",
    "render_invoice_html",
    "render_invoice_pdf",
]

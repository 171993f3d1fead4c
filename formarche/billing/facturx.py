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
* BT-13 (buyer order reference) = the bon de commande number; BT-12 (contract reference) = the
  marché / lot when given; BT-10 (buyer reference) = the Chorus Pro *code service* when given.
* Seller and buyer SIRET → BT-30 / BT-47 legal registration identifier, ``schemeID="0002"``
  (the convention Chorus Pro applies today); VAT numbers → BT-31 / BT-48 (``schemeID="VA"``).
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

from __future__ import annotations

import calendar
import html
import re
import string
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

from lxml import etree

from formarche.utils.formatting import (
    MONTHS_FR,
    format_amount,
    format_date,
    format_hours,
    format_month,
    format_rate,
)
from formarche.utils.money import ZERO, round_cents

if TYPE_CHECKING:
    from formarche.billing.engine import Statement

__all__ = [
    "CRE",
    "CRE_FINAL",
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
    "render_invoice_html",
    "render_invoice_pdf",
]

CRE = "CRE"
CRE_FINAL = "CRE final"
SOLDE = "Solde"
SUPPORTS = (CRE, CRE_FINAL, SOLDE)

# The statement rows of the PDF, by support. The solde (VSF) reuses the statement's slots
# (see "The solde" in docs/adr/0005-facturx-mapping.md): facturable → amount due, régulation →
# bonus − pénalités, remboursement d'avance → everything already paid (advance and instalments).
_ROW_LABELS = {
    "billable": "Montant facturable au regard des données contractuelles",
    "repayment": "Remboursement avance",
    "prepaid": "Déjà versé (avance imputée sur cette facture)",
}
_SOLDE_ROW_LABELS = {
    "billable": "Montant dû au regard des réalisations (dans la limite de la commande)",
    "repayment": "Total déjà versé (avance et acomptes CRE / CREF)",
    "prepaid": "Déjà versé (avance et acomptes)",
}

EN16931_GUIDELINE_ID = "urn:cen.eu:en16931:2017"
VAT_EXEMPTION_REASON = "Exonération de TVA – article 261-4-4° a du CGI"
VAT_EXEMPTION_REASON_CODE = "VATEX-FR-CGI261-4"
NDA_DISCLAIMER = "Cet enregistrement ne vaut pas agrément de l'État."

# [design] defaults for a public buyer (Code de la commande publique); a marché's CCAP may say
# otherwise, hence fields on InvoiceDocument.
DEFAULT_LATE_PAYMENT_PENALTIES = (
    "En cas de retard de paiement, des intérêts moratoires sont dus au taux d'intérêt appliqué "
    "par la Banque centrale européenne à ses opérations principales de refinancement les plus "
    "récentes, majoré de huit points de pourcentage."
)
DEFAULT_RECOVERY_INDEMNITY = (
    "Tout retard de paiement donne lieu, de plein droit, au versement d'une indemnité "
    "forfaitaire pour frais de recouvrement de 40 € (article L. 441-10 du code de commerce)."
)
DEFAULT_DISCOUNT_TERMS = "Pas d'escompte pour paiement anticipé."
DEFAULT_CAP_REGULATION_REASON = "Régulation pour plafonnement"

TEMPLATE_PATH = Path(__file__).parent / "templates" / "billing" / "invoice_pdf.html"

_CENT = Decimal("0.01")
_HUNDRED = Decimal(100)

NS_RSM = "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
NS_RAM = "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"
NS_QDT = "urn:un:unece:uncefact:data:standard:QualifiedDataType:100"
NS_UDT = "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100"
_NSMAP = {"rsm": NS_RSM, "qdt": NS_QDT, "ram": NS_RAM, "udt": NS_UDT}


class InvoiceDataError(ValueError):
    """The figures or identities given for an invoice are inconsistent (message in French)."""


def _require_cents(value: Decimal, label: str) -> None:
    if not isinstance(value, Decimal):
        raise InvoiceDataError(f"{label} : montant attendu en Decimal, reçu {type(value).__name__}.")
    if value != value.quantize(_CENT):
        raise InvoiceDataError(f"{label} : le montant {value} a plus de deux décimales.")


# --------------------------------------------------------------------------------------------
# Data
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Party:
    """Seller (the organisme de formation) or buyer (the Région).

    ``activity_declaration_number`` and ``activity_declaration_region`` are the seller's
    *déclaration d'activité* (NDA) and the region of the préfet where it is registered
    ("Occitanie"); required for the seller, unused for the buyer. ``iban``/``bic`` are the
    seller's bank details, written as payment means (credit transfer) when given.
    """

    name: str
    siret: str
    address_lines: tuple[str, ...]
    postcode: str
    city: str
    country: str = "FR"
    vat_number: str | None = None
    activity_declaration_number: str | None = None
    activity_declaration_region: str | None = None
    iban: str | None = None
    bic: str | None = None

    def __post_init__(self) -> None:
        from stdnum import iban as stdnum_iban
        from stdnum.eu import vat as stdnum_vat
        from stdnum.fr import siret as stdnum_siret

        if not self.name.strip():
            raise InvoiceDataError("Le nom de la partie est obligatoire.")
        object.__setattr__(self, "address_lines", tuple(self.address_lines))
        siret = stdnum_siret.compact(self.siret)
        if not stdnum_siret.is_valid(siret):
            raise InvoiceDataError(f"{self.name} : le SIRET « {self.siret} » n'est pas valide.")
        object.__setattr__(self, "siret", siret)
        if len(self.country) != 2 or not self.country.isupper():
            raise InvoiceDataError(f"{self.name} : code pays ISO à deux lettres attendu (« FR »).")
        if self.vat_number is not None:
            vat = stdnum_vat.compact(self.vat_number)
            if not stdnum_vat.is_valid(vat):
                raise InvoiceDataError(
                    f"{self.name} : le numéro de TVA « {self.vat_number} » n'est pas valide."
                )
            object.__setattr__(self, "vat_number", vat)
        if self.iban is not None:
            iban = stdnum_iban.compact(self.iban)
            if not stdnum_iban.is_valid(iban):
                raise InvoiceDataError(f"{self.name} : l'IBAN « {self.iban} » n'est pas valide.")
            object.__setattr__(self, "iban", iban)

    @property
    def activity_declaration_text(self) -> str | None:
        """The NDA sentence French law asks for, or None when the party has no NDA."""
        if not self.activity_declaration_number:
            return None
        return (
            f"Déclaration d'activité enregistrée sous le numéro {self.activity_declaration_number} "
            f"auprès du préfet de région {self.activity_declaration_region}. {NDA_DISCLAIMER}"
        )


@dataclass(frozen=True)
class InvoiceLine:
    """One priced line of the statement's *Réalisations facturées sur la période*.

    ``quantity`` is in trainee-hours (``unit_code`` ``HUR``), ``unit_price`` and ``net_amount``
    in euros HT; ``net_amount`` must be round(quantity × unit_price). ``realised_hours`` and
    ``counted_unrealised_hours`` (réalisé / non réalisé comptabilisé), when given, must add up to
    the quantity; they are shown on the PDF and in the line note.
    """

    label: str
    quantity: Decimal
    unit_price: Decimal
    net_amount: Decimal
    unit_code: str = "HUR"
    realised_hours: Decimal | None = None
    counted_unrealised_hours: Decimal | None = None

    def __post_init__(self) -> None:
        _require_cents(self.net_amount, f"Ligne « {self.label} »")
        if self.unit_price < 0:
            raise InvoiceDataError(f"Ligne « {self.label} » : le prix unitaire ne peut être négatif.")
        if round_cents(self.quantity * self.unit_price) != self.net_amount:
            raise InvoiceDataError(
                f"Ligne « {self.label} » : {self.quantity} × {self.unit_price} ne fait pas {self.net_amount}."
            )
        if self.realised_hours is not None or self.counted_unrealised_hours is not None:
            realised = self.realised_hours or Decimal(0)
            counted = self.counted_unrealised_hours or Decimal(0)
            if realised + counted != self.quantity:
                raise InvoiceDataError(
                    f"Ligne « {self.label} » : réalisé ({realised}) + non réalisé comptabilisé "
                    f"({counted}) ≠ quantité facturée ({self.quantity})."
                )

    @property
    def hours_note(self) -> str | None:
        if self.realised_hours is None and self.counted_unrealised_hours is None:
            return None
        return (
            f"Réalisé : {format_hours(self.realised_hours or Decimal(0))} h ; "
            f"non réalisé comptabilisé : {format_hours(self.counted_unrealised_hours or Decimal(0))} h"
        )


@dataclass(frozen=True)
class InvoiceDocument:
    """An issued CRE / CREF invoice, with the statement's figures as the engine computed them.

    Amounts are ``Decimal`` euros with two decimals, with the signs of the printed statement
    (and of :class:`formarche.billing.engine.Statement`): deductions are negative —
    ``cap_regulation`` −8 755,60, ``advance_repayment`` −6 198,93, ``repayment_carried_in`` (an
    advance repayment carried from the previous period) ≤ 0; a positive ``cap_regulation`` gives
    back part of an earlier regulation. ``total_ht`` = max(0, net_billable_amount +
    cap_regulation + advance_repayment + repayment_carried_in). ``vat_rate`` is a percentage
    (``Decimal("20")`` for 20 %, ``Decimal("0")`` for an exempt training), ``vat_amount`` =
    round(total_ht × rate), ``total_ttc`` = total_ht + vat_amount.

    ``amount_paid`` (BT-113) and ``amount_due`` (BT-115) are derived (see the module docstring);
    when given they must equal the derived values.
    """

    number: str
    issue_date: date
    due_date: date
    order_number: str
    period_label: str
    support: str
    seller: Party
    buyer: Party
    lines: tuple[InvoiceLine, ...]
    net_billable_amount: Decimal
    cap_regulation: Decimal
    advance_repayment: Decimal
    total_ht: Decimal
    vat_rate: Decimal
    vat_amount: Decimal
    total_ttc: Decimal
    payment_terms: str
    amount_paid: Decimal | None = None
    amount_due: Decimal | None = None
    repayment_carried_in: Decimal = ZERO
    currency: str = "EUR"
    period_start: date | None = None
    period_end: date | None = None
    contract_reference: str | None = None
    buyer_reference: str | None = None
    cap_regulation_reason: str = DEFAULT_CAP_REGULATION_REASON
    late_payment_penalties: str = DEFAULT_LATE_PAYMENT_PENALTIES
    recovery_indemnity: str = DEFAULT_RECOVERY_INDEMNITY
    discount_terms: str = DEFAULT_DISCOUNT_TERMS
    notes: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        set_(self, "lines", tuple(self.lines))
        set_(self, "notes", tuple(self.notes))
        if not self.number.strip():
            raise InvoiceDataError("Le numéro de facture est obligatoire.")
        if not self.order_number.strip():
            raise InvoiceDataError("Le numéro de bon de commande est obligatoire.")
        if self.support not in SUPPORTS:
            raise InvoiceDataError(
                f"Support inconnu « {self.support} » : « CRE », « CRE final » ou « Solde »."
            )
        if self.currency != "EUR":
            raise InvoiceDataError("Seules les factures en euros (EUR) sont prises en charge.")
        if self.due_date < self.issue_date:
            raise InvoiceDataError("La date d'échéance précède la date d'émission.")
        if not self.lines:
            raise InvoiceDataError("Une facture a au moins une ligne.")
        if not self.payment_terms.strip():
            raise InvoiceDataError("Les conditions de paiement sont obligatoires.")
        if not (self.seller.activity_declaration_number and self.seller.activity_declaration_region):
            raise InvoiceDataError(
                "Le numéro de déclaration d'activité de l'organisme et la région du préfet "
                "auprès duquel il est enregistré sont obligatoires sur la facture."
            )
        for label, value in (
            ("Montant facturable", self.net_billable_amount),
            ("Régulation pour plafonnement", self.cap_regulation),
            ("Remboursement avance", self.advance_repayment),
            ("Report de remboursement d'avance", self.repayment_carried_in),
            ("Total à verser HT", self.total_ht),
            ("TVA", self.vat_amount),
            ("Total à verser TTC", self.total_ttc),
        ):
            _require_cents(value, label)
        if not isinstance(self.vat_rate, Decimal) or not (0 <= self.vat_rate <= 100):
            raise InvoiceDataError("Le taux de TVA est un pourcentage entre 0 et 100 (Decimal).")
        if 0 < self.vat_rate < 1:
            raise InvoiceDataError(
                f"Taux de TVA {self.vat_rate} : donnez un pourcentage (20 pour 20 %), pas une fraction."
            )
        if self.vat_rate > 0 and not self.seller.vat_number:
            raise InvoiceDataError(
                "Une facture soumise à la TVA doit porter le numéro de TVA de l'organisme."
            )
        if self.advance_repayment > 0 or self.repayment_carried_in > 0:
            raise InvoiceDataError(
                "Le remboursement d'avance est une déduction : montant négatif ou nul attendu."
            )

        lines_sum = sum((line.net_amount for line in self.lines), ZERO)
        if lines_sum != self.net_billable_amount:
            raise InvoiceDataError(
                f"La somme des lignes ({lines_sum}) diffère du montant facturable "
                f"({self.net_billable_amount})."
            )
        if self.total_ht < 0:
            raise InvoiceDataError("Un total à verser négatif ne se facture pas.")
        if max(self.statement_sum, ZERO) != self.total_ht:
            raise InvoiceDataError(
                f"Total à verser HT incohérent : {self.net_billable_amount} + ({self.cap_regulation}) "
                f"+ ({self.advance_repayment}) + ({self.repayment_carried_in}) = {self.statement_sum}, "
                f"et non {self.total_ht}."
            )
        expected_vat = round_cents(self.total_ht * self.vat_rate / _HUNDRED)
        if expected_vat != self.vat_amount:
            raise InvoiceDataError(
                f"TVA incohérente : {self.vat_rate} % de {self.total_ht} = {expected_vat}, "
                f"et non {self.vat_amount}."
            )
        if self.total_ht + self.vat_amount != self.total_ttc:
            raise InvoiceDataError("Total à verser TTC ≠ total HT + TVA.")

        due = self.total_ttc
        paid = self.grand_total - due
        if self.amount_due is not None and self.amount_due != due:
            raise InvoiceDataError(f"Montant à payer incohérent : {self.amount_due} au lieu de {due}.")
        if self.amount_paid is not None and self.amount_paid != paid:
            raise InvoiceDataError(f"Montant déjà versé incohérent : {self.amount_paid} au lieu de {paid}.")
        set_(self, "amount_due", due)
        set_(self, "amount_paid", paid)

        if (self.period_start is None) != (self.period_end is None):
            raise InvoiceDataError("Donnez le début et la fin de la période, ou aucun des deux.")
        if self.period_start is None:
            parsed = parse_period_label(self.period_label)
            if parsed is not None:
                set_(self, "period_start", parsed[0])
                set_(self, "period_end", parsed[1])
        if self.period_start and self.period_end and self.period_end < self.period_start:
            raise InvoiceDataError("La fin de la période précède son début.")

    # EN 16931 view of the statement (BT numbers of the standard) -----------------------------

    @property
    def is_vat_exempt(self) -> bool:
        return self.vat_rate == 0

    @property
    def vat_category(self) -> str:
        """BT-118 VAT category code: E (exempt) at 0 %, S (standard) otherwise."""
        return "E" if self.is_vat_exempt else "S"

    @property
    def line_total(self) -> Decimal:
        """BT-106, sum of the lines' net amounts."""
        return sum((line.net_amount for line in self.lines), ZERO)

    @property
    def statement_sum(self) -> Decimal:
        """Facturable + régulation + remboursement (+ report), before the floor at 0."""
        return (
            self.net_billable_amount
            + self.cap_regulation
            + self.advance_repayment
            + self.repayment_carried_in
        )

    @property
    def repayment_carried_out(self) -> Decimal:
        """Advance repayment that this period could not absorb, carried to the next (≥ 0)."""
        return max(-self.statement_sum, ZERO)

    @property
    def allowance_total(self) -> Decimal:
        """BT-107, the cap regulation when it reduces the invoice."""
        return max(-self.cap_regulation, ZERO)

    @property
    def charge_total(self) -> Decimal:
        """BT-108, a cap regulation that gives back part of an earlier one."""
        return max(self.cap_regulation, ZERO)

    @property
    def tax_basis(self) -> Decimal:
        """BT-109 (and BT-116): line total − allowances + charges."""
        return self.line_total - self.allowance_total + self.charge_total

    @property
    def tax_basis_vat(self) -> Decimal:
        """BT-110 (and BT-117): VAT on BT-109, cent half up."""
        return round_cents(self.tax_basis * self.vat_rate / _HUNDRED)

    @property
    def grand_total(self) -> Decimal:
        """BT-112: BT-109 + BT-110."""
        return self.tax_basis + self.tax_basis_vat

    @property
    def support_label(self) -> str:
        if self.support == SOLDE:
            return "Solde de la commande (VSF)"
        return (
            "Compte-rendu d'exécution final (CREF)"
            if self.support == CRE_FINAL
            else ("Compte-rendu d'exécution (CRE)")
        )

    @property
    def row_labels(self) -> dict[str, str]:
        return _SOLDE_ROW_LABELS if self.support == SOLDE else _ROW_LABELS


DEFAULT_LINE_LABEL = "Prix Heure stagiaire – Heure stag fact"


def invoice_from_statement(
    statement: Statement,
    *,
    number: str,
    issue_date: date,
    due_date: date,
    order_number: str,
    seller: Party,
    buyer: Party,
    payment_terms: str,
    line_label: str = DEFAULT_LINE_LABEL,
    **options: object,
) -> InvoiceDocument:
    """The invoice of one statement of :func:`formarche.billing.engine.compute_statements`.

    One line (the period's trainee-hours at the order's unit price) and the statement's figures
    as they are; ``options`` are the optional fields of :class:`InvoiceDocument`
    (``contract_reference``, ``buyer_reference``, ``late_payment_penalties``…). A period split
    between the members of a group (several providers) needs one invoice per provider, with
    each provider's share of the regulation and of the advance: not handled here yet.
    """
    if len(statement.providers) > 1:
        raise InvoiceDataError(
            "Période répartie entre plusieurs prestataires : la facture par prestataire d'un "
            "groupement n'est pas encore prise en charge."
        )
    line = InvoiceLine(
        label=line_label,
        quantity=statement.period_hours,
        unit_price=statement.unit_price,
        net_amount=statement.billable,
        realised_hours=statement.realised_hours,
        counted_unrealised_hours=statement.counted_unrealised_hours,
    )
    return InvoiceDocument(
        number=number,
        issue_date=issue_date,
        due_date=due_date,
        order_number=order_number,
        period_label=format_month(statement.period),
        support=str(statement.kind),
        seller=seller,
        buyer=buyer,
        lines=(line,),
        net_billable_amount=statement.billable,
        cap_regulation=statement.cap_regulation,
        advance_repayment=statement.advance_repayment,
        repayment_carried_in=statement.repayment_carried_in,
        total_ht=statement.total_ht,
        vat_rate=statement.vat_rate,
        vat_amount=statement.vat,
        total_ttc=statement.total_ttc,
        payment_terms=payment_terms,
        **options,
    )


# --------------------------------------------------------------------------------------------
# Formatting helpers (French)
# --------------------------------------------------------------------------------------------


def _format_price(value: Decimal) -> str:
    """A unit price: like an amount, but never rounded (11,80; 11,8125)."""
    if value == value.quantize(_CENT):
        return format_amount(value)
    whole, _, decimals = format(abs(value), "f").partition(".")
    grouped = format_amount(Decimal(whole)).partition(",")[0]
    return f"{'-' if value < 0 else ''}{grouped},{decimals}"


def parse_period_label(label: str) -> tuple[date, date] | None:
    """'Avril 2023' → (2023-04-01, 2023-04-30); None when the label is not a French month."""
    match = re.fullmatch(r"\s*([^\W\d_]+)\s+(\d{4})\s*", label)
    if not match:
        return None
    months = [name.lower() for name in MONTHS_FR]
    month_name = match.group(1).lower()
    if month_name not in months:
        return None
    month = months.index(month_name) + 1
    year = int(match.group(2))
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])


# --------------------------------------------------------------------------------------------
# CII XML (Factur-X EN 16931)
# --------------------------------------------------------------------------------------------


def _el(parent: etree._Element, prefix: str, tag: str, text: str | None = None, **attrib: str):
    element = etree.SubElement(parent, f"{{{_NSMAP[prefix]}}}{tag}", attrib)
    if text is not None:
        element.text = text
    return element


def _amount(value: Decimal) -> str:
    return f"{round_cents(value):.2f}"


def _decimal(value: Decimal) -> str:
    """A quantity or a price: as given, but never fewer than 2 decimals nor an exponent."""
    text = format(value.normalize(), "f")
    integer, _, decimals = text.partition(".")
    return f"{integer}.{decimals.ljust(2, '0')}"


def _date_102(parent: etree._Element, tag: str, value: date) -> None:
    wrapper = _el(parent, "ram", tag)
    _el(wrapper, "udt", "DateTimeString", value.strftime("%Y%m%d"), format="102")


def _party(parent: etree._Element, tag: str, party: Party, *, legal_info: str | None = None) -> None:
    node = _el(parent, "ram", tag)
    _el(node, "ram", "Name", party.name)
    if legal_info:
        _el(node, "ram", "Description", legal_info)
    legal = _el(node, "ram", "SpecifiedLegalOrganization")
    _el(legal, "ram", "ID", party.siret, schemeID="0002")
    address = _el(node, "ram", "PostalTradeAddress")
    _el(address, "ram", "PostcodeCode", party.postcode)
    for tag_name, line in zip(("LineOne", "LineTwo", "LineThree"), party.address_lines, strict=False):
        _el(address, "ram", tag_name, line)
    _el(address, "ram", "CityName", party.city)
    _el(address, "ram", "CountryID", party.country)
    if party.vat_number:
        registration = _el(node, "ram", "SpecifiedTaxRegistration")
        _el(registration, "ram", "ID", party.vat_number, schemeID="VA")


def _tax(parent: etree._Element, tag: str, doc: InvoiceDocument) -> None:
    """Line or allowance VAT category: type, category, rate."""
    node = _el(parent, "ram", tag)
    _el(node, "ram", "TypeCode", "VAT")
    _el(node, "ram", "CategoryCode", doc.vat_category)
    _el(node, "ram", "RateApplicablePercent", _decimal(doc.vat_rate))


def build_facturx_xml(doc: InvoiceDocument) -> bytes:
    """The invoice as CII XML (D16B), Factur-X EN 16931 profile, UTF-8 bytes."""
    root = etree.Element(f"{{{NS_RSM}}}CrossIndustryInvoice", nsmap=_NSMAP)

    context = _el(root, "rsm", "ExchangedDocumentContext")
    guideline = _el(context, "ram", "GuidelineSpecifiedDocumentContextParameter")
    _el(guideline, "ram", "ID", EN16931_GUIDELINE_ID)

    header = _el(root, "rsm", "ExchangedDocument")
    _el(header, "ram", "ID", doc.number)
    _el(header, "ram", "TypeCode", "380")  # commercial invoice
    _date_102(header, "IssueDateTime", doc.issue_date)
    notes: list[tuple[str, str | None]] = [
        (f"{doc.support_label} – période {doc.period_label} – bon de commande {doc.order_number}", None),
        *((note, None) for note in doc.notes),
        (doc.late_payment_penalties, "PMD"),
        (doc.recovery_indemnity, "PMT"),
        (doc.discount_terms, "AAB"),
    ]
    for content, subject in notes:
        note = _el(header, "ram", "IncludedNote")
        _el(note, "ram", "Content", content)
        if subject:
            _el(note, "ram", "SubjectCode", subject)

    transaction = _el(root, "rsm", "SupplyChainTradeTransaction")
    for number, line in enumerate(doc.lines, start=1):
        item = _el(transaction, "ram", "IncludedSupplyChainTradeLineItem")
        line_doc = _el(item, "ram", "AssociatedDocumentLineDocument")
        _el(line_doc, "ram", "LineID", str(number))
        if line.hours_note:
            _el(_el(line_doc, "ram", "IncludedNote"), "ram", "Content", line.hours_note)
        _el(_el(item, "ram", "SpecifiedTradeProduct"), "ram", "Name", line.label)
        agreement = _el(item, "ram", "SpecifiedLineTradeAgreement")
        price = _el(agreement, "ram", "NetPriceProductTradePrice")
        _el(price, "ram", "ChargeAmount", _decimal(line.unit_price))
        delivery = _el(item, "ram", "SpecifiedLineTradeDelivery")
        _el(delivery, "ram", "BilledQuantity", _decimal(line.quantity), unitCode=line.unit_code)
        settlement = _el(item, "ram", "SpecifiedLineTradeSettlement")
        _tax(settlement, "ApplicableTradeTax", doc)
        summation = _el(settlement, "ram", "SpecifiedTradeSettlementLineMonetarySummation")
        _el(summation, "ram", "LineTotalAmount", _amount(line.net_amount))

    agreement = _el(transaction, "ram", "ApplicableHeaderTradeAgreement")
    if doc.buyer_reference:
        _el(agreement, "ram", "BuyerReference", doc.buyer_reference)
    _party(agreement, "SellerTradeParty", doc.seller, legal_info=doc.seller.activity_declaration_text)
    _party(agreement, "BuyerTradeParty", doc.buyer)
    order = _el(agreement, "ram", "BuyerOrderReferencedDocument")
    _el(order, "ram", "IssuerAssignedID", doc.order_number)
    if doc.contract_reference:
        contract = _el(agreement, "ram", "ContractReferencedDocument")
        _el(contract, "ram", "IssuerAssignedID", doc.contract_reference)

    _el(transaction, "ram", "ApplicableHeaderTradeDelivery")

    settlement = _el(transaction, "ram", "ApplicableHeaderTradeSettlement")
    _el(settlement, "ram", "PaymentReference", doc.number)
    _el(settlement, "ram", "InvoiceCurrencyCode", doc.currency)
    if doc.seller.iban:
        means = _el(settlement, "ram", "SpecifiedTradeSettlementPaymentMeans")
        _el(means, "ram", "TypeCode", "58")  # SEPA credit transfer
        account = _el(means, "ram", "PayeePartyCreditorFinancialAccount")
        _el(account, "ram", "IBANID", doc.seller.iban)
        if doc.seller.bic:
            institution = _el(means, "ram", "PayeeSpecifiedCreditorFinancialInstitution")
            _el(institution, "ram", "BICID", doc.seller.bic)

    breakdown = _el(settlement, "ram", "ApplicableTradeTax")
    _el(breakdown, "ram", "CalculatedAmount", _amount(doc.tax_basis_vat))
    _el(breakdown, "ram", "TypeCode", "VAT")
    if doc.is_vat_exempt:
        _el(breakdown, "ram", "ExemptionReason", VAT_EXEMPTION_REASON)
    _el(breakdown, "ram", "BasisAmount", _amount(doc.tax_basis))
    _el(breakdown, "ram", "CategoryCode", doc.vat_category)
    if doc.is_vat_exempt:
        _el(breakdown, "ram", "ExemptionReasonCode", VAT_EXEMPTION_REASON_CODE)
    _el(breakdown, "ram", "RateApplicablePercent", _decimal(doc.vat_rate))

    if doc.period_start and doc.period_end:
        period = _el(settlement, "ram", "BillingSpecifiedPeriod")
        _date_102(period, "StartDateTime", doc.period_start)
        _date_102(period, "EndDateTime", doc.period_end)

    if doc.cap_regulation:
        adjustment = _el(settlement, "ram", "SpecifiedTradeAllowanceCharge")
        indicator = _el(adjustment, "ram", "ChargeIndicator")
        _el(indicator, "udt", "Indicator", "true" if doc.cap_regulation > 0 else "false")
        _el(adjustment, "ram", "ActualAmount", _amount(abs(doc.cap_regulation)))
        _el(adjustment, "ram", "Reason", doc.cap_regulation_reason)
        _tax(adjustment, "CategoryTradeTax", doc)

    terms = _el(settlement, "ram", "SpecifiedTradePaymentTerms")
    _el(terms, "ram", "Description", doc.payment_terms)
    _date_102(terms, "DueDateDateTime", doc.due_date)

    totals = _el(settlement, "ram", "SpecifiedTradeSettlementHeaderMonetarySummation")
    _el(totals, "ram", "LineTotalAmount", _amount(doc.line_total))
    _el(totals, "ram", "ChargeTotalAmount", _amount(doc.charge_total))
    _el(totals, "ram", "AllowanceTotalAmount", _amount(doc.allowance_total))
    _el(totals, "ram", "TaxBasisTotalAmount", _amount(doc.tax_basis))
    _el(totals, "ram", "TaxTotalAmount", _amount(doc.tax_basis_vat), currencyID=doc.currency)
    _el(totals, "ram", "GrandTotalAmount", _amount(doc.grand_total))
    _el(totals, "ram", "TotalPrepaidAmount", _amount(doc.amount_paid))
    _el(totals, "ram", "DuePayableAmount", _amount(doc.amount_due))

    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


# --------------------------------------------------------------------------------------------
# PDF
# --------------------------------------------------------------------------------------------


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _css_string(value: str) -> str:
    """Text for a double-quoted CSS string inside <style> (no HTML escaping applies there)."""
    out = []
    for ch in value:
        if ch in '\\"<>&' or ord(ch) < 0x20:
            out.append(f"\\{ord(ch):X} ")
        else:
            out.append(ch)
    return "".join(out)


def _party_html(party: Party, *, with_vat: bool = True) -> str:
    parts = [f"<strong>{_e(party.name)}</strong>"]
    parts += [_e(line) for line in party.address_lines]
    parts.append(
        f"{_e(party.postcode)} {_e(party.city)}"
        + ("" if party.country == "FR" else f" ({_e(party.country)})")
    )
    parts.append(f"SIRET {_e(party.siret)}")
    if with_vat and party.vat_number:
        parts.append(f"N° TVA intracommunautaire {_e(party.vat_number)}")
    return "<br>".join(parts)


def _row(label: str, value: str, *, css: str = "") -> str:
    klass = f' class="{css}"' if css else ""
    return f'<tr{klass}><th>{_e(label)}</th><td class="num">{_e(value)}</td></tr>'


def _context(doc: InvoiceDocument) -> dict[str, str]:
    seller = doc.seller
    meta = [
        ("Date d'émission", format_date(doc.issue_date)),
        ("Date d'échéance", format_date(doc.due_date)),
        ("Bon de commande", doc.order_number),
        ("Période", doc.period_label),
        ("Support", doc.support),
    ]
    if doc.contract_reference:
        meta.append(("Marché", doc.contract_reference))
    if doc.buyer_reference:
        meta.append(("Référence acheteur", doc.buyer_reference))
    meta_rows = "".join(f"<tr><th>{_e(k)}</th><td>{_e(v)}</td></tr>" for k, v in meta)

    line_rows = []
    for line in doc.lines:
        realised = format_hours(line.realised_hours) if line.realised_hours is not None else "–"
        counted = (
            format_hours(line.counted_unrealised_hours) if line.counted_unrealised_hours is not None else "–"
        )
        line_rows.append(
            "<tr>"
            f"<td>{_e(line.label)}</td>"
            f'<td class="num">{_e(realised)}</td>'
            f'<td class="num">{_e(counted)}</td>'
            f'<td class="num">{_e(format_hours(line.quantity))}</td>'
            f'<td class="num">{_e(_format_price(line.unit_price))}</td>'
            f'<td class="num">{_e(format_amount(line.net_amount))}</td>'
            "</tr>"
        )

    statement_rows = [
        _row(doc.row_labels["billable"], format_amount(doc.net_billable_amount)),
        _row(doc.cap_regulation_reason, format_amount(doc.cap_regulation)),
        _row(doc.row_labels["repayment"], format_amount(doc.advance_repayment)),
    ]
    if doc.repayment_carried_in:
        statement_rows.append(
            _row(
                "Report du remboursement d'avance de la période précédente",
                format_amount(doc.repayment_carried_in),
            )
        )
    if doc.repayment_carried_out:
        statement_rows.append(
            _row(
                "Remboursement d'avance reporté sur la période suivante",
                format_amount(doc.repayment_carried_out),
            )
        )
    statement_rows += [
        _row("Total à verser € HT", format_amount(doc.total_ht), css="total"),
        _row(f"TVA {format_rate(doc.vat_rate)}", format_amount(doc.vat_amount)),
        _row("Total à verser € TTC", format_amount(doc.total_ttc), css="total"),
    ]
    en16931_rows = [
        _row("Total des prestations HT (lignes)", format_amount(doc.line_total)),
    ]
    if doc.allowance_total:
        en16931_rows.append(
            _row(f"Remise : {doc.cap_regulation_reason}", format_amount(-doc.allowance_total))
        )
    if doc.charge_total:
        en16931_rows.append(
            _row(f"Majoration : {doc.cap_regulation_reason}", format_amount(doc.charge_total))
        )
    en16931_rows += [
        _row("Base HT", format_amount(doc.tax_basis)),
        _row(f"TVA {format_rate(doc.vat_rate)}", format_amount(doc.tax_basis_vat)),
        _row("Total TTC", format_amount(doc.grand_total)),
        _row(doc.row_labels["prepaid"], format_amount(-doc.amount_paid)),
        _row("Net à payer", format_amount(doc.amount_due), css="total"),
    ]

    if doc.is_vat_exempt:
        vat_status = f"TVA : {VAT_EXEMPTION_REASON} (formation professionnelle continue)."
    else:
        vat_status = (
            f"TVA au taux de {format_rate(doc.vat_rate)}, N° TVA intracommunautaire {seller.vat_number}."
        )

    payment = [doc.payment_terms]
    if seller.iban:
        bank = f"Virement sur le compte IBAN {seller.iban}"
        if seller.bic:
            bank += f", BIC {seller.bic}"
        payment.append(bank + f", en rappelant la référence {doc.number}.")
    payment += [doc.late_payment_penalties, doc.recovery_indemnity, doc.discount_terms]
    notes = "".join(f"<p>{_e(note)}</p>" for note in doc.notes)

    return {
        "title": _e(f"Facture {doc.number}"),
        "number": _e(doc.number),
        "support_label": _e(doc.support_label),
        "period_label": _e(doc.period_label),
        "seller_block": _party_html(seller),
        "buyer_block": _party_html(doc.buyer),
        "meta_rows": meta_rows,
        "line_rows": "".join(line_rows),
        "statement_rows": "".join(statement_rows),
        "en16931_rows": "".join(en16931_rows),
        "amount_due": _e(format_amount(doc.amount_due)),
        "vat_status": _e(vat_status),
        "payment_block": "".join(f"<p>{_e(text)}</p>" for text in payment),
        "notes_block": notes,
        "nda_text": _e(
            f"Déclaration d'activité enregistrée sous le numéro {seller.activity_declaration_number} "
            f"auprès du préfet de région {seller.activity_declaration_region}."
        ),
        "nda_disclaimer": _e(NDA_DISCLAIMER),
        "seller_legal": _css_string(f"{seller.name} – SIRET {seller.siret}"),
    }


def render_invoice_html(doc: InvoiceDocument, *, template: str | None = None) -> str:
    """The invoice as HTML, from ``templates/billing/invoice_pdf.html`` (``$name`` placeholders,
    :class:`string.Template`; every value is escaped here)."""
    if template is None:
        template = TEMPLATE_PATH.read_text(encoding="utf-8")
    return string.Template(template).substitute(_context(doc))


def render_invoice_pdf(doc: InvoiceDocument, *, html: str | None = None) -> bytes:
    """The invoice as a PDF/A-3b (no XML attached). ``html`` replaces the built-in template with
    an already rendered page (a Django view may render its own), at the caller's risk as to the
    legal mentions."""
    from weasyprint import HTML

    page = html if html is not None else render_invoice_html(doc)
    return HTML(string=page, base_url=str(TEMPLATE_PATH.parent)).write_pdf(pdf_variant="pdf/a-3b")


def build_facturx_pdf(doc: InvoiceDocument, *, html: str | None = None) -> bytes:
    """The Factur-X invoice: the PDF/A-3 of :func:`render_invoice_pdf` with ``factur-x.xml``
    (EN 16931) attached and the Factur-X XMP metadata. The XML is checked against the XSD.

    XMP metadata is left uncompressed so that the organisme can sign the file (PAdES) later.
    """
    import facturx

    pdf = render_invoice_pdf(doc, html=html)
    xml = build_facturx_xml(doc)
    metadata = {
        "author": doc.seller.name,
        "keywords": "Factur-X, Facture",
        "title": f"{doc.seller.name} : facture {doc.number}",
        "subject": (
            f"Facture {doc.number} du {format_date(doc.issue_date)} – {doc.support} "
            f"{doc.period_label} – bon de commande {doc.order_number}"
        ),
    }
    return facturx.generate_from_binary(
        pdf,
        xml,
        flavor="factur-x",
        level="en16931",
        check_xsd=True,
        pdf_metadata=metadata,
        lang="fr-FR",
        xmp_compression=False,
    )

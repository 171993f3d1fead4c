"""The invoice as data (parties, lines, figures), checked on construction, and the document of a
CRE / CREF statement; the French formats it needs."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path

from formarche.utils.formatting import (
    MONTHS_FR,
    format_amount,
    format_hours,
)
from formarche.utils.money import ZERO, has_places, round_cents

CRE = "CRE"
CRE_FINAL = "CRE final"
SOLDE = "Solde"
SUPPORTS = (CRE, CRE_FINAL, SOLDE)

# BT-3 invoice type code (UNTDID 1001): 380 commercial invoice, 381 credit note (avoir). A credit
# note carries positive amounts (EN 16931: the type code gives the direction) and names the
# invoice it cancels (BG-3: BT-25 preceding invoice number, BT-26 its issue date).
TYPE_INVOICE = "380"
TYPE_CREDIT_NOTE = "381"
TYPE_CODES = (TYPE_INVOICE, TYPE_CREDIT_NOTE)

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

TEMPLATE_PATH = Path(__file__).parent.parent / "templates" / "billing" / "invoice_pdf.html"

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
    if not has_places(value, 2):
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
    purchase_order_reference: str | None = None
    billing_frame: str | None = None
    cap_regulation_reason: str = DEFAULT_CAP_REGULATION_REASON
    late_payment_penalties: str = DEFAULT_LATE_PAYMENT_PENALTIES
    recovery_indemnity: str = DEFAULT_RECOVERY_INDEMNITY
    discount_terms: str = DEFAULT_DISCOUNT_TERMS
    notes: tuple[str, ...] = field(default=())
    type_code: str = TYPE_INVOICE
    preceding_invoice_number: str | None = None
    preceding_invoice_date: date | None = None

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        set_(self, "lines", tuple(self.lines))
        set_(self, "notes", tuple(self.notes))
        self._check_identity()
        self._check_type()
        self._check_amounts()
        self._check_totals()
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

    def _check_identity(self) -> None:
        """Number, order, support, currency, dates, lines, terms, the seller's declaration."""
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

    def _check_type(self) -> None:
        """380 invoice, or 381 credit note naming the invoice it cancels (BT-25, BT-26)."""
        if self.type_code not in TYPE_CODES:
            raise InvoiceDataError(
                f"Type de document inconnu « {self.type_code} » : 380 (facture) ou 381 (avoir)."
            )
        if self.is_credit_note:
            if not (self.preceding_invoice_number or "").strip() or self.preceding_invoice_date is None:
                raise InvoiceDataError("Un avoir indique le numéro et la date de la facture qu'il annule.")
            if self.preceding_invoice_number == self.number:
                raise InvoiceDataError("Un avoir a son propre numéro, distinct de la facture annulée.")
            if self.preceding_invoice_date > self.issue_date:
                raise InvoiceDataError("Un avoir ne peut pas précéder la facture qu'il annule.")
        elif self.preceding_invoice_number or self.preceding_invoice_date:
            raise InvoiceDataError("Seul un avoir (type 381) fait référence à une facture antérieure.")

    @property
    def is_credit_note(self) -> bool:
        return self.type_code == TYPE_CREDIT_NOTE

    @property
    def document_label(self) -> str:
        """« Facture » or « Avoir »."""
        return "Avoir" if self.is_credit_note else "Facture"

    def _check_amounts(self) -> None:
        """Every amount in cents; the VAT rate a percentage; deductions ≤ 0."""
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

    def _check_totals(self) -> None:
        """Lines add up to the billable amount; total HT, VAT and TTC consistent."""
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


# --------------------------------------------------------------------------------------------
# Formatting helpers (French)
# --------------------------------------------------------------------------------------------


def _format_price(value: Decimal) -> str:
    """A unit price: like an amount, but never rounded (11,80; 11,8125)."""
    if has_places(value, 2):
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

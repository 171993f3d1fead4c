"""The CII XML of an invoice (Factur-X, EN 16931 profile)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from lxml import etree

from formarche.utils.money import round_cents

if TYPE_CHECKING:
    pass
from formarche.billing.facturx.document import (
    _NSMAP,
    EN16931_GUIDELINE_ID,
    NS_RSM,
    VAT_EXEMPTION_REASON,
    VAT_EXEMPTION_REASON_CODE,
    InvoiceDocument,
    Party,
)


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


def _party(
    parent: etree._Element,
    tag: str,
    party: Party,
    *,
    legal_info: str | None = None,
    local_tax_id: bool = False,
) -> None:
    """A trade party. Its SIRET is its identifier (BT-29 / BT-46, ``GlobalID`` ICD ``0009``) and
    its electronic address (BT-34 / BT-49, EAS ``0009``): what Chorus Pro identifies and routes on. ``local_tax_id``: without a VAT number, the SIREN as the
    seller's tax registration (BT-32, ``FC``), as BR-E-02 asks of a VAT-exempt invoice."""
    node = _el(parent, "ram", tag)
    _el(node, "ram", "GlobalID", party.siret, schemeID="0009")  # BT-29 / BT-46, Chorus Pro: SIRET
    _el(node, "ram", "Name", party.name)
    if legal_info:
        _el(node, "ram", "Description", legal_info)
    # BT-30 / BT-47: the legal entity, i.e. the SIREN (ISO 6523 ICD 0002, SIRENE); the SIRET (an
    # establishment) is the party's identifier above
    legal = _el(node, "ram", "SpecifiedLegalOrganization")
    _el(legal, "ram", "ID", party.siret[:9], schemeID="0002")
    address = _el(node, "ram", "PostalTradeAddress")
    _el(address, "ram", "PostcodeCode", party.postcode)
    for tag_name, line in zip(("LineOne", "LineTwo", "LineThree"), party.address_lines, strict=False):
        _el(address, "ram", tag_name, line)
    _el(address, "ram", "CityName", party.city)
    _el(address, "ram", "CountryID", party.country)
    _el(_el(node, "ram", "URIUniversalCommunication"), "ram", "URIID", party.siret, schemeID="0009")
    if party.vat_number:
        registration = _el(node, "ram", "SpecifiedTaxRegistration")
        _el(registration, "ram", "ID", party.vat_number, schemeID="VA")
    elif local_tax_id:
        registration = _el(node, "ram", "SpecifiedTaxRegistration")
        _el(registration, "ram", "ID", party.siret[:9], schemeID="FC")


def _tax(parent: etree._Element, tag: str, doc: InvoiceDocument) -> None:
    """Line or allowance VAT category: type, category, rate."""
    node = _el(parent, "ram", tag)
    _el(node, "ram", "TypeCode", "VAT")
    _el(node, "ram", "CategoryCode", doc.vat_category)
    _el(node, "ram", "RateApplicablePercent", _decimal(doc.vat_rate))


def build_facturx_xml(doc: InvoiceDocument) -> bytes:
    """The invoice as CII XML (D16B), Factur-X EN 16931 profile, UTF-8 bytes."""
    root = etree.Element(f"{{{NS_RSM}}}CrossIndustryInvoice", nsmap=_NSMAP)
    _header(root, doc)
    transaction = _el(root, "rsm", "SupplyChainTradeTransaction")
    _lines(transaction, doc)
    _agreement(transaction, doc)
    _delivery(transaction, doc)
    _settlement(transaction, doc)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _header(root, doc: InvoiceDocument) -> None:
    context = _el(root, "rsm", "ExchangedDocumentContext")
    if doc.billing_frame:  # BT-23, the Chorus Pro « cadre de facturation »
        process = _el(context, "ram", "BusinessProcessSpecifiedDocumentContextParameter")
        _el(process, "ram", "ID", doc.billing_frame)
    guideline = _el(context, "ram", "GuidelineSpecifiedDocumentContextParameter")
    _el(guideline, "ram", "ID", EN16931_GUIDELINE_ID)

    header = _el(root, "rsm", "ExchangedDocument")
    _el(header, "ram", "ID", doc.number)
    _el(header, "ram", "TypeCode", doc.type_code)  # 380 commercial invoice, 381 credit note
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


def _lines(transaction, doc: InvoiceDocument) -> None:
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


def _agreement(transaction, doc: InvoiceDocument) -> None:
    agreement = _el(transaction, "ram", "ApplicableHeaderTradeAgreement")
    if doc.buyer_reference:
        _el(agreement, "ram", "BuyerReference", doc.buyer_reference)
    _party(
        agreement,
        "SellerTradeParty",
        doc.seller,
        legal_info=doc.seller.activity_declaration_text,
        local_tax_id=doc.is_vat_exempt,
    )
    _party(agreement, "BuyerTradeParty", doc.buyer)
    # BT-13: the Chorus Pro « numéro d'engagement juridique » when the order has one, else the
    # bon de commande number (always in the first note too)
    order = _el(agreement, "ram", "BuyerOrderReferencedDocument")
    _el(order, "ram", "IssuerAssignedID", doc.purchase_order_reference or doc.order_number)
    if doc.contract_reference:
        contract = _el(agreement, "ram", "ContractReferencedDocument")
        _el(contract, "ram", "IssuerAssignedID", doc.contract_reference)


def _delivery(transaction, doc: InvoiceDocument) -> None:
    """BG-13: the services of the period are delivered by its last day (BT-72); never an empty
    element (PEPPOL-EN16931-R008)."""
    delivery = _el(transaction, "ram", "ApplicableHeaderTradeDelivery")
    event = _el(delivery, "ram", "ActualDeliverySupplyChainEvent")
    _date_102(event, "OccurrenceDateTime", doc.period_end or doc.issue_date)


def _settlement(transaction, doc: InvoiceDocument) -> None:
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
    _tax_breakdown(settlement, doc)
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
    _totals(settlement, doc)
    if doc.is_credit_note:  # BG-3, after the totals (CII D16B order)
        preceding = _el(settlement, "ram", "InvoiceReferencedDocument")
        _el(preceding, "ram", "IssuerAssignedID", doc.preceding_invoice_number)
        issued = _el(preceding, "ram", "FormattedIssueDateTime")
        _el(issued, "qdt", "DateTimeString", doc.preceding_invoice_date.strftime("%Y%m%d"), format="102")


def _tax_breakdown(settlement, doc: InvoiceDocument) -> None:
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


def _totals(settlement, doc: InvoiceDocument) -> None:
    totals = _el(settlement, "ram", "SpecifiedTradeSettlementHeaderMonetarySummation")
    _el(totals, "ram", "LineTotalAmount", _amount(doc.line_total))
    _el(totals, "ram", "ChargeTotalAmount", _amount(doc.charge_total))
    _el(totals, "ram", "AllowanceTotalAmount", _amount(doc.allowance_total))
    _el(totals, "ram", "TaxBasisTotalAmount", _amount(doc.tax_basis))
    _el(totals, "ram", "TaxTotalAmount", _amount(doc.tax_basis_vat), currencyID=doc.currency)
    _el(totals, "ram", "GrandTotalAmount", _amount(doc.grand_total))
    _el(totals, "ram", "TotalPrepaidAmount", _amount(doc.amount_paid))
    _el(totals, "ram", "DuePayableAmount", _amount(doc.amount_due))

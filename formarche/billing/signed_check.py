"""Is the signed file the invoice formarche issued? (issue #18, ADR 0019). Pure: bytes in, French
messages out; no Django.

A valid signature proves who signed, not what: any correctly named PDF with a good signature was
accepted. Two proofs are now required of a signed upload, against the PDF stored at issuance:

1. **The Factur-X XML embedded in the signed file is byte-equal to the one issued.** When it is
   not, both XMLs are parsed and the fields that differ are named (number, type, dates, order,
   seller, buyer, period, quantities, amounts HT / TVA / TTC, amount due…), issued value and
   signed value side by side: « montant à payer TTC : 14 246,53 € émis, 15 000,00 € dans le
   fichier signé ».
2. **The first revision of the signed file is the issued PDF, byte for byte.** A PAdES signature
   is an incremental update: the signed file is the issued PDF followed by the signature's
   revision (``signatures.check_signed_pdf`` already refuses anything added after the last
   signature). A signed file that does not start with the issued bytes was rebuilt or edited
   before signing (the visible page may say something else than the XML): refused.

The order of the checks names the most useful difference first.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from io import BytesIO

from lxml import etree

from formarche.utils.formatting import format_amount, format_date, format_hours

NS = {
    "rsm": "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100",
    "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
    "udt": "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100",
    "qdt": "urn:un:unece:uncefact:data:standard:QualifiedDataType:100",
}
_DOC = "/rsm:CrossIndustryInvoice/rsm:ExchangedDocument"
_TX = "/rsm:CrossIndustryInvoice/rsm:SupplyChainTradeTransaction"
_AGR = f"{_TX}/ram:ApplicableHeaderTradeAgreement"
_SET = f"{_TX}/ram:ApplicableHeaderTradeSettlement"
_SUM = f"{_SET}/ram:SpecifiedTradeSettlementHeaderMonetarySummation"

AMOUNT, DATE, TEXT, QUANTITY = "amount", "date", "text", "quantity"


@dataclass(frozen=True)
class Field:
    label: str  # French, as the message names it
    xpath: str
    kind: str = TEXT


# What a person checks on an invoice, in the order the message lists the differences.
FIELDS = (
    Field("numéro de facture", f"{_DOC}/ram:ID"),
    Field("type de document", f"{_DOC}/ram:TypeCode"),
    Field("date d'émission", f"{_DOC}/ram:IssueDateTime/udt:DateTimeString", DATE),
    Field("bon de commande", f"{_AGR}/ram:BuyerOrderReferencedDocument/ram:IssuerAssignedID"),
    Field("vendeur (organisme)", f"{_AGR}/ram:SellerTradeParty/ram:Name"),
    Field("SIRET du vendeur", f"{_AGR}/ram:SellerTradeParty/ram:SpecifiedLegalOrganization/ram:ID"),
    Field("acheteur", f"{_AGR}/ram:BuyerTradeParty/ram:Name"),
    Field("SIRET de l'acheteur", f"{_AGR}/ram:BuyerTradeParty/ram:SpecifiedLegalOrganization/ram:ID"),
    Field(
        "début de la période", f"{_SET}/ram:BillingSpecifiedPeriod/ram:StartDateTime/udt:DateTimeString", DATE
    ),
    Field("fin de la période", f"{_SET}/ram:BillingSpecifiedPeriod/ram:EndDateTime/udt:DateTimeString", DATE),
    Field(
        "heures facturées",
        f"{_TX}/ram:IncludedSupplyChainTradeLineItem/ram:SpecifiedLineTradeDelivery/ram:BilledQuantity",
        QUANTITY,
    ),
    Field(
        "prix unitaire HT",
        f"{_TX}/ram:IncludedSupplyChainTradeLineItem/ram:SpecifiedLineTradeAgreement"
        "/ram:NetPriceProductTradePrice/ram:ChargeAmount",
        AMOUNT,
    ),
    Field("montant facturable HT", f"{_SUM}/ram:LineTotalAmount", AMOUNT),
    Field("régulation (remise)", f"{_SUM}/ram:AllowanceTotalAmount", AMOUNT),
    Field("montant HT", f"{_SUM}/ram:TaxBasisTotalAmount", AMOUNT),
    Field("TVA", f"{_SUM}/ram:TaxTotalAmount", AMOUNT),
    Field("montant TTC", f"{_SUM}/ram:GrandTotalAmount", AMOUNT),
    Field("déjà versé (avance imputée)", f"{_SUM}/ram:TotalPrepaidAmount", AMOUNT),
    Field("montant à payer TTC", f"{_SUM}/ram:DuePayableAmount", AMOUNT),
    Field(
        "IBAN",
        f"{_SET}/ram:SpecifiedTradeSettlementPaymentMeans/ram:PayeePartyCreditorFinancialAccount/ram:IBANID",
    ),
    Field("échéance", f"{_SET}/ram:SpecifiedTradePaymentTerms/ram:DueDateDateTime/udt:DateTimeString", DATE),
)

HOW_TO_FIX = (
    "Téléchargez de nouveau la facture depuis formarche et signez ce fichier-là, sans le modifier "
    "ni l'enregistrer sous un autre nom avant la signature."
)


def embedded_facturx_xml(pdf: bytes) -> bytes | None:
    """The ``factur-x.xml`` attached to ``pdf`` (bytes as embedded), or None (none, or not a PDF)."""
    import facturx

    try:
        _name, xml = facturx.get_facturx_xml_from_pdf(BytesIO(pdf), check_xsd=False)
    except Exception:  # noqa: BLE001 - any unreadable PDF: no XML to compare
        return None
    return xml or None


def _display(kind: str, raw: str | None) -> str:
    if raw is None:
        return "absent"
    raw = raw.strip()
    try:
        if kind == AMOUNT:
            return f"{format_amount(Decimal(raw))} €"
        if kind == QUANTITY:
            return f"{format_hours(Decimal(raw))} h"
        if kind == DATE and len(raw) == 8 and raw.isdigit():
            from datetime import date

            return format_date(date(int(raw[:4]), int(raw[4:6]), int(raw[6:])))
    except (InvalidOperation, ValueError):
        pass
    return f"« {raw} »"


def invoice_fields(xml: bytes) -> dict[str, str | None] | None:
    """The checked fields of a CII invoice, by label (several values joined), or None when
    ``xml`` is not a readable CII invoice."""
    try:
        root = etree.fromstring(xml, parser=etree.XMLParser(resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError:
        return None
    if etree.QName(root).localname != "CrossIndustryInvoice":
        return None
    values: dict[str, str | None] = {}
    for item in FIELDS:
        found = [node.text or "" for node in root.xpath(item.xpath, namespaces=NS)]
        values[item.label] = " + ".join(_display(item.kind, v) for v in found) if found else None
    return values


def xml_differences(issued_xml: bytes, signed_xml: bytes) -> list[str]:
    """« montant à payer TTC : 14 246,53 € émis, 15 000,00 € dans le fichier signé », one per field."""
    issued, signed = invoice_fields(issued_xml), invoice_fields(signed_xml)
    if signed is None:
        return ["le XML Factur-X du fichier signé est illisible"]
    if issued is None:  # pragma: no cover - formarche's own XML is always readable
        return ["le XML Factur-X émis est illisible"]
    out = []
    for item in FIELDS:
        before, after = issued[item.label], signed[item.label]
        if before != after:
            out.append(f"{item.label} : {before or 'absent'} émis, {after or 'absent'} dans le fichier signé")
    return out


def compare_signed_with_issued(*, signed_pdf: bytes, issued_pdf: bytes, number: str) -> list[str]:
    """French errors when ``signed_pdf`` is not ``issued_pdf`` signed; [] when it is."""
    issued_xml = embedded_facturx_xml(issued_pdf)
    signed_xml = embedded_facturx_xml(signed_pdf)
    if signed_xml is None:
        return [
            f"Le fichier signé ne contient pas la facture électronique (XML Factur-X) de la facture "
            f"n° {number} : ce n'est pas la facture émise par formarche. {HOW_TO_FIX}"
        ]
    if issued_xml is not None and signed_xml != issued_xml:
        differences = xml_differences(issued_xml, signed_xml)
        if not differences:
            differences = [
                "le contenu du XML Factur-X a été modifié (mêmes numéro, dates, parties et montants)"
            ]
        return [
            f"Le fichier signé n'est pas la facture n° {number} émise par formarche : "
            + " ; ".join(differences)
            + f". {HOW_TO_FIX}"
        ]
    if not signed_pdf.startswith(issued_pdf):
        return [
            f"Le fichier signé n'est pas, octet pour octet, le PDF de la facture n° {number} émis par "
            "formarche : sa première version (avant la signature) diffère du PDF émis — la page a été "
            f"modifiée ou le fichier réenregistré avant d'être signé. {HOW_TO_FIX}"
        ]
    return []

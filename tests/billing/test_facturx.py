"""Factur-X invoice of a CRE / CREF: XML (EN 16931) and PDF/A-3, with the seed's figures.

The seed (SIGMA guide, CRE final of Avril 2023, bon de commande 23Q00030612_1):
facturable 35 400,00; régulation pour plafonnement −8 755,60; remboursement avance −6 198,93;
total à verser HT 20 445,47; TVA 0,00 %; total à verser TTC 20 445,47.

No Django here: run with ``pytest -p no:django``.
"""

from __future__ import annotations

import dataclasses
import io
from datetime import date
from decimal import Decimal

import facturx
import pytest
from lxml import etree
from pypdf import PdfReader

from formarche.billing import engine
from formarche.billing.facturx import (
    EN16931_GUIDELINE_ID,
    VAT_EXEMPTION_REASON,
    VAT_EXEMPTION_REASON_CODE,
    InvoiceDataError,
    InvoiceDocument,
    InvoiceLine,
    Party,
    build_facturx_pdf,
    build_facturx_xml,
    invoice_from_statement,
    parse_period_label,
    render_invoice_html,
)

NS = {
    "rsm": "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100",
    "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
    "udt": "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100",
}
D = Decimal

SELLER = Party(
    name="Centre de formation agricole du Tarn",
    siret="81234567600017",
    vat_number=None,
    address_lines=("12 chemin des Vignes",),
    postcode="81000",
    city="Albi",
    activity_declaration_number="76 81 01234 81",
    activity_declaration_region="Occitanie",
    iban="FR7630006000011234567890189",
    bic="AGRIFRPP",
)
BUYER = Party(
    name="Région Occitanie",
    siret="20005379100014",
    address_lines=("Hôtel de Région", "22 boulevard du Maréchal Juin"),
    postcode="31406",
    city="Toulouse Cedex 9",
)


def seed_document(**changes) -> InvoiceDocument:
    """The seed's CRE final (Avril 2023), VAT-exempt."""
    values = dict(
        number="57074",
        issue_date=date(2023, 8, 8),
        due_date=date(2023, 9, 7),
        order_number="23Q00030612_1",
        period_label="Avril 2023",
        support="CRE final",
        seller=SELLER,
        buyer=BUYER,
        lines=(
            InvoiceLine(
                label="Prix Heure stagiaire – Heure stag fact",
                quantity=D("3000.00"),
                unit_price=D("11.80"),
                net_amount=D("35400.00"),
                realised_hours=D("3000.00"),
                counted_unrealised_hours=D("0.00"),
            ),
        ),
        net_billable_amount=D("35400.00"),
        cap_regulation=D("-8755.60"),
        advance_repayment=D("-6198.93"),
        total_ht=D("20445.47"),
        vat_rate=D("0"),
        vat_amount=D("0.00"),
        total_ttc=D("20445.47"),
        payment_terms="Paiement à 30 jours à compter de la réception de la facture, par virement.",
        contract_reference="Lot 3 - AGRICULTURE - METIERS DE LA PRODUCTION VEGETALE - TARN",
    )
    values.update(changes)
    return InvoiceDocument(**values)


def vat_document() -> InvoiceDocument:
    """Same statement with 20 % VAT on the total à verser HT (the statement's rule)."""
    seller = dataclasses.replace(SELLER, vat_number="FR19812345676")
    return seed_document(
        seller=seller,
        vat_rate=D("20"),
        vat_amount=D("4089.09"),  # 20 % of 20 445,47 = 4 089,094
        total_ttc=D("24534.56"),
    )


def parse(xml: bytes) -> etree._Element:
    return etree.fromstring(xml)


def text(root: etree._Element, xpath: str) -> str:
    found = root.xpath(xpath, namespaces=NS)
    assert len(found) == 1, f"{xpath}: {len(found)} nodes"
    return found[0].text


def amount(root: etree._Element, xpath: str) -> Decimal:
    return Decimal(text(root, xpath))


SUM = "/rsm:CrossIndustryInvoice/rsm:SupplyChainTradeTransaction/ram:ApplicableHeaderTradeSettlement/ram:SpecifiedTradeSettlementHeaderMonetarySummation"
SETTLEMENT = "/rsm:CrossIndustryInvoice/rsm:SupplyChainTradeTransaction/ram:ApplicableHeaderTradeSettlement"
AGREEMENT = "/rsm:CrossIndustryInvoice/rsm:SupplyChainTradeTransaction/ram:ApplicableHeaderTradeAgreement"


@pytest.fixture(scope="module")
def seed_xml() -> bytes:
    return build_facturx_xml(seed_document())


@pytest.fixture(scope="module")
def seed_pdf() -> bytes:
    return build_facturx_pdf(seed_document())


# --- XML ------------------------------------------------------------------------------------


@pytest.mark.parametrize("document", [seed_document, vat_document], ids=["exonere", "tva-20"])
def test_xml_is_valid_against_the_factur_x_en16931_xsd(document):
    assert facturx.xml_check_xsd(build_facturx_xml(document()), flavor="factur-x", level="en16931")


def test_xml_declares_the_en16931_profile(seed_xml):
    root = parse(seed_xml)
    guideline = "//rsm:ExchangedDocumentContext/ram:GuidelineSpecifiedDocumentContextParameter/ram:ID"
    assert text(root, guideline) == EN16931_GUIDELINE_ID
    assert facturx.get_level(root) == "en16931"


def test_order_number_is_bt13(seed_xml):
    root = parse(seed_xml)
    assert text(root, f"{AGREEMENT}/ram:BuyerOrderReferencedDocument/ram:IssuerAssignedID") == "23Q00030612_1"


def test_header_identity_and_seller_siret(seed_xml):
    root = parse(seed_xml)
    assert text(root, "//rsm:ExchangedDocument/ram:ID") == "57074"
    assert text(root, "//rsm:ExchangedDocument/ram:TypeCode") == "380"
    assert text(root, "//rsm:ExchangedDocument/ram:IssueDateTime/udt:DateTimeString") == "20230808"
    siret = root.xpath(
        f"{AGREEMENT}/ram:SellerTradeParty/ram:SpecifiedLegalOrganization/ram:ID", namespaces=NS
    )
    assert [(n.text, n.get("schemeID")) for n in siret] == [("812345676", "0002")]  # the SIREN
    global_id = root.xpath(f"{AGREEMENT}/ram:SellerTradeParty/ram:GlobalID", namespaces=NS)
    assert [(n.text, n.get("schemeID")) for n in global_id] == [("81234567600017", "0009")]  # SIRET
    # no VAT number, VAT-exempt: the SIREN as the seller's tax registration (BT-32, BR-E-02)
    tax = root.xpath(f"{AGREEMENT}/ram:SellerTradeParty/ram:SpecifiedTaxRegistration/ram:ID", namespaces=NS)
    assert [(n.text, n.get("schemeID")) for n in tax] == [("812345676", "FC")]
    nda = text(root, f"{AGREEMENT}/ram:SellerTradeParty/ram:Description")
    assert "76 81 01234 81" in nda and "ne vaut pas agrément de l'État" in nda


def test_seed_totals_follow_en16931(seed_xml):
    root = parse(seed_xml)
    assert amount(root, f"{SUM}/ram:LineTotalAmount") == D("35400.00")
    assert amount(root, f"{SUM}/ram:AllowanceTotalAmount") == D("8755.60")
    assert amount(root, f"{SUM}/ram:TaxBasisTotalAmount") == D("26644.40")
    assert amount(root, f"{SUM}/ram:TaxTotalAmount") == D("0.00")
    assert amount(root, f"{SUM}/ram:GrandTotalAmount") == D("26644.40")
    # The advance repayment is an amount already paid (BT-113), not a discount.
    assert amount(root, f"{SUM}/ram:TotalPrepaidAmount") == D("6198.93")
    assert amount(root, f"{SUM}/ram:DuePayableAmount") == D("20445.47")


def test_advance_repayment_is_not_an_allowance(seed_xml):
    root = parse(seed_xml)
    adjustments = root.xpath(f"{SETTLEMENT}/ram:SpecifiedTradeAllowanceCharge", namespaces=NS)
    assert len(adjustments) == 1
    (regulation,) = adjustments
    assert regulation.findtext("ram:ChargeIndicator/udt:Indicator", namespaces=NS) == "false"
    assert regulation.findtext("ram:ActualAmount", namespaces=NS) == "8755.60"
    assert regulation.findtext("ram:Reason", namespaces=NS) == "Régulation pour plafonnement"


def assert_br_co_rules(root: etree._Element) -> None:
    """BR-CO-10 … BR-CO-16 recomputed from the XML itself."""
    lines = [
        D(n.text)
        for n in root.xpath(
            "//ram:SpecifiedTradeSettlementLineMonetarySummation/ram:LineTotalAmount", namespaces=NS
        )
    ]
    adjustments = root.xpath(f"{SETTLEMENT}/ram:SpecifiedTradeAllowanceCharge", namespaces=NS)
    allowances = sum(
        (
            D(a.findtext("ram:ActualAmount", namespaces=NS))
            for a in adjustments
            if a.findtext("ram:ChargeIndicator/udt:Indicator", namespaces=NS) == "false"
        ),
        D(0),
    )
    charges = sum(
        (
            D(a.findtext("ram:ActualAmount", namespaces=NS))
            for a in adjustments
            if a.findtext("ram:ChargeIndicator/udt:Indicator", namespaces=NS) == "true"
        ),
        D(0),
    )
    line_total = amount(root, f"{SUM}/ram:LineTotalAmount")
    assert line_total == sum(lines)  # BR-CO-10
    assert amount(root, f"{SUM}/ram:AllowanceTotalAmount") == allowances  # BR-CO-11
    assert amount(root, f"{SUM}/ram:ChargeTotalAmount") == charges  # BR-CO-12
    tax_basis = amount(root, f"{SUM}/ram:TaxBasisTotalAmount")
    assert tax_basis == line_total - allowances + charges  # BR-CO-13
    tax_total = amount(root, f"{SUM}/ram:TaxTotalAmount")
    breakdown_tax = sum(
        (
            D(n.text)
            for n in root.xpath(f"{SETTLEMENT}/ram:ApplicableTradeTax/ram:CalculatedAmount", namespaces=NS)
        ),
        D(0),
    )
    assert tax_total == breakdown_tax  # BR-CO-14
    grand_total = amount(root, f"{SUM}/ram:GrandTotalAmount")
    assert grand_total == tax_basis + tax_total  # BR-CO-15
    prepaid = amount(root, f"{SUM}/ram:TotalPrepaidAmount")
    assert amount(root, f"{SUM}/ram:DuePayableAmount") == grand_total - prepaid  # BR-CO-16
    # BR-S-08 / BR-E-08: the category basis is the document basis (one category per invoice).
    assert amount(root, f"{SETTLEMENT}/ram:ApplicableTradeTax/ram:BasisAmount") == tax_basis


@pytest.mark.parametrize("document", [seed_document, vat_document], ids=["exonere", "tva-20"])
def test_br_co_sum_rules_hold(document):
    assert_br_co_rules(parse(build_facturx_xml(document())))


def test_zero_rate_is_category_e_with_the_cgi_exemption(seed_xml):
    root = parse(seed_xml)
    tax = f"{SETTLEMENT}/ram:ApplicableTradeTax"
    assert text(root, f"{tax}/ram:CategoryCode") == "E"
    assert text(root, f"{tax}/ram:ExemptionReason") == "Exonération de TVA – article 261-4-4° a du CGI"
    assert text(root, f"{tax}/ram:ExemptionReasonCode") == VAT_EXEMPTION_REASON_CODE
    assert D(text(root, f"{tax}/ram:RateApplicablePercent")) == 0
    assert D(text(root, f"{tax}/ram:CalculatedAmount")) == 0
    # every line and the allowance carry the same category (BR-E-01 … BR-E-07)
    categories = root.xpath("//ram:CategoryCode", namespaces=NS)
    assert {c.text for c in categories} == {"E"}


def test_standard_rate_is_category_s_with_20_percent():
    document = vat_document()
    root = parse(build_facturx_xml(document))
    tax = f"{SETTLEMENT}/ram:ApplicableTradeTax"
    assert text(root, f"{tax}/ram:CategoryCode") == "S"
    assert D(text(root, f"{tax}/ram:RateApplicablePercent")) == D("20")
    assert not root.xpath(f"{tax}/ram:ExemptionReason", namespaces=NS)
    assert D(text(root, f"{tax}/ram:BasisAmount")) == D("26644.40")
    assert D(text(root, f"{tax}/ram:CalculatedAmount")) == D("5328.88")  # 20 % of 26 644,40
    seller_vat = root.xpath(
        f"{AGREEMENT}/ram:SellerTradeParty/ram:SpecifiedTaxRegistration/ram:ID", namespaces=NS
    )
    assert [(n.text, n.get("schemeID")) for n in seller_vat] == [("FR19812345676", "VA")]
    # The amount due is the statement's TTC; the prepaid amount is the advance share with its VAT.
    assert amount(root, f"{SUM}/ram:DuePayableAmount") == D("24534.56")
    assert amount(root, f"{SUM}/ram:TotalPrepaidAmount") == D("7438.72")  # 6 198,93 × 1,2 = 7 438,716
    assert document.amount_paid == D("7438.72")


def test_french_mandatory_notes_are_coded(seed_xml):
    root = parse(seed_xml)
    notes = {
        n.findtext("ram:SubjectCode", namespaces=NS): n.findtext("ram:Content", namespaces=NS)
        for n in root.xpath("//rsm:ExchangedDocument/ram:IncludedNote", namespaces=NS)
    }
    assert "40 €" in notes["PMT"]
    assert "intérêts moratoires" in notes["PMD"]
    assert "escompte" in notes["AAB"]


def test_invoicing_period_and_payment_means(seed_xml):
    root = parse(seed_xml)
    assert (
        text(root, f"{SETTLEMENT}/ram:BillingSpecifiedPeriod/ram:StartDateTime/udt:DateTimeString")
        == "20230401"
    )
    assert (
        text(root, f"{SETTLEMENT}/ram:BillingSpecifiedPeriod/ram:EndDateTime/udt:DateTimeString")
        == "20230430"
    )
    assert (
        text(root, f"{SETTLEMENT}/ram:SpecifiedTradePaymentTerms/ram:DueDateDateTime/udt:DateTimeString")
        == "20230907"
    )
    assert text(root, f"{SETTLEMENT}/ram:SpecifiedTradeSettlementPaymentMeans/ram:TypeCode") == "58"
    assert text(root, "//ram:PayeePartyCreditorFinancialAccount/ram:IBANID") == "FR7630006000011234567890189"
    line_quantity = root.xpath("//ram:BilledQuantity", namespaces=NS)[0]
    assert (line_quantity.text, line_quantity.get("unitCode")) == ("3000.00", "HUR")
    assert text(root, "//ram:NetPriceProductTradePrice/ram:ChargeAmount") == "11.80"


def test_negative_regulation_becomes_a_charge():
    # A correction gives back 100,00 € of a previous regulation.
    document = seed_document(
        cap_regulation=D("100.00"),
        advance_repayment=D("0.00"),
        total_ht=D("35500.00"),
        total_ttc=D("35500.00"),
    )
    root = parse(build_facturx_xml(document))
    assert facturx.xml_check_xsd(root, flavor="factur-x", level="en16931")
    assert (
        text(root, f"{SETTLEMENT}/ram:SpecifiedTradeAllowanceCharge/ram:ChargeIndicator/udt:Indicator")
        == "true"
    )
    assert amount(root, f"{SUM}/ram:ChargeTotalAmount") == D("100.00")
    assert_br_co_rules(root)


def test_no_regulation_no_allowance():
    document = seed_document(cap_regulation=D("0.00"), total_ht=D("29201.07"), total_ttc=D("29201.07"))
    root = parse(build_facturx_xml(document))
    assert not root.xpath(f"{SETTLEMENT}/ram:SpecifiedTradeAllowanceCharge", namespaces=NS)
    assert_br_co_rules(root)


def test_repayment_larger_than_the_period_is_all_prepaid():
    # 1 000 h facturables, 10 000 € of advance to recover: the statement floors the total at 0
    # and carries 1 800 € over; the invoice is fully paid by the advance.
    document = seed_document(
        lines=(
            InvoiceLine(label="Heures", quantity=D("1000"), unit_price=D("11.80"), net_amount=D("11800.00")),
        ),
        net_billable_amount=D("11800.00"),
        cap_regulation=D("0.00"),
        advance_repayment=D("-10000.00"),
        repayment_carried_in=D("-3600.00"),
        total_ht=D("0.00"),
        total_ttc=D("0.00"),
        support="CRE",
    )
    assert document.repayment_carried_out == D("1800.00")
    root = parse(build_facturx_xml(document))
    assert facturx.xml_check_xsd(root, flavor="factur-x", level="en16931")
    assert amount(root, f"{SUM}/ram:TotalPrepaidAmount") == D("11800.00")
    assert amount(root, f"{SUM}/ram:DuePayableAmount") == D("0.00")
    assert_br_co_rules(root)
    assert "reporté sur la période suivante" in render_invoice_html(document)


def test_invoice_from_the_engine_statement_of_the_seed():
    terms = engine.terms_for_dispositif(
        "parcours_qualifiants",
        amount=D("57820.00"),
        unit_price=D("11.80"),
        duration_months=18,
        vat_rate=D("0"),
    )
    statements = engine.compute_statements(
        terms,
        [
            engine.PeriodInput(period=date(2023, 3, 1), realised_hours=D("1662.00")),
            engine.PeriodInput(period=date(2023, 4, 1), realised_hours=D("3000.00"), final=True),
        ],
    )
    document = invoice_from_statement(
        statements[-1],
        number="57074",
        issue_date=date(2023, 8, 8),
        due_date=date(2023, 9, 7),
        order_number="23Q00030612_1",
        seller=SELLER,
        buyer=BUYER,
        payment_terms="Paiement à 30 jours.",
    )
    assert (document.period_label, document.support) == ("Avril 2023", "CRE final")
    root = parse(build_facturx_xml(document))
    assert amount(root, f"{SUM}/ram:LineTotalAmount") == D("35400.00")
    assert amount(root, f"{SUM}/ram:AllowanceTotalAmount") == D("8755.60")
    assert amount(root, f"{SUM}/ram:TotalPrepaidAmount") == D("6198.93")
    assert amount(root, f"{SUM}/ram:DuePayableAmount") == D("20445.47")


# --- Consistency of the input --------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"total_ht": D("20445.48"), "total_ttc": D("20445.48")}, "Total à verser HT incohérent"),
        ({"net_billable_amount": D("35400.01")}, "somme des lignes"),
        ({"cap_regulation": D("8755.60")}, "Total à verser HT incohérent"),  # sign mistake
        ({"advance_repayment": D("6198.93")}, "déduction"),
        ({"vat_amount": D("1.00"), "total_ttc": D("20446.47")}, "TVA incohérente"),
        ({"vat_rate": D("0.20")}, "pourcentage"),
        ({"vat_rate": D("20"), "vat_amount": D("4089.09"), "total_ttc": D("24534.56")}, "numéro de TVA"),
        ({"support": "CREF"}, "Support inconnu"),
        ({"amount_due": D("35400.00")}, "Montant à payer incohérent"),
        (
            {"amount_paid": D("25810.53")},
            "Montant déjà versé incohérent",
        ),  # not the seed's "total déjà versé"
        ({"due_date": date(2023, 8, 1)}, "échéance"),
        ({"advance_repayment": D("-6198.934")}, "deux décimales"),
    ],
)
def test_inconsistent_figures_are_refused_in_french(changes, message):
    with pytest.raises(InvoiceDataError, match=message):
        seed_document(**changes)


def test_seller_without_activity_declaration_is_refused():
    seller = dataclasses.replace(SELLER, activity_declaration_number=None)
    with pytest.raises(InvoiceDataError, match="déclaration d'activité"):
        seed_document(seller=seller)


def test_invalid_siret_is_refused():
    with pytest.raises(InvoiceDataError, match="SIRET"):
        dataclasses.replace(SELLER, siret="81234567600018")


def test_line_amount_must_be_quantity_times_price():
    with pytest.raises(InvoiceDataError, match="ne fait pas"):
        InvoiceLine(label="x", quantity=D("3000"), unit_price=D("11.80"), net_amount=D("35400.01"))


def test_given_derived_amounts_are_accepted_when_right():
    document = seed_document(amount_paid=D("6198.93"), amount_due=D("20445.47"))
    assert (document.amount_paid, document.amount_due) == (D("6198.93"), D("20445.47"))


def test_period_label_parsing():
    assert parse_period_label("Avril 2023") == (date(2023, 4, 1), date(2023, 4, 30))
    assert parse_period_label("février 2024") == (date(2024, 2, 1), date(2024, 2, 29))
    assert parse_period_label("T2 2023") is None


def test_unit_price_with_more_than_two_decimals_is_shown_whole():
    line = InvoiceLine(label="Heures", quantity=D("100"), unit_price=D("11.8125"), net_amount=D("1181.25"))
    document = seed_document(
        lines=(line,),
        net_billable_amount=D("1181.25"),
        cap_regulation=D("0.00"),
        advance_repayment=D("0.00"),
        total_ht=D("1181.25"),
        total_ttc=D("1181.25"),
    )
    assert "11,8125" in render_invoice_html(document)
    assert (
        text(parse(build_facturx_xml(document)), "//ram:NetPriceProductTradePrice/ram:ChargeAmount")
        == "11.8125"
    )


# --- PDF ------------------------------------------------------------------------------------


def pdf_text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    raw = "\n".join(page.extract_text() or "" for page in reader.pages)
    return " ".join(raw.replace("\u00a0", " ").replace("\u202f", " ").split())


def test_pdf_embeds_the_factur_x_xml(seed_pdf):
    assert seed_pdf.startswith(b"%PDF-")
    filename, xml = facturx.get_facturx_xml_from_pdf(seed_pdf, check_xsd=True)
    assert filename == "factur-x.xml"
    assert xml == build_facturx_xml(seed_document())


def test_pdf_is_pdf_a_3_with_factur_x_metadata(seed_pdf):
    reader = PdfReader(io.BytesIO(seed_pdf))
    xmp = reader.trailer["/Root"]["/Metadata"].get_object().get_data().decode("utf-8")
    assert "<pdfaid:part>3</pdfaid:part>" in xmp or 'pdfaid:part="3"' in xmp
    assert "EN 16931" in xmp
    assert "factur-x.xml" in xmp


def test_pdf_carries_the_seed_figures(seed_pdf):
    content = pdf_text(seed_pdf)
    for expected in (
        "Facture n° 57074",
        "23Q00030612_1",
        "Avril 2023",
        "CRE final",
        "08/08/2023",
        "07/09/2023",
        "3 000,00",
        "11,80",
        "35 400,00",
        "-8 755,60",
        "-6 198,93",
        "20 445,47",
        "26 644,40",
    ):
        assert expected in content, expected


def test_pdf_carries_the_legal_mentions(seed_pdf):
    content = pdf_text(seed_pdf)
    for expected in (
        "Centre de formation agricole du Tarn",
        "SIRET 81234567600017",
        "Région Occitanie",
        VAT_EXEMPTION_REASON,
        "Déclaration d'activité enregistrée sous le numéro 76 81 01234 81 auprès du préfet de région Occitanie.",
        "Cet enregistrement ne vaut pas agrément de l'État.",
        "Paiement à 30 jours",
        "intérêts moratoires",
        "indemnité forfaitaire pour frais de recouvrement de 40 €",
        "Pas d'escompte",
    ):
        assert expected in content, expected


def test_pdf_of_a_vat_invoice_shows_the_vat_number():
    html = render_invoice_html(vat_document()).replace("\u202f", " ")
    assert "N° TVA intracommunautaire FR19812345676" in html
    assert "TVA au taux de 20,00 %" in html
    assert "261-4-4°" not in html


def test_html_escapes_values():
    seller = dataclasses.replace(SELLER, name='Formation <b>"Sud"</b> & Co')
    html = render_invoice_html(seed_document(seller=seller))
    assert "<b>" not in html
    assert "Formation &lt;b&gt;&quot;Sud&quot;&lt;/b&gt; &amp; Co" in html

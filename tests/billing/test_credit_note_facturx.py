"""The Factur-X of a credit note (avoir): type 381, positive amounts, BT-25 / BT-26 naming the
cancelled invoice, valid against the EN 16931 XSD; the PDF says « Avoir n° … annulant la facture
n° … ». Pure: no Django."""

from __future__ import annotations

import io
from datetime import date

import facturx
import pytest
from pypdf import PdfReader

from formarche.billing.facturx import (
    TYPE_CREDIT_NOTE,
    InvoiceDataError,
    build_facturx_pdf,
    build_facturx_xml,
    render_invoice_html,
)
from tests.billing.test_facturx import (
    NS,
    SETTLEMENT,
    SUM,
    amount,
    assert_br_co_rules,
    parse,
    seed_document,
    text,
)

HEADER = "/rsm:CrossIndustryInvoice/rsm:ExchangedDocument"
NS_QDT = {"qdt": "urn:un:unece:uncefact:data:standard:QualifiedDataType:100"}


def credit_document(**changes):
    values = dict(
        number="2023-00003",
        issue_date=date(2023, 8, 20),
        due_date=date(2023, 8, 20),
        type_code=TYPE_CREDIT_NOTE,
        preceding_invoice_number="57074",
        preceding_invoice_date=date(2023, 8, 8),
    )
    values.update(changes)
    return seed_document(**values)


def test_credit_note_is_type_381_with_the_cancelled_invoice():
    root = parse(build_facturx_xml(credit_document()))
    assert text(root, f"{HEADER}/ram:TypeCode") == "381"
    assert text(root, f"{HEADER}/ram:ID") == "2023-00003"
    assert text(root, f"{SETTLEMENT}/ram:InvoiceReferencedDocument/ram:IssuerAssignedID") == "57074"
    found = root.xpath(
        f"{SETTLEMENT}/ram:InvoiceReferencedDocument/ram:FormattedIssueDateTime/qdt:DateTimeString",
        namespaces=NS | NS_QDT,
    )
    assert [(n.text, n.get("format")) for n in found] == [("20230808", "102")]


def test_credit_note_amounts_are_positive_and_add_up():
    """EN 16931: a 381 carries the cancelled invoice's amounts with their own sign (positive)."""
    root = parse(build_facturx_xml(credit_document()))
    assert str(amount(root, f"{SUM}/ram:LineTotalAmount")) == "35400.00"
    assert str(amount(root, f"{SUM}/ram:AllowanceTotalAmount")) == "8755.60"
    assert str(amount(root, f"{SUM}/ram:TaxBasisTotalAmount")) == "26644.40"
    assert str(amount(root, f"{SUM}/ram:TotalPrepaidAmount")) == "6198.93"
    assert str(amount(root, f"{SUM}/ram:DuePayableAmount")) == "20445.47"
    for node in root.xpath("//ram:*[contains(local-name(), 'Amount')]", namespaces=NS):
        assert not node.text.startswith("-"), node.tag
    assert_br_co_rules(root)


def test_credit_note_xml_is_valid_against_the_xsd():
    assert facturx.xml_check_xsd(build_facturx_xml(credit_document()), flavor="factur-x", level="en16931")


def test_invoice_has_no_preceding_reference():
    root = parse(build_facturx_xml(seed_document()))
    assert text(root, f"{HEADER}/ram:TypeCode") == "380"
    assert not root.xpath(f"{SETTLEMENT}/ram:InvoiceReferencedDocument", namespaces=NS)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"preceding_invoice_number": None}, "numéro et la date de la facture qu'il annule"),
        ({"preceding_invoice_date": None}, "numéro et la date de la facture qu'il annule"),
        ({"preceding_invoice_number": "2023-00003"}, "distinct de la facture annulée"),
        ({"preceding_invoice_date": date(2023, 9, 1)}, "ne peut pas précéder"),
        ({"type_code": "383"}, "Type de document inconnu"),
    ],
)
def test_inconsistent_credit_note_is_refused_in_french(changes, message):
    with pytest.raises(InvoiceDataError, match=message):
        credit_document(**changes)


def test_only_a_credit_note_references_a_preceding_invoice():
    with pytest.raises(InvoiceDataError, match="Seul un avoir"):
        seed_document(preceding_invoice_number="57074", preceding_invoice_date=date(2023, 8, 8))


def test_credit_note_pdf_says_what_it_cancels():
    html = render_invoice_html(credit_document())
    assert "Avoir n° 2023-00003" in html
    assert "Avoir n° 2023-00003 annulant la facture n° 57074 du 08/08/2023" in html
    assert "Facture n° 2023-00003" not in html
    pdf = build_facturx_pdf(credit_document())
    page = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert "annulant la facture n° 57074" in page
    _name, xml = facturx.get_xml_from_pdf(pdf, check_xsd=False)
    assert b"<ram:TypeCode>381</ram:TypeCode>" in xml

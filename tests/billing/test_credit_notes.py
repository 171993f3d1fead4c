"""Credit notes (avoirs, ADR 0019): a rejection issues, in the same transaction, the avoir that
cancels the invoice — next number of the same sequence, the invoice's amounts (positive), its own
Factur-X (type 381, BT-25 / BT-26) — then the period is invoiced again; the BPF counts the period
once; the Journal and the invoice's history show the avoir."""

import datetime as dt
from decimal import Decimal

import facturx as facturx_lib
import pytest
from lxml import etree

from formarche.billing import services
from formarche.billing.models import CreditNote, Invoice, InvoiceCounter, InvoiceStatus
from formarche.billing.selectors import invoice_audit, order_audit
from tests.billing.test_workflow import actors, order  # noqa: F401  (fixtures)
from tests.billing.workflow import MARCH, sign_unchecked, validate

D = Decimal
APRIL_12 = dt.date(2023, 4, 12)
pytestmark = pytest.mark.django_db
NS = {
    "rsm": "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100",
    "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
    "qdt": "urn:un:unece:uncefact:data:standard:QualifiedDataType:100",
}


def _xml(field) -> etree._Element:
    with field.open("rb") as handle:
        _name, xml = facturx_lib.get_xml_from_pdf(handle.read(), check_xsd=False)
    return etree.fromstring(xml)


def _issued_march(order, actors):  # noqa: F811
    march = validate(order, MARCH, actors["of_user"])
    return services.invoice_issue(period=march, user=actors["of_user"], today=dt.date(2023, 4, 5))


def test_rejection_issues_the_credit_note_in_the_same_sequence(order, actors):  # noqa: F811
    invoice = _issued_march(order, actors)
    assert invoice.number == "2023-00001"
    services.invoice_reject(
        invoice=invoice, user=actors["region_user"], reason="Le SIRET est erroné.", today=dt.date(2023, 4, 12)
    )
    credit = CreditNote.objects.get(invoice=invoice)
    assert (credit.number, credit.year, credit.sequence) == ("2023-00002", 2023, 2)
    assert credit.issue_date == dt.date(2023, 4, 12) and credit.reason == "Le SIRET est erroné."
    assert credit.order == order and credit.organisation == actors["provider"]
    assert credit.issued_by == actors["region_user"]
    # the invoice's amounts, positive
    assert (credit.billed_ht, credit.payable_ht, credit.vat, credit.payable_ttc) == (
        invoice.billed_ht,
        invoice.payable_ht,
        invoice.vat,
        invoice.payable_ttc,
    )
    assert credit.payable_ttc > 0
    assert credit.label == "Avoir n° 2023-00002 annulant la facture n° 2023-00001"
    assert InvoiceCounter.objects.get(organisation=actors["provider"], year=2023).last_number == 2
    # the corrected invoice takes the number after the avoir and replaces the rejected one
    march = invoice.period
    second = services.invoice_issue(period=march, user=actors["of_user"], today=dt.date(2023, 4, 13))
    assert second.number == "2023-00003" and second.replaces == invoice
    # no number is shared by an invoice and an avoir of the organisation
    numbers = list(Invoice.objects.values_list("number", flat=True)) + [credit.number]
    assert len(numbers) == len(set(numbers)) == 3


def test_credit_note_factur_x_is_a_381_naming_the_cancelled_invoice(order, actors):  # noqa: F811
    invoice = _issued_march(order, actors)
    services.invoice_reject(
        invoice=invoice, user=actors["region_user"], reason="Erreur", today=dt.date(2023, 4, 12)
    )
    credit = CreditNote.objects.get(invoice=invoice)
    root = _xml(credit.document)
    assert root.findtext("rsm:ExchangedDocument/ram:ID", namespaces=NS) == "2023-00002"
    assert root.findtext("rsm:ExchangedDocument/ram:TypeCode", namespaces=NS) == "381"
    ref = root.find(".//ram:ApplicableHeaderTradeSettlement/ram:InvoiceReferencedDocument", namespaces=NS)
    assert ref.findtext("ram:IssuerAssignedID", namespaces=NS) == "2023-00001"
    assert ref.findtext("ram:FormattedIssueDateTime/qdt:DateTimeString", namespaces=NS) == "20230405"
    due = root.findtext(
        ".//ram:SpecifiedTradeSettlementHeaderMonetarySummation/ram:DuePayableAmount", namespaces=NS
    )
    assert D(due) == invoice.payable_ttc == D("14246.53")
    # the invoice's own Factur-X is unchanged: a 380
    assert _xml(invoice.document).findtext("rsm:ExchangedDocument/ram:TypeCode", namespaces=NS) == "380"


def test_signed_invoice_rejected_gets_its_credit_note_too(order, actors):  # noqa: F811
    invoice = sign_unchecked(_issued_march(order, actors), actors["of_user"])
    assert invoice.status == InvoiceStatus.SIGNED
    services.invoice_reject(
        invoice=invoice, user=actors["region_user"], reason="Heures erronées", today=APRIL_12
    )
    assert CreditNote.objects.filter(invoice=invoice).count() == 1


def test_double_rejection_is_refused_and_issues_no_second_credit_note(order, actors):  # noqa: F811
    invoice = _issued_march(order, actors)
    services.invoice_reject(invoice=invoice, user=actors["region_user"], reason="Erreur", today=APRIL_12)
    with pytest.raises(services.BillingError, match="ne peut plus être rejetée"):
        services.invoice_reject(invoice=invoice, user=actors["region_user"], reason="Erreur", today=APRIL_12)
    with pytest.raises(services.BillingError, match="déjà annulée par l'avoir n° "):
        services.credit_note_issue(invoice=Invoice.objects.get(pk=invoice.pk), user=None, reason="x")
    assert CreditNote.objects.count() == 1
    assert InvoiceCounter.objects.get().last_number == 2


def test_credit_note_only_for_a_rejected_invoice(order, actors):  # noqa: F811
    invoice = _issued_march(order, actors)
    with pytest.raises(services.BillingError, match="n'annule qu'une facture rejetée"):
        services.credit_note_issue(invoice=invoice, user=None, reason="x")
    assert not CreditNote.objects.exists()


def test_a_failing_credit_note_rolls_the_rejection_back(order, actors, monkeypatch):  # noqa: F811
    """Rejection and avoir are one transaction: no rejected invoice without its avoir, no number lost."""
    from formarche.billing.services import credit_note as module

    invoice = _issued_march(order, actors)

    def broken(_doc):
        raise ValueError("PDF impossible")

    monkeypatch.setattr(module.facturx, "build_facturx_pdf", broken)
    with pytest.raises(
        services.BillingError, match="L'avoir annulant la facture 2023-00001 ne peut pas être établi"
    ):
        services.invoice_reject(invoice=invoice, user=actors["region_user"], reason="Erreur", today=APRIL_12)
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.ISSUED
    assert not CreditNote.objects.exists()
    assert not hasattr(invoice, "rejection") or not Invoice.objects.filter(rejection__isnull=False).exists()
    assert InvoiceCounter.objects.get().last_number == 1


def test_credit_note_in_the_invoice_and_order_histories_and_the_journal(order, actors):  # noqa: F811
    from formarche.accounts.models import Membership
    from formarche.accounts.tenancy import Tenant
    from formarche.audit.selectors import journal_entries, journal_rows

    invoice = _issued_march(order, actors)
    services.invoice_reject(invoice=invoice, user=actors["region_user"], reason="Erreur", today=APRIL_12)
    assert any(e.what == "Avoir 2023-00002 : création" for e in invoice_audit(invoice))
    assert any(e.what == "Avoir 2023-00002 : création" for e in order_audit(order))
    membership = Membership.objects.get(user=actors["of_user"])
    tenant = Tenant(
        membership_id=membership.pk,
        organisation_id=membership.organisation_id,
        role=membership.role,
        user_id=membership.user_id,
    )
    entries = journal_entries(list(journal_rows(tenant)))
    assert any(e.kind == "avoir" for e in entries)


def test_bpf_counts_the_period_once_after_rejection_credit_note_and_reissue(order, actors):  # noqa: F811
    """The BPF's products are accrued from hours; its invoices (checks) leave the cancelled one
    out: invoice + avoir net to 0, the reissued invoice is counted once, no « facture en double »."""
    from formarche.bpf.loading import bpf_inputs
    from formarche.bpf.models import FiscalYear

    invoice = _issued_march(order, actors)
    fy = FiscalYear.objects.create(
        organisation=actors["provider"], start=dt.date(2023, 1, 1), end=dt.date(2023, 12, 31)
    )
    before = bpf_inputs(fy)
    services.invoice_reject(invoice=invoice, user=actors["region_user"], reason="Erreur", today=APRIL_12)
    second = services.invoice_issue(period=invoice.period, user=actors["of_user"], today=dt.date(2023, 4, 13))
    after = bpf_inputs(fy)
    assert [i.number for i in after.invoices] == [second.number]
    assert (
        sum(i.amount_ht for i in after.invoices)
        == sum(i.amount_ht for i in before.invoices)
        == invoice.billed_ht
    )
    assert [(p.amount, p.c_line) for p in after.products] == [(p.amount, p.c_line) for p in before.products]

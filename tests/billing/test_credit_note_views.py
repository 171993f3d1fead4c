"""The avoir on screen (ADR 0019): the Région rejects from the invoice page → the avoir appears in
the OF's and the Région's invoice lists, the action's Factures tab, A facturer and the invoice
detail (« Avoir n° … annulant la facture n° … »), with its PDF and its Factur-X XML; another OF
gets 404; the lists stay at a constant number of queries; the OF then issues a new invoice."""

import html
import re

import facturx as facturx_lib
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from formarche.billing import services
from formarche.billing.models import CreditNote, Invoice, InvoiceStatus
from tests.billing.workflow import sign_unchecked

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return (
        html.unescape(re.sub(r"<[^>]+>", "", response.content.decode()))
        .replace("\u202f", " ")
        .replace("\xa0", " ")
    )


def _reject_from_the_page(client, world, reason="Heures de mars erronées"):
    invoice = sign_unchecked(world.objects["invoice"], world.users["of1_staff"])
    client.force_login(world.users["region_a_officer"])
    client.post(reverse("billing:invoice_reject", kwargs={"invoice_id": invoice.pk}), {"reason": reason})
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.REJECTED
    return invoice, CreditNote.objects.get(invoice=invoice)


def test_region_rejects_and_the_avoir_is_on_every_page(client, world):
    invoice, credit = _reject_from_the_page(client, world)
    label = f"Avoir n° {credit.number} annulant la facture n° {invoice.number}"
    detail_url = reverse("billing:invoice", kwargs={"invoice_id": invoice.pk})
    for user in ("region_a_officer", "of1_staff"):
        client.force_login(world.users[user])
        detail = text(client.get(detail_url))
        assert label in detail and "Télécharger l'avoir (PDF Factur-X)" in detail
        assert "Heures de mars erronées" in detail
        assert f"Avoir {credit.number} : création" in detail  # the invoice's history
        listing = text(client.get(reverse("billing:region_invoices") + "?statut=toutes"))
        assert label in listing
        tab = text(client.get(reverse("billing:invoices_tab", kwargs={"order_id": invoice.order_id})))
        assert label in tab
    to_issue = text(client.get(reverse("billing:to_issue", kwargs={"order_id": invoice.order_id})))
    assert f"annulée par l'avoir n° {credit.number}" in to_issue and "Emettre la facture" in to_issue


def test_avoir_pdf_and_xml_downloads(client, world):
    invoice, credit = _reject_from_the_page(client, world)
    client.force_login(world.users["of1_staff"])
    pdf = client.get(reverse("billing:credit_note_pdf", kwargs={"invoice_id": invoice.pk}))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    body = b"".join(pdf.streaming_content)
    assert body.startswith(b"%PDF-")
    xml = client.get(reverse("billing:credit_note_xml", kwargs={"invoice_id": invoice.pk}))
    assert xml.status_code == 200 and xml["Content-Type"] == "application/xml"
    assert f"Avoir_{credit.number}_factur-x.xml" in xml["Content-Disposition"]
    # the XML served is the one embedded in the avoir's PDF, byte for byte
    _name, embedded = facturx_lib.get_xml_from_pdf(body, check_xsd=False)
    assert xml.content == embedded
    assert b"<ram:TypeCode>381</ram:TypeCode>" in xml.content
    assert f"<ram:IssuerAssignedID>{invoice.number}</ram:IssuerAssignedID>".encode() in xml.content


def test_no_avoir_for_a_live_invoice_redirects_with_a_message(client, world):
    invoice = world.objects["invoice"]
    client.force_login(world.users["of1_staff"])
    for name in ("credit_note_pdf", "credit_note_xml"):
        response = client.get(reverse(f"billing:{name}", kwargs={"invoice_id": invoice.pk}), follow=True)
        assert "aucun avoir n'a été établi" in text(response)


def test_another_of_cannot_reach_the_avoir(client, world):
    invoice, _credit = _reject_from_the_page(client, world)
    client.force_login(world.users["of2_manager"])
    for name in ("credit_note_pdf", "credit_note_xml", "invoice"):
        assert client.get(reverse(f"billing:{name}", kwargs={"invoice_id": invoice.pk})).status_code == 404


def test_the_of_reissues_after_the_avoir(client, world):
    invoice, credit = _reject_from_the_page(client, world)
    client.force_login(world.users["of1_manager"])
    period = invoice.period.month.strftime("%Y-%m")
    response = client.post(reverse("billing:issue", kwargs={"order_id": invoice.order_id, "period": period}))
    assert response.status_code == 302
    new = Invoice.objects.live().get(period=invoice.period)
    assert new.replaces == invoice and new.sequence == credit.sequence + 1
    detail = text(client.get(reverse("billing:invoice", kwargs={"invoice_id": new.pk})))
    assert f"la facture rejetée {invoice.number}, annulée par l'avoir n° {credit.number}" in detail


def test_lists_with_avoirs_take_a_constant_number_of_queries(client, world):
    client.force_login(world.users["region_a_officer"])
    order = world.objects["order"]
    urls = [
        reverse("billing:region_invoices") + "?statut=toutes",
        reverse("billing:invoices_tab", kwargs={"order_id": order.pk}),
    ]

    def counts():
        out = []
        for url in urls:
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url).status_code == 200
            out.append(len(queries))
        return out

    invoice = world.objects["invoice"]
    services.invoice_reject(invoice=invoice, user=world.users["region_a_officer"], reason="Erreur 1")
    second = services.invoice_issue(period=invoice.period, user=world.users["of1_manager"])
    before = counts()
    services.invoice_reject(invoice=second, user=world.users["region_a_officer"], reason="Erreur 2")
    services.invoice_issue(period=invoice.period, user=world.users["of1_manager"])
    assert counts() == before


def test_an_imported_avoir_without_pdf_says_so(client, world):
    invoice, credit = _reject_from_the_page(client, world)
    CreditNote.objects.filter(pk=credit.pk).update(document="")
    client.force_login(world.users["of1_staff"])
    response = client.get(reverse("billing:credit_note_pdf", kwargs={"invoice_id": invoice.pk}), follow=True)
    assert f"L'avoir n° {credit.number} a été importé d'un autre système sans son PDF" in text(response)

"""The demo world (issue #18): a rejected invoice with its credit note, visible on screen."""

import html
import re

import pytest
from django.test import override_settings
from django.urls import reverse

from formarche.accounts.demo import build_demo_world
from formarche.billing.demo_credit import REJECTION_REASON, populate_credit
from formarche.billing.models import CreditNote, Invoice, InvoiceStatus
from formarche.orders.demo import AUDE_ORDER

pytestmark = pytest.mark.django_db


def _text(response) -> str:
    return (
        html.unescape(re.sub(r"<[^>]+>", "", response.content.decode()))
        .replace("\u202f", " ")
        .replace("\xa0", " ")
    )


@override_settings(DEBUG=True)
def test_the_demo_has_a_rejected_invoice_with_its_credit_note_on_screen(client):
    world = build_demo_world()
    credit = CreditNote.objects.get(order__number=AUDE_ORDER)
    rejected = credit.invoice
    assert rejected.status == InvoiceStatus.REJECTED and rejected.rejection.reason == REJECTION_REASON
    reissued = Invoice.objects.live().get(period=rejected.period)
    assert reissued.replaces == rejected and reissued.status == InvoiceStatus.ISSUED
    # one sequence, in order of issue: the seed's two invoices, then this one, its avoir, its reissue
    assert (rejected.number, credit.number, reissued.number) == ("2023-00003", "2023-00004", "2023-00005")
    assert credit.issue_date.isoformat() == "2023-10-12" and credit.payable_ttc == rejected.payable_ttc
    assert credit.document  # its PDF (Factur-X 381) is stored
    # idempotent
    assert populate_credit(world).pk == credit.pk
    # (the reopen demo annuls a solde invoice: its own avoir, on another order)
    assert CreditNote.objects.filter(order=rejected.order).count() == 1
    assert Invoice.objects.filter(order=rejected.order).count() == 2

    label = "Avoir n° 2023-00004 annulant la facture n° 2023-00003"
    for email in ("of@demo.formarche.fr", "region@demo.formarche.fr"):
        assert client.login(username=email, password="demo-formarche"), email
        detail = _text(client.get(reverse("billing:invoice", kwargs={"invoice_id": rejected.pk})))
        assert label in detail and "Heures de septembre à corriger" in detail
        listing = _text(client.get(reverse("billing:region_invoices") + "?statut=toutes"))
        assert label in listing
        pdf = client.get(reverse("billing:credit_note_pdf", kwargs={"invoice_id": rejected.pk}))
        assert pdf.status_code == 200
        client.logout()

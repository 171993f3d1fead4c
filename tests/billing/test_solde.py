"""VSF / Solde: not available before the CREF is issued (and says why); the engine's figures on the
page; the OF issues it — positive, a « Solde » invoice (same numbering, Factur-X, signed upload
named ``…_SOLDE.pdf``) the Région validates and pays; negative, a titre de reversement the Région
records as received. Penalties and bonuses enter it and are frozen with it."""

import datetime as dt
import html
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from formarche.billing import facturx, selectors, services
from formarche.billing.models import Invoice, InvoiceStatus, Solde
from tests.billing.closing_helpers import close_order
from tests.billing.pki import make_pki, sign_pdf
from tests.billing.stages import paid_march, pdf_bytes, seed_with_cref, trust
from tests.billing.workflow import APRIL, MARCH, add_month, validate
from tests.factories import OrderFactory

pytestmark = pytest.mark.django_db
D = Decimal


def text(response) -> str:
    return html.unescape(response.content.decode()).replace("\u202f", " ")


def solde_url(order, name="solde"):
    return reverse(f"billing:{name}", kwargs={"order_id": order.pk})


def test_not_available_until_the_cref_is_issued(client, world):
    order = world.objects["order"]  # March validated and invoiced, action open
    client.force_login(world.users["of1_manager"])
    page = text(client.get(solde_url(order)))
    assert "Le solde n'est pas encore disponible" in page and "Le CRE final n'est pas validé" in page
    assert "Émettre le solde" not in page
    client.post(solde_url(order, "solde_issue"))
    assert not Solde.objects.exists()
    with pytest.raises(services.BillingError, match="pas encore disponible"):
        services.solde_issue(order=order, user=world.users["of1_manager"])


def test_the_seed_solde_pays_the_regulated_part(client, world, settings, tmp_path):
    order, cref = seed_with_cref(world)
    of_user, officer = world.users["of1_manager"], world.users["region_a_officer"]
    client.force_login(officer)
    page = text(client.get(solde_url(order)))
    for figure in ["55 011,60", "11 564,00", "34 692,00", "46 256,00", "8 755,60"]:
        assert figure in page, figure
    assert "Émettre le solde" not in page  # the OF issues it

    client.force_login(of_user)
    response = client.post(solde_url(order, "solde_issue"), follow=True)
    assert "Le solde a été émis" in text(response)
    solde = Solde.objects.get(order=order)
    assert (solde.amount_due, solde.total_paid, solde.balance_ht, solde.balance_ttc) == (
        D("55011.60"),
        D("46256.00"),
        D("8755.60"),
        D("8755.60"),
    )
    assert solde.instalments_paid == D("34692.00") and not solde.is_repayment_order
    invoice = Invoice.objects.get(solde=solde)
    assert invoice.support == "Solde" and invoice.period is None and invoice.payable_ttc == D("8755.60")
    assert invoice.billed_ht == 0  # nothing billed on top of the CRE / CREF facturable amounts
    assert (
        invoice.sequence == cref.sequence + 1
        and invoice.year == dt.date.today().year
        or invoice.sequence == 1
    )
    assert invoice.period_label == "Solde"

    xml = facturx.build_facturx_xml(selectors.invoice_document(invoice)).decode()
    for tag, value in [
        ("LineTotalAmount", "55011.60"),
        ("TaxBasisTotalAmount", "55011.60"),
        ("GrandTotalAmount", "55011.60"),
        ("TotalPrepaidAmount", "46256.00"),
        ("DuePayableAmount", "8755.60"),
    ]:
        assert f"<ram:{tag}>{value}</ram:{tag}>" in xml, tag
    assert "Solde de la commande (VSF)" in xml and 'unitCode="C62"' in xml
    assert pdf_bytes(invoice.document).startswith(b"%PDF-")

    # Signed upload named …_SOLDE.pdf [design], then the Région validates and pays.
    pki = trust(make_pki("AC solde", "Claire Martin"), tmp_path, settings)
    expected = selectors.invoice_expected_filename(invoice)
    assert expected == f"{order.number}_{world.of1.name.upper()}_SOLDE.pdf"
    signed = sign_pdf(pdf_bytes(invoice.document), pki)
    upload = reverse("billing:upload_signed", kwargs={"invoice_id": invoice.pk})
    wrong = client.post(
        upload, {"signed_pdf": SimpleUploadedFile(expected.replace("SOLDE", "CRE FINAL"), signed)}
    )
    assert wrong.status_code == 400
    ok = client.post(upload, {"signed_pdf": SimpleUploadedFile(expected, signed)}, follow=True)
    assert "La facture signée a correctement été enregistrée pour la facture Solde." in text(ok)
    invoice = services.invoice_validate(invoice=Invoice.objects.get(pk=invoice.pk), user=officer)
    services.payment_record(invoice=invoice, user=officer, date=dt.date.today(), amount=D("8755.60"))
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PAID
    page = text(client.get(solde_url(order)))
    assert "Solde émis le" in page and invoice.number in page
    # Issued: frozen, no second solde, adjustments closed.
    with pytest.raises(services.BillingError, match="déjà émis"):
        services.solde_issue(order=order, user=of_user)
    with pytest.raises(services.BillingError, match="solde est émis"):
        services.adjustment_add(
            order=order, user=officer, kind="bonus", label="Tard", amount=D("1.00"), reason="Trop tard."
        )


def test_penalties_and_bonus_enter_the_solde_and_the_invoice(world):
    order, _ = seed_with_cref(world, pay_cref=False)
    officer = world.users["region_a_officer"]
    services.adjustment_add(
        order=order,
        user=officer,
        kind="penalite",
        label="Bilans tardifs",
        amount=D("1000.00"),
        reason="3 mois.",
    )
    services.adjustment_add(
        order=order, user=officer, kind="bonus", label="Insertion", amount=D("200.00"), reason="8 CDI."
    )
    solde = services.solde_issue(order=order, user=world.users["of1_manager"])
    assert (solde.bonus, solde.penalties, solde.balance_ht) == (D("200.00"), D("1000.00"), D("7955.60"))
    assert [a["label"] for a in solde.data["adjustments"]] == ["Bilans tardifs", "Insertion"]
    document = selectors.invoice_document(Invoice.objects.get(solde=solde))
    assert (document.allowance_total, document.amount_paid, document.amount_due) == (
        D("800.00"),
        D("46256.00"),
        D("7955.60"),
    )
    assert any("Bilans tardifs" in note and "3 mois." in note for note in document.notes)
    xml = facturx.build_facturx_xml(document).decode()
    assert "<ram:AllowanceTotalAmount>800.00</ram:AllowanceTotalAmount>" in xml


def test_rejected_solde_invoice_is_issued_again_with_the_same_figures(world):
    order, _ = seed_with_cref(world, pay_cref=False)
    of_user = world.users["of1_manager"]
    solde = services.solde_issue(order=order, user=of_user)
    first = Invoice.objects.get(solde=solde)
    services.invoice_reject(invoice=first, user=world.users["region_a_officer"], reason="Adresse erronée.")
    assert services.solde_issue(order=order, user=of_user).pk == solde.pk
    second = Invoice.objects.live().get(solde=solde)
    assert (
        second.replaces == first and second.payable_ttc == first.payable_ttc and second.number != first.number
    )
    # the rejected solde invoice is cancelled by its avoir (ADR 0019), same amounts, positive
    credit = first.credit_note
    assert credit.payable_ttc == first.payable_ttc > 0 and credit.sequence == first.sequence + 1
    assert second.sequence == credit.sequence + 1


def test_a_negative_solde_is_a_repayment_order(client, world):
    """Realisation stuck at 33,92 %: the unresorbed advance (11 564,00 − 5 365,07) is paid back."""
    of_user, officer = world.users["of1_manager"], world.users["region_a_officer"]
    order = OrderFactory(number="23Q00030612_2", region=world.region_a, provider=world.of1, referent=officer)
    add_month(order, MARCH, [D("831"), D("831")])
    paid_march(order, of_user=of_user, region_user=officer)
    close_order(order, of_user=of_user, region_user=officer)
    april = validate(order, APRIL, of_user, is_final=True)  # no hours in April
    assert april.statement.total_ht == 0
    services.invoice_issue(period=april, user=of_user, today=dt.date(2023, 8, 8))
    client.force_login(of_user)
    client.post(solde_url(order, "solde_issue"))
    solde = Solde.objects.get(order=order)
    assert (
        solde.is_repayment_order
        and solde.balance_ht == D("-6198.93")
        and solde.repayment_amount == D("6198.93")
    )
    assert (solde.amount_due, solde.total_paid) == (D("19611.60"), D("25810.53"))
    assert not Invoice.objects.filter(solde=solde).exists()
    assert pdf_bytes(solde.repayment_document).startswith(b"%PDF-")
    pdf = client.get(solde_url(order, "repayment_pdf"))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    page = text(client.get(solde_url(order)))
    assert "Titre de reversement" in page and "6 198,93" in page and "non encore reçu" in page
    # Only the Région records it as received, once.
    assert client.post(solde_url(order, "repayment_received"), {"date": "2023-10-02"}).status_code == 403
    client.force_login(officer)
    too_early = client.post(solde_url(order, "repayment_received"), {"date": "2023-10-02"}, follow=True)
    assert "précède l'émission du titre de reversement" in text(too_early)
    today = dt.date.today()
    response = client.post(
        solde_url(order, "repayment_received"), {"date": today.isoformat(), "reference": "TR-42"}
    )
    assert response.status_code == 302
    solde.refresh_from_db()
    assert solde.repayment_received_on == today and solde.repayment_reference == "TR-42"
    with pytest.raises(services.BillingError, match="déjà enregistré"):
        services.solde_repayment_record(solde=solde, user=officer, date=today)


def test_other_organisations_see_no_solde(client, world):
    order, _ = seed_with_cref(world, pay_cref=False)
    services.solde_issue(order=order, user=world.users["of1_manager"])
    for user in ["of2_manager", "region_b_officer"]:
        client.force_login(world.users[user])
        assert client.get(solde_url(order)).status_code == 404
        assert client.post(solde_url(order, "solde_issue")).status_code in (403, 404)

"""The CRE final (CREF) end to end on the seed order: refused with what is missing while the action
is open, validated as « CRE final » once it is closed, its statement, PDF, « A facturer » line,
Factur-X invoice and the signed upload named ``…_CRE FINAL.pdf``."""

import html
import shutil
import subprocess
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from formarche.billing import facturx, selectors, services
from formarche.billing.models import Invoice, InvoiceStatus, Period
from tests.billing.closing_helpers import close_order
from tests.billing.pki import make_pki, sign_pdf
from tests.billing.stages import paid_march, pdf_bytes, trust
from tests.billing.workflow import APRIL, seed_order

pytestmark = pytest.mark.django_db
D = Decimal
NNBSP = "\u202f"
CREF_FIGURES = ["4 662,00", "95,14 %", "35 400,00", "-8 755,60", "-6 198,93", "20 445,47", "25 810,53"]


def text(response) -> str:
    return html.unescape(response.content.decode()).replace(NNBSP, " ")


@pytest.fixture(scope="module")
def pki():
    return make_pki("AC formarche tests CREF", "Claire Martin")


@pytest.fixture
def seed(world):
    world.of1.provider_code = "IN1331"
    world.of1.save()
    order = seed_order(region=world.region_a, provider=world.of1, referent=world.users["region_a_officer"])
    paid_march(order, of_user=world.users["of1_manager"], region_user=world.users["region_a_officer"])
    return order


def url(name, order, **kwargs):
    return reverse(f"billing:{name}", kwargs={"order_id": order.pk, **kwargs})


def test_cref_end_to_end_on_a_closed_action(client, world, seed, pki, tmp_path, settings):
    order = seed
    trust(pki, tmp_path, settings)
    client.force_login(world.users["of1_staff"])

    # 1. While the action is open, the tab and the refusal say precisely what is missing.
    tab = text(client.get(url("validations", order)))
    assert "CRE final : pas encore possible" in tab
    assert "2 stagiaires sans date de sortie" in tab and "Date de fin réelle manquante" in tab
    refused = text(
        client.post(url("validate_period", order, period="2023-04"), {"is_final": "on"}, follow=True)
    )
    assert "ne peut être validée qu'une fois l'action fermée" in refused
    assert "2 bilans non validés" in refused and "La fermeture de l'action" in refused
    assert not Period.objects.filter(order=order, month=APRIL, status="validee").exists()

    # 2. Closed: the last month can only be the CRE final (the box comes ticked).
    close_order(order, of_user=world.users["of1_manager"], region_user=world.users["region_a_officer"])
    tab = text(client.get(url("validations", order)))
    assert "validez sa dernière période comme" in tab and 'name="is_final" id="final-2023-04" checked' in tab
    plain = text(client.post(url("validate_period", order, period="2023-04"), follow=True))
    assert "Validez-la comme CRE final" in plain
    done = text(client.post(url("validate_period", order, period="2023-04"), {"is_final": "on"}, follow=True))
    assert "La période Avril 2023 a été validée" in done
    april = Period.objects.get(order=order, month=APRIL)
    assert april.is_final and april.statement.kind == "CRE final"

    # 3. The statement (screen and PDF) and the « A facturer » line carry « CRE final ».
    page = text(client.get(url("statement", order, period="2023-04")))
    assert "Compte-rendu d'exécution final" in page
    for figure in CREF_FIGURES:
        assert figure in page, figure
    pdf = client.get(url("statement_pdf", order, period="2023-04"))
    assert pdf["Content-Type"] == "application/pdf" and "CRE_final" in pdf["Content-Disposition"]
    if shutil.which("pdftotext"):
        layout = subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf.content, capture_output=True)
        content = layout.stdout.decode().replace(NNBSP, " ")
        assert "Compte-rendu d'exécution final (CREF) — Avril 2023" in content and "20 445,47" in content
    to_issue = text(client.get(url("to_issue", order)))
    assert "CRE final" in to_issue and "35 400,00" in to_issue

    # 4. Issuing: the invoice, its PDF and Factur-X say « CRE final ».
    client.post(url("issue", order, period="2023-04"))
    invoice = Invoice.objects.get(period=april)
    assert (invoice.support, invoice.billed_ht, invoice.payable_ttc) == (
        "CRE final",
        D("35400.00"),
        D("20445.47"),
    )
    document = selectors.invoice_document(invoice)
    assert document.support_label == "Compte-rendu d'exécution final (CREF)"
    xml = facturx.build_facturx_xml(document).decode()
    assert "Compte-rendu d'exécution final (CREF) – période Avril 2023" in xml
    assert "<ram:DuePayableAmount>20445.47</ram:DuePayableAmount>" in xml
    assert pdf_bytes(invoice.document).startswith(b"%PDF-")
    invoices_tab = text(client.get(url("invoices_tab", order)))
    assert "CRE final" in invoices_tab and "20 445,47" in invoices_tab

    # 5. The signed upload must be named « N° BDC_ORGANISME_CRE FINAL.pdf ».
    expected = selectors.invoice_expected_filename(invoice)
    assert expected.startswith(f"{order.number}_") and expected.endswith("_CRE FINAL.pdf")
    signed = sign_pdf(pdf_bytes(invoice.document), pki)
    upload_url = reverse("billing:upload_signed", kwargs={"invoice_id": invoice.pk})
    monthly_name = expected.replace("CRE FINAL", "CRE AVRIL 2023")
    wrong = client.post(upload_url, {"signed_pdf": SimpleUploadedFile(monthly_name, signed)})
    assert wrong.status_code == 400 and "CRE FINAL.pdf" in text(wrong)
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.ISSUED
    ok = client.post(upload_url, {"signed_pdf": SimpleUploadedFile(expected, signed)}, follow=True)
    assert "La facture signée a correctement été enregistrée pour la facture Avril 2023." in text(ok)
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.SIGNED and invoice.signature_report["chain_valid"]


def test_the_cref_month_is_the_real_end_month(world, seed):
    order = seed
    close_order(order, of_user=world.users["of1_manager"], region_user=world.users["region_a_officer"])
    with pytest.raises(services.BillingError, match="mois de la fin réelle"):
        services.period_validate(
            order=order, month=APRIL.replace(month=3), user=world.users["of1_manager"], is_final=True
        )

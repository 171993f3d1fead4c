"""Issue #19: billing, documents and BPF through the API, with the apps' services (the same
refusals as the pages, in French, nothing changed)."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from formarche.billing.models import Invoice, InvoiceStatus, Payment, Rejection
from formarche.documents.models import Document
from tests.api.tokens import api_client
from tests.factories import AttendanceFactory

pytestmark = pytest.mark.django_db


def test_the_region_decides_and_pays_through_the_billing_services(world):
    invoice = world.objects["invoice"]
    region = api_client(world, "region_a_officer", ["billing:write"])
    url = f"/api/invoices/{invoice.pk}/"
    # issued, not signed: the validation is refused, nothing changes
    response = region.post(f"{url}validate/")
    assert response.status_code == 400 and "ne peut pas être validée" in response.json()["detail"]
    assert Invoice.objects.get(pk=invoice.pk).status == InvoiceStatus.ISSUED
    # the OF never decides, whatever its token
    of = api_client(world, "of1_manager")
    response = of.post(f"{url}validate/")
    assert response.status_code == 403 and "Seule la Région" in response.json()["detail"]
    Invoice.objects.filter(pk=invoice.pk).update(
        status=InvoiceStatus.SIGNED, received_on=dt.date(2023, 4, 6)
    )  # the OF signed it
    response = region.post(f"{url}reject/", {"reason": "  "}, format="json")
    assert response.status_code == 400 and "motif du rejet" in str(response.json())
    assert not Rejection.objects.filter(invoice=invoice).exists()
    response = region.post(f"{url}validate/")
    assert response.status_code == 200 and response.json()["status"] == InvoiceStatus.VALIDATED
    assert Invoice.objects.get(pk=invoice.pk).decided_by == world.users["region_a_officer"]
    response = region.post(f"{url}reject/", {"reason": "Trop tard"}, format="json")
    assert response.status_code == 400 and "ne peut pas être rejetée" in response.json()["detail"]
    # payments: bad input refused in French, a double POST recorded once
    for bad in (
        {"date": "2023-05-02", "amount": "douze"},
        {"amount": "10"},
        {"date": "02/05", "amount": "1"},
    ):
        response = region.post(f"{url}payments/", bad, format="json")
        assert response.status_code == 400, bad
    assert not Payment.objects.filter(invoice=invoice).exists()
    payment = {"date": "2023-05-02", "amount": "50.00", "reference": "MANDAT-1"}
    response = region.post(f"{url}payments/", payment, format="json")
    assert response.status_code == 201 and response.json()["amount"] == "50.00", response.json()
    response = region.post(f"{url}payments/", payment, format="json")
    assert response.status_code == 400 and "vient d'être enregistré" in response.json()["detail"]
    assert Payment.objects.filter(invoice=invoice).count() == 1
    listed = region.get(f"/api/payments/?invoice={invoice.pk}").json()["results"]
    assert [p["reference"] for p in listed] == ["MANDAT-1"]
    # a read-only token reads and does not decide
    reader = api_client(world, "region_a_officer", ["billing:read"])
    assert reader.get(url).json()["payments"][0]["reference"] == "MANDAT-1"
    assert reader.post(f"{url}payments/", payment, format="json").status_code == 403


def test_periods_statements_invoice_files(world):
    client = api_client(world, "of1_manager", ["billing:read"])
    period = world.objects["period"]
    listed = client.get(f"/api/periods/?order={period.order_id}&month=2023-03").json()["results"]
    assert [p["id"] for p in listed] == [period.pk] and listed[0]["has_statement"] is True
    detail = client.get(f"/api/periods/{period.pk}/").json()
    assert detail["month"] == "2023-03" and detail["statement"]["total_ttc"] == str(
        period.statement.total_ttc
    )
    response = client.get("/api/periods/?month=mars")
    assert response.status_code == 400 and "AAAA-MM" in response.json()["month"]
    invoice = world.objects["invoice"]
    pdf = client.get(f"/api/invoices/{invoice.pk}/pdf/")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    xml = client.get(f"/api/invoices/{invoice.pk}/facturx/")
    assert xml.status_code == 200 and xml["Content-Type"] == "application/xml"
    assert b"CrossIndustryInvoice" in xml.content and invoice.number.encode() in xml.content


def test_documents_upload_through_the_service(world):
    client = api_client(world, "of1_manager", ["documents:write"])
    order = world.objects["order"]
    count = Document.objects.count()
    upload = SimpleUploadedFile(
        "attestation.pdf", b"%PDF-1.4\n% attestation\n", content_type="application/pdf"
    )
    response = client.post(
        "/api/documents/", {"order": order.pk, "doc_type": "convention", "file": upload}, format="multipart"
    )
    assert response.status_code == 201, response.content
    document_id = response.json()["id"]
    download = client.get(f"/api/documents/{document_id}/download/")
    assert download.status_code == 200 and download.content.startswith(b"%PDF")
    bad = SimpleUploadedFile("virus.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
    response = client.post(
        "/api/documents/", {"order": order.pk, "doc_type": "convention", "file": bad}, format="multipart"
    )
    assert response.status_code == 400 and response.json()["detail"]
    foreign = SimpleUploadedFile("a.pdf", b"%PDF-1.4\n", content_type="application/pdf")
    response = client.post(
        "/api/documents/",
        {"order": world.objects["of2_order"].pk, "doc_type": "convention", "file": foreign},
        format="multipart",
    )
    assert response.status_code == 400 and "Action inconnue." in str(response.json()["order"])
    assert Document.objects.count() == count + 1


def test_bpf_cells_checks_exports(world):
    client = api_client(world, "of1_manager", ["bpf:read"])
    fy = world.objects["fiscal_year"]
    years = client.get("/api/bpf/fiscal-years/").json()
    assert [y["id"] for y in years] == [fy.pk]
    report = client.get(f"/api/bpf/fiscal-years/{fy.pk}/").json()
    assert report["fiscal_year"] == {"from": "2023-01-01", "to": "2023-12-31"} and report["cells"]
    checks = client.get(f"/api/bpf/fiscal-years/{fy.pk}/checks/").json()
    assert checks == report["checks"]
    csv = client.get(f"/api/bpf/fiscal-years/{fy.pk}/export.csv")
    assert csv.status_code == 200 and "attachment" in csv["Content-Disposition"]
    region = api_client(world, "region_a_officer")
    assert region.get("/api/bpf/fiscal-years/").status_code == 403  # no bpf scope for a Région
    assert dt.date(2023, 1, 1) == fy.start


def test_the_of_validates_a_month_and_issues_its_invoice_through_the_services(world):
    from formarche.billing.models import Period

    client = api_client(world, "of1_manager", ["billing:write"])
    order = world.objects["order"]
    periods, invoices = Period.objects.count(), Invoice.objects.count()
    for body, message in [
        ({"order": order.pk, "month": "mars"}, "AAAA-MM"),
        ({"order": world.objects["region_b_order"].pk, "month": "2023-04"}, "Action inconnue."),
        ({"order": order.pk, "month": "2099-01"}, "n'est pas terminée"),
    ]:
        response = client.post("/api/periods/validate/", body, format="json")
        assert response.status_code == 400 and message in str(response.json()), (body, response.json())
    response = client.post(f"/api/periods/{world.objects['period'].pk}/invoice/")
    assert response.status_code == 400 and "déjà émise" in response.json()["detail"]
    assert (Period.objects.count(), Invoice.objects.count()) == (periods, invoices)
    AttendanceFactory(enrolment=world.objects["enrolment"], day=dt.date(2023, 4, 3))
    response = client.post("/api/periods/validate/", {"order": order.pk, "month": "2023-04"}, format="json")
    assert response.status_code == 201, response.json()
    period = response.json()
    assert period["month"] == "2023-04" and period["status"] == "validee" and period["statement"] is not None
    response = client.post(f"/api/periods/{period['id']}/invoice/")
    assert response.status_code == 201, response.json()
    assert response.json()["period"] == period["id"] and response.json()["number"]
    region = api_client(world, "region_a_manager", ["billing:write"])
    response = region.post("/api/periods/validate/", {"order": order.pk, "month": "2023-05"}, format="json")
    assert response.status_code == 403

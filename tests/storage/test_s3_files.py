"""Every stored file in a real S3 server (moto, server mode): the issued invoice's PDF, the signed
invoice, a document, an import file — written through django-storages, read back through the
views byte for byte, private in the bucket, and never reachable without the right organisation."""

from __future__ import annotations

import urllib.error
import urllib.request

import pytest
from cryptography.hazmat.primitives import serialization
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from formarche.billing import selectors
from formarche.billing.models import Invoice, InvoiceStatus
from formarche.documents.models import Document, DocumentType
from formarche.imports import services as imports
from formarche.imports.models import ImportStatus
from formarche.imports.services.job_run import import_job_run
from tests.billing.pki import make_pki, sign_pdf
from tests.billing.workflow import MARCH, validate

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers"
AUTHENTICATED_USERS = "http://acs.amazonaws.com/groups/global/AuthenticatedUsers"


def body(response) -> bytes:
    return b"".join(response.streaming_content)


def anonymous_get(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=5) as answer:
            return answer.status
    except urllib.error.HTTPError as exc:
        return exc.code


@pytest.fixture(scope="module")
def pki():
    return make_pki("AC formarche stockage", "Jeanne Martin")


@pytest.fixture
def trusted(pki, tmp_path, settings):
    path = tmp_path / "racines.pem"
    path.write_bytes(pki.ca_certificate.public_bytes(serialization.Encoding.PEM))
    settings.FORMARCHE_SIGNATURE_TRUST_ROOTS = str(path)
    return pki


def test_the_issued_invoice_pdf_is_in_the_bucket_and_downloads_byte_identical(s3, world, login):
    invoice = world.objects["invoice"]  # issued by the world, after STORAGES went to S3
    key = invoice.document.name
    assert key.startswith("factures/emises/") and key in s3.keys()
    stored = s3.get(key)
    assert stored.startswith(b"%PDF-") and len(stored) > 10_000
    head = s3.client.head_object(Bucket=s3.name, Key=key)
    assert head["ContentType"] == "application/pdf"  # set by the server from the upload
    client = login(world.users["of1_manager"])
    response = client.get(reverse("billing:invoice_pdf", kwargs={"invoice_id": invoice.pk}))
    assert response.status_code == 200
    assert body(response) == stored
    assert "attachment" in response["Content-Disposition"]
    region = login(world.users["region_a_officer"])
    assert body(region.get(reverse("billing:invoice_pdf", kwargs={"invoice_id": invoice.pk}))) == stored


def test_an_invoice_issued_through_the_page_goes_to_the_bucket(s3, seeded, login):
    order, user = seeded
    validate(order, MARCH, user)
    client = login(user)
    response = client.post(reverse("billing:issue", kwargs={"order_id": order.pk, "period": "2023-03"}))
    assert response.status_code == 302
    invoice = Invoice.objects.get(order=order)
    assert s3.keys() == [invoice.document.name]
    download = client.get(reverse("billing:invoice_pdf", kwargs={"invoice_id": invoice.pk}))
    assert body(download) == s3.get(invoice.document.name)


def test_a_signed_invoice_uploaded_through_the_page_is_stored_in_the_bucket(
    s3, world, login, trusted, django_capture_on_commit_callbacks
):
    invoice = world.objects["invoice"]
    signed = sign_pdf(s3.get(invoice.document.name), trusted)
    client = login(world.users["of1_staff"])
    name = selectors.invoice_expected_filename(invoice)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("billing:upload_signed", kwargs={"invoice_id": invoice.pk}),
            {"signed_pdf": SimpleUploadedFile(name, signed, content_type="application/pdf")},
        )
    assert response.status_code == 302
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.SIGNED
    assert invoice.signed_file.name.startswith("factures/signees/")
    assert s3.get(invoice.signed_file.name) == signed
    download = client.get(reverse("billing:signed_pdf", kwargs={"invoice_id": invoice.pk}))
    assert download.status_code == 200 and body(download) == signed


def test_a_document_uploaded_through_the_page_is_stored_and_downloaded(s3, world, login):
    order = world.objects["order"]
    client = login(world.users["of1_staff"])
    response = client.post(
        reverse("documents:upload", kwargs={"order_id": order.pk}),
        {"doc_type": DocumentType.PROGRAMME, "file": SimpleUploadedFile("Programme.pdf", PDF)},
    )
    assert response.status_code == 302
    document = Document.objects.get(original_name="Programme.pdf")
    assert document.file.name.startswith(f"documents/{order.pk}/") and "Programme" not in document.file.name
    assert s3.get(document.file.name) == PDF
    download = client.get(
        reverse("documents:download", kwargs={"order_id": order.pk, "document_id": document.pk})
    )
    assert download.status_code == 200 and body(download) == PDF
    assert download["Content-Type"] == "application/pdf"


def test_an_import_file_is_stored_in_the_bucket_and_read_back_by_its_job(s3, world):
    order = world.objects["order"]
    trainee = world.objects["trainee"]
    trainee.external_ref = "T-1"
    trainee.save()
    content = (
        "numero_action;identifiant_stagiaire;date;realise;non_realise_comptabilise;motif\n"
        f"{order.number};T-1;07/03/2023;7;0;\n"
    ).encode()
    job = imports.import_job_create(
        organisation=world.of1,
        user=world.users["of1_staff"],
        kind="heures",
        file_name="heures.csv",
        content=content,
        run_inline=False,  # the background path: the job reads its file back from the storage
    )
    assert job.status == ImportStatus.PENDING
    assert job.file.name.startswith(f"imports/{world.of1.pk}/") and s3.get(job.file.name) == content
    job = import_job_run(job=job)
    assert job.status == ImportStatus.DONE, job.report
    assert "1 créées" in job.summary


def test_stored_objects_are_private_and_refused_to_an_anonymous_get(s3, world):
    document = world.objects["document"]
    invoice = world.objects["invoice"]
    for key in (invoice.document.name, document.file.name):
        grants = s3.client.get_object_acl(Bucket=s3.name, Key=key)["Grants"]
        grantees = {grant["Grantee"].get("URI") for grant in grants}
        assert ALL_USERS not in grantees and AUTHENTICATED_USERS not in grantees, grants
        assert [grant["Permission"] for grant in grants] == ["FULL_CONTROL"]  # the owner only
        assert anonymous_get(f"{s3.endpoint}/{s3.name}/{key}") == 403
    # The server does enforce ACLs on anonymous reads: an object made public is served to anyone.
    s3.client.put_object(Bucket=s3.name, Key="public.txt", Body=b"public", ACL="public-read")
    assert anonymous_get(f"{s3.endpoint}/{s3.name}/public.txt") == 200


def test_no_page_shows_a_storage_url(s3, world, login):
    invoice = world.objects["invoice"]
    order = world.objects["order"]
    pages = [
        reverse("billing:invoice", kwargs={"invoice_id": invoice.pk}),
        reverse("billing:invoices_tab", kwargs={"order_id": order.pk}),
        reverse("documents:action_documents", kwargs={"order_id": order.pk}),
        reverse("billing:invoice_pdf", kwargs={"invoice_id": invoice.pk}),
        reverse(
            "documents:download", kwargs={"order_id": order.pk, "document_id": world.objects["document"].pk}
        ),
    ]
    for user in ("of1_manager", "region_a_officer"):
        client = login(world.users[user])
        for url in pages:
            response = client.get(url)
            assert response.status_code == 200, url
            content = body(response) if response.streaming else response.content
            headers = str(dict(response.headers)).encode()
            for leak in (s3.name.encode(), s3.endpoint.encode(), b"X-Amz-Signature"):
                assert leak not in content and leak not in headers, (user, url, leak)


def test_another_organisation_and_an_anonymous_visitor_get_nothing(s3, world, login, client):
    invoice = world.objects["invoice"]
    order = world.objects["order"]
    document = world.objects["document"]
    stored = {s3.get(invoice.document.name), s3.get(document.file.name)}
    urls = [
        reverse("billing:invoice_pdf", kwargs={"invoice_id": invoice.pk}),
        reverse("documents:download", kwargs={"order_id": order.pk, "document_id": document.pk}),
        reverse(
            "documents:download",
            kwargs={"order_id": world.objects["of2_order"].pk, "document_id": document.pk},
        ),
    ]
    for url in urls:
        anonymous = client.get(url)
        assert anonymous.status_code == 302 and "/compte/" in anonymous["Location"], url
    for user in ("of2_manager", "region_b_officer"):
        other = login(world.users[user])
        for url in urls:
            response = other.get(url)
            assert response.status_code == 404, (user, url)
            assert not any(data in response.content for data in stored)

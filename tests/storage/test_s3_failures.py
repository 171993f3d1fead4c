"""S3 that cannot answer, against real servers: a dead port (nothing listens), a bucket that does not
exist (the server refuses), a server stopped after the write, an object deleted behind a row. A
write is refused in French and leaves nothing (no row, no number taken, no row naming a missing
object); a read gives a French page (404 or 503), never the error page."""

from __future__ import annotations

import html

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from formarche.billing import selectors, services
from formarche.billing.models import Invoice, InvoiceCounter, InvoiceStatus, Period
from formarche.documents.models import Document, DocumentType
from formarche.imports import services as imports
from formarche.imports.models import ImportJob
from tests.billing.workflow import APRIL, MARCH, sign_unchecked, validate
from tests.storage.conftest import create_bucket, s3_storages, start_moto

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
UNAVAILABLE = "le stockage des fichiers est indisponible"


def text(response) -> str:
    return html.unescape(response.content.decode())


def client_of(user) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


def issue_url(order, period):
    return reverse("billing:issue", kwargs={"order_id": order.pk, "period": period})


@pytest.mark.parametrize("failure", ["dead_port", "no_bucket"])
def test_issuance_refused_by_s3_leaves_the_invoice_unissued_and_its_number_free(
    s3, seeded, switch_storage, dead_endpoint, failure
):
    order, user = seeded
    march, april = validate(order, MARCH, user), validate(order, APRIL, user)
    first = services.invoice_issue(period=march, user=user)
    if failure == "dead_port":
        switch_storage(dead_endpoint, s3.name)
    else:
        switch_storage(s3.endpoint, "formarche-no-such-bucket")
    response = client_of(user).post(issue_url(order, "2023-04"), follow=True)
    page = text(response)
    assert response.status_code == 200
    assert f"Impossible d'enregistrer le PDF de la facture ({UNAVAILABLE}) : rien n'a été modifié" in page
    assert not Invoice.objects.filter(period=april).exists()
    assert InvoiceCounter.objects.get().last_number == 1  # the number was given back
    assert s3.keys() == [first.document.name]  # nothing half-written in the bucket
    switch_storage(s3.endpoint, s3.name)
    second = services.invoice_issue(period=Period.objects.get(pk=april.pk), user=user)
    assert second.sequence == first.sequence + 1  # no gap, no repeat
    assert s3.get(second.document.name).startswith(b"%PDF-")


def test_signed_upload_refused_by_s3_leaves_the_invoice_issued(s3, seeded, switch_storage, dead_endpoint):
    order, user = seeded
    invoice = services.invoice_issue(period=validate(order, MARCH, user), user=user)
    data = s3.get(invoice.document.name)
    switch_storage(dead_endpoint, s3.name)
    with pytest.raises(services.BillingError, match=UNAVAILABLE):
        services.invoice_upload_signed(
            invoice=invoice,
            data=data,
            filename=selectors.invoice_expected_filename(invoice),
            user=user,
            skip_signature_check_for_demo=True,
        )
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.ISSUED and not invoice.signed_file
    switch_storage(s3.endpoint, s3.name)
    assert s3.keys() == [invoice.document.name]
    assert sign_unchecked(invoice, user).status == InvoiceStatus.SIGNED


def test_document_upload_refused_by_s3_is_a_french_message_and_stores_nothing(
    s3, world, login, switch_storage, dead_endpoint
):
    order = world.objects["order"]
    count, keys = Document.objects.count(), s3.keys()
    switch_storage(dead_endpoint, s3.name)
    client = login(world.users["of1_staff"])
    response = client.post(
        reverse("documents:upload", kwargs={"order_id": order.pk}),
        {"doc_type": DocumentType.PROGRAMME, "file": SimpleUploadedFile("Programme.pdf", PDF)},
    )
    assert response.status_code == 422
    assert f"Le document n'a pas été enregistré ({UNAVAILABLE})" in text(response)
    assert Document.objects.count() == count
    switch_storage(s3.endpoint, s3.name)
    assert s3.keys() == keys


def test_import_refused_by_s3_is_a_french_message_and_records_no_job(
    s3, world, switch_storage, dead_endpoint
):
    order = world.objects["order"]
    count = ImportJob.objects.count()
    switch_storage(dead_endpoint, s3.name)
    content = (
        "numero_action;identifiant_stagiaire;date;realise;non_realise_comptabilise;motif\n"
        f"{order.number};T-1;07/03/2023;7;0;\n"
    ).encode()
    with pytest.raises(imports.ImportRefused, match=r"Le fichier n'a pas été enregistré \(le stockage"):
        imports.import_job_create(
            organisation=world.of1,
            user=world.users["of1_staff"],
            kind="heures",
            file_name="h.csv",
            content=content,
        )
    assert ImportJob.objects.count() == count


def test_a_missing_object_gives_the_french_not_found_page(s3, world):
    invoice = world.objects["invoice"]
    document = world.objects["document"]
    s3.client.delete_object(Bucket=s3.name, Key=invoice.document.name)
    s3.client.delete_object(Bucket=s3.name, Key=document.file.name)
    client = client_of(world.users["of1_manager"])
    for url in (
        reverse("billing:invoice_pdf", kwargs={"invoice_id": invoice.pk}),
        reverse("documents:download", kwargs={"order_id": invoice.order_id, "document_id": document.pk}),
    ):
        response = client.get(url)
        assert response.status_code == 404, url
        page = text(response)
        assert "Fichier introuvable" in page and 'lang="fr"' in page and "Une erreur est survenue" not in page


def test_a_stopped_server_gives_the_french_unavailable_page(seeded, settings):
    """Its own moto server, stopped after the invoice was written: the download is a French 503."""
    order, user = seeded
    server = start_moto(60)
    try:
        bucket = create_bucket(server.endpoint)
        settings.STORAGES = s3_storages(server.endpoint, bucket.name)
        invoice = services.invoice_issue(period=validate(order, MARCH, user), user=user)
        assert bucket.keys() == [invoice.document.name]
    finally:
        server.stop()
    response = client_of(user).get(reverse("billing:invoice_pdf", kwargs={"invoice_id": invoice.pk}))
    assert response.status_code == 503 and response["Retry-After"] == "60"
    page = text(response)
    assert f"Le fichier ne peut pas être lu pour le moment ({UNAVAILABLE})" in page
    assert 'lang="fr"' in page and "Une erreur est survenue" not in page


def test_a_missing_file_on_the_embedded_storage_gives_the_same_french_page(world):
    """The same page without S3 (the test settings' in-memory storage stands for the disk)."""
    document = world.objects["document"]
    document.file.storage.delete(document.file.name)
    url = reverse("documents:download", kwargs={"order_id": document.order_id, "document_id": document.pk})
    response = client_of(world.users["of1_staff"]).get(url)
    assert response.status_code == 404 and "Fichier introuvable" in text(response)

"""Uploads are checked on their bytes before anything is stored; the Région reads, OF 2 gets 404."""

import io
import zipfile

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from formarche.documents.checks import DocumentRejected, detect_kind
from formarche.documents.models import Document, DocumentType
from formarche.documents.services import document_upload
from tests.factories import signature_png
from tests.world import MARKER

PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = signature_png()
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 50
EXE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 100
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100


def _zip(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


DOCX = _zip({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document/>"})
XLSX = _zip({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<workbook/>"})
ODT = _zip({"mimetype": b"application/vnd.oasis.opendocument.text", "content.xml": b"<office/>"})
PLAIN_ZIP = _zip({"readme.txt": b"hello"})


@pytest.mark.parametrize(
    "data, name, content_type",
    [
        (PDF, "programme.pdf", "application/pdf"),
        (PNG, "piece.png", "image/png"),
        (JPEG, "photo.JPG", "image/jpeg"),
        (DOCX, "convention.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        (XLSX, "heures.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (ODT, "convention.odt", "application/vnd.oasis.opendocument.text"),
        (OLE2, "ancien.doc", "application/msword"),
        (OLE2, "ancien.xls", "application/vnd.ms-excel"),
    ],
)
def test_accepted_types_are_recognised_by_content(data, name, content_type):
    kind = detect_kind(data, name)
    assert kind is not None and kind.content_type == content_type


@pytest.mark.parametrize(
    "data, name, message",
    [
        (PNG, "convention.pdf", "son nom doit se terminer par .png"),
        (PDF, "photo.png", "son nom doit se terminer par .pdf"),
        (EXE, "programme.pdf", "n'est pas d'un type accepté"),
        (EXE, "setup.exe", "n'est pas d'un type accepté"),
        (PLAIN_ZIP, "archive.docx", "n'est pas d'un type accepté"),
        (DOCX, "convention.xlsx", "son nom doit se terminer par .docx"),
        (OLE2, "ancien.exe", "n'est pas d'un type accepté"),
        (b"", "vide.pdf", "Le fichier est vide"),
        (b"just text", "notes.txt", "n'est pas d'un type accepté"),
    ],
)
@pytest.mark.django_db
def test_refused_files_store_nothing(world, data, name, message):
    order = world.objects["order"]
    before_docs = Document.objects.count()
    before_files = sorted(default_storage.listdir(f"documents/{order.pk}")[1])
    with pytest.raises(DocumentRejected) as exc:
        document_upload(order=order, uploaded=data, name=name, doc_type=DocumentType.OTHER)
    assert message in exc.value.message
    assert Document.objects.count() == before_docs
    assert sorted(default_storage.listdir(f"documents/{order.pk}")[1]) == before_files


@pytest.mark.django_db
def test_over_size_is_refused_before_reading(world, settings):
    settings.FORMARCHE_DOCUMENT_MAX_BYTES = 1000
    upload = SimpleUploadedFile("gros.pdf", PDF + b"0" * 2000, content_type="application/pdf")
    with pytest.raises(DocumentRejected, match="taille maximale est de 1000 octets"):
        document_upload(order=world.objects["order"], uploaded=upload, doc_type=DocumentType.PROGRAMME)
    assert Document.objects.filter(original_name="gros.pdf").count() == 0


def reject_everything(data):
    raise DocumentRejected("Virus détecté (test).")


def broken_scanner(data):
    raise RuntimeError("scanner down")


@pytest.mark.django_db
def test_scanner_hook_can_refuse(world, settings):
    settings.FORMARCHE_DOCUMENT_SCANNER = "tests.documents.test_uploads.reject_everything"
    count = Document.objects.count()
    with pytest.raises(DocumentRejected, match="Virus détecté"):
        document_upload(order=world.objects["order"], uploaded=PDF, name="a.pdf", doc_type=DocumentType.OTHER)
    settings.FORMARCHE_DOCUMENT_SCANNER = "tests.documents.test_uploads.broken_scanner"
    with pytest.raises(DocumentRejected, match="analyse antivirus"):
        document_upload(order=world.objects["order"], uploaded=PDF, name="a.pdf", doc_type=DocumentType.OTHER)
    assert Document.objects.count() == count


@pytest.mark.django_db
def test_upload_page_stores_and_downloads(world, login):
    order = world.objects["order"]
    client = login(world.users["of1_staff"])
    url = reverse("documents:upload", kwargs={"order_id": order.pk})
    upload = SimpleUploadedFile("Programme détaillé.pdf", PDF, content_type="application/octet-stream")
    response = client.post(
        url, {"doc_type": DocumentType.PROGRAMME, "enrolment": world.objects["enrolment"].pk, "file": upload}
    )
    assert response.status_code == 302
    document = Document.objects.get(original_name="Programme détaillé.pdf")
    assert document.content_type == "application/pdf"
    assert document.size == len(PDF)
    assert document.uploaded_by == world.users["of1_staff"]
    assert document.enrolment == world.objects["enrolment"]
    assert document.history.count() == 1
    assert "Programme détaillé.pdf" not in document.file.name  # the stored path reveals nothing
    response = client.get(
        reverse("documents:download", kwargs={"order_id": order.pk, "document_id": document.pk})
    )
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert "attachment" in response["Content-Disposition"]


@pytest.mark.django_db
def test_upload_page_refusal_is_a_french_message(world, login):
    order = world.objects["order"]
    client = login(world.users["of1_staff"])
    upload = SimpleUploadedFile("photo.pdf", PNG, content_type="application/pdf")
    count = Document.objects.count()
    response = client.post(
        reverse("documents:upload", kwargs={"order_id": order.pk}),
        {"doc_type": DocumentType.OTHER, "file": upload},
    )
    assert response.status_code == 422
    assert "son nom doit se terminer par .png" in response.content.decode()
    assert Document.objects.count() == count


@pytest.mark.django_db
def test_region_reads_but_cannot_upload(world, login):
    order = world.objects["order"]
    document = world.objects["document"]
    client = login(world.users["region_a_officer"])
    page = client.get(reverse("documents:action_documents", kwargs={"order_id": order.pk}))
    assert page.status_code == 200
    body = page.content.decode()
    assert document.original_name in body
    assert "Déposer un document" not in body
    download = client.get(
        reverse("documents:download", kwargs={"order_id": order.pk, "document_id": document.pk})
    )
    assert download.status_code == 200
    response = client.post(
        reverse("documents:upload", kwargs={"order_id": order.pk}),
        {"doc_type": DocumentType.OTHER, "file": SimpleUploadedFile("a.pdf", PDF)},
    )
    assert response.status_code == 403


@pytest.mark.django_db
def test_other_of_gets_404(world, login):
    order = world.objects["order"]
    document = world.objects["document"]
    client = login(world.users["of2_manager"])
    for url in [
        reverse("documents:action_documents", kwargs={"order_id": order.pk}),
        reverse("documents:download", kwargs={"order_id": order.pk, "document_id": document.pk}),
        reverse(
            "documents:download",
            kwargs={"order_id": world.objects["of2_order"].pk, "document_id": document.pk},
        ),
    ]:
        response = client.get(url)
        assert response.status_code == 404
        assert MARKER not in response.content.decode(errors="replace")


@pytest.mark.django_db
def test_list_query_count_does_not_grow(world, login, django_assert_max_num_queries):
    order = world.objects["order"]
    client = login(world.users["of1_staff"])
    url = reverse("documents:action_documents", kwargs={"order_id": order.pk})
    client.get(url)
    with django_assert_max_num_queries(20) as first:
        client.get(url)
    for i in range(5):
        document_upload(order=order, uploaded=PDF, name=f"doc{i}.pdf", doc_type=DocumentType.OTHER)
    with django_assert_max_num_queries(len(first.captured_queries)):
        client.get(url)

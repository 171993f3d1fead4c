"""The signed upload must be the invoice formarche issued (issue #18): a validly signed PDF of
another invoice, or of our invoice edited then signed, is refused with the difference named in
French; our PDF signed as downloaded is accepted. Demo PKI as in ``test_views``."""

import dataclasses
import html
import io
import re

import facturx as facturx_lib
import pytest
from cryptography.hazmat.primitives import serialization
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from pypdf import PdfWriter
from pypdf.annotations import FreeText

from formarche.billing import facturx, selectors, services, signed_check
from formarche.billing.models import InvoiceStatus
from tests.billing.pki import make_pki, sign_pdf
from tests.billing.workflow import paid_march_and_validated_april, seed_order

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def pki():
    return make_pki("AC formarche tests", "Jeanne Martin")


@pytest.fixture
def trusted(pki, tmp_path, settings):
    path = tmp_path / "racines.pem"
    path.write_bytes(pki.ca_certificate.public_bytes(serialization.Encoding.PEM))
    settings.FORMARCHE_SIGNATURE_TRUST_ROOTS = str(path)
    return pki


def _pdf(field) -> bytes:
    with field.open("rb") as handle:
        return handle.read()


def _upload(client, invoice, data):
    return client.post(
        reverse("billing:upload_signed", kwargs={"invoice_id": invoice.pk}),
        {
            "signed_pdf": SimpleUploadedFile(
                selectors.invoice_expected_filename(invoice), data, content_type="application/pdf"
            )
        },
    )


def _refused(client, world, invoice, data) -> str:
    client.force_login(world.users["of1_staff"])
    response = _upload(client, invoice, data)
    assert response.status_code == 400
    page = html.unescape(response.content.decode()).replace("\u202f", " ").replace("\xa0", " ")
    assert "La facture signée n'a pas été enregistrée" in page
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.ISSUED and not invoice.signed_file
    return re.sub(r"\s+", " ", page)


def test_our_invoice_signed_as_downloaded_is_accepted(client, world, trusted):
    invoice = world.objects["invoice"]
    client.force_login(world.users["of1_staff"])
    response = _upload(client, invoice, sign_pdf(_pdf(invoice.document), trusted))
    assert response.status_code == 302
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.SIGNED


def test_the_signed_rejected_invoice_is_refused_for_its_replacement(client, world, trusted):
    """Same action, same month, same file name: the old (rejected) invoice signed is not the new one."""
    old = world.objects["invoice"]
    services.invoice_reject(invoice=old, user=world.users["region_a_officer"], reason="Erreur de SIRET")
    new = services.invoice_issue(period=old.period, user=world.users["of1_manager"])
    assert new.number != old.number
    page = _refused(client, world, new, sign_pdf(_pdf(old.document), trusted))
    assert f"Le fichier signé n'est pas la facture n° {new.number} émise par formarche" in page
    assert f"numéro de facture : « {new.number} » émis, « {old.number} » dans le fichier signé" in page


def test_a_signed_invoice_of_another_action_is_refused_with_its_amounts_named(client, world, trusted):
    invoice = world.objects["invoice"]
    other_order = seed_order(region=world.region_a, provider=world.of1, number="23Q99999999_1")
    paid_march_and_validated_april(
        other_order, of_user=world.users["of1_manager"], region_user=world.users["region_a_officer"]
    )
    other = other_order.invoices.get()
    page = _refused(client, world, invoice, sign_pdf(_pdf(other.document), trusted))
    assert "bon de commande : « " in page and "« 23Q99999999_1 » dans le fichier signé" in page
    assert "montant à payer TTC : " in page and "14 246,53 € dans le fichier signé" in page


def test_our_invoice_with_its_xml_replaced_then_signed_is_refused(client, world, trusted):
    invoice = world.objects["invoice"]
    original = _pdf(invoice.document)
    _name, xml = facturx_lib.get_xml_from_pdf(original, check_xsd=False)
    due = re.search(rb"<ram:DuePayableAmount>([0-9.]+)</ram:DuePayableAmount>", xml).group(1)
    forged_xml = xml.replace(
        b"<ram:DuePayableAmount>" + due + b"</ram:DuePayableAmount>",
        b"<ram:DuePayableAmount>99999.00</ram:DuePayableAmount>",
    )
    forged = facturx_lib.generate_from_binary(
        original, forged_xml, flavor="factur-x", level="en16931", check_xsd=False
    )
    page = _refused(client, world, invoice, sign_pdf(forged, trusted))
    assert "montant à payer TTC : " in page and "99 999,00 € dans le fichier signé" in page
    assert "numéro de facture" not in page  # only what differs is named


def test_our_invoice_with_the_page_edited_then_signed_is_refused(client, world, trusted):
    """The XML left as issued, the visible page changed (an amount written over it): the first
    revision of the signed file is no longer the issued PDF."""
    invoice = world.objects["invoice"]
    writer = PdfWriter(clone_from=io.BytesIO(_pdf(invoice.document)))
    writer.add_annotation(0, FreeText(text="Net à payer : 15 000,00 €", rect=(50, 50, 300, 80)))
    edited = io.BytesIO()
    writer.write(edited)
    edited = edited.getvalue()
    assert signed_check.embedded_facturx_xml(edited) == signed_check.embedded_facturx_xml(
        _pdf(invoice.document)
    )
    page = _refused(client, world, invoice, sign_pdf(edited, trusted))
    assert f"n'est pas, octet pour octet, le PDF de la facture n° {invoice.number}" in page
    assert "la page a été modifiée ou le fichier réenregistré avant d'être signé" in page


def test_a_signed_pdf_without_factur_x_is_refused(client, world, trusted):
    from tests.billing.pki import simple_pdf

    invoice = world.objects["invoice"]
    page = _refused(client, world, invoice, sign_pdf(simple_pdf(f"Facture n° {invoice.number}"), trusted))
    assert "ne contient pas la facture électronique (XML Factur-X)" in page


def test_xml_differences_name_each_field_with_both_values(world):
    invoice = world.objects["invoice"]
    doc = selectors.invoice_document(invoice)
    issued = facturx.build_facturx_xml(doc)
    other = facturx.build_facturx_xml(
        dataclasses.replace(doc, number="2023-09999", issue_date=doc.issue_date.replace(day=6))
    )
    differences = signed_check.xml_differences(issued, other)
    assert (
        differences[0]
        == f"numéro de facture : « {invoice.number} » émis, « 2023-09999 » dans le fichier signé"
    )
    assert differences[1] == "date d'émission : 05/04/2023 émis, 06/04/2023 dans le fichier signé"
    assert len(differences) == 2
    assert signed_check.xml_differences(issued, issued) == []
    assert signed_check.xml_differences(issued, b"<pas du xml") == [
        "le XML Factur-X du fichier signé est illisible"
    ]

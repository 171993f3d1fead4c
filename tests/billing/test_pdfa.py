"""The structural PDF/A-3b check (formarche.billing.facturx.pdfa, not veraPDF): the seed's
Factur-X passes it, and each kind of break is caught."""

from __future__ import annotations

import io

import facturx
import pytest
from pypdf import PdfReader, PdfWriter
from pypdf.generic import DictionaryObject, NameObject, TextStringObject

from formarche.billing.facturx import build_facturx_pdf, build_facturx_xml, render_invoice_pdf
from formarche.billing.facturx.pdfa import pdfa3_check, pdfa3_fonts
from tests.billing.test_facturx import seed_document


@pytest.fixture(scope="module")
def seed_pdf() -> bytes:
    return build_facturx_pdf(seed_document())


def _rewrite(data: bytes, change) -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    change(writer)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_the_seed_facturx_passes(seed_pdf):
    assert pdfa3_check(seed_pdf) == []
    assert pdfa3_fonts(seed_pdf) >= 1


def test_a_pdf_without_the_xml_is_refused():
    problems = pdfa3_check(render_invoice_pdf(seed_document()))
    assert any("factur-x.xml n'est pas dans /Names /EmbeddedFiles" in p for p in problems)
    assert any("fx" in p for p in problems)


def test_the_factur_x_library_alone_leaves_xmp_and_info_apart():
    """Why build_facturx_pdf aligns the XMP: the library's output breaks the equivalence rule."""
    doc = seed_document()
    raw = facturx.generate_from_binary(
        render_invoice_pdf(doc),
        build_facturx_xml(doc),
        flavor="factur-x",
        level="en16931",
        pdf_metadata={"author": "a", "keywords": "Factur-X", "title": "t", "subject": "s"},
        xmp_compression=False,
    )
    problems = pdfa3_check(raw)
    assert any("/Producer" in p for p in problems) and any("/Keywords" in p for p in problems)


def test_javascript_is_refused(seed_pdf):
    def add_js(writer):
        action = DictionaryObject(
            {
                NameObject("/S"): NameObject("/JavaScript"),
                NameObject("/JS"): TextStringObject("app.alert(1);"),
            }
        )
        writer._root_object[NameObject("/OpenAction")] = writer._add_object(action)

    problems = pdfa3_check(_rewrite(seed_pdf, add_js))
    assert any("JavaScript" in p for p in problems)


def test_encryption_is_refused(seed_pdf):
    problems = pdfa3_check(_rewrite(seed_pdf, lambda w: w.encrypt("", "owner", algorithm="AES-128")))
    assert any("chiffré" in p for p in problems)


def test_a_missing_af_relationship_is_refused(seed_pdf):
    def drop(writer):
        names = writer._root_object["/Names"]["/EmbeddedFiles"]["/Names"]
        spec = names[1].get_object()
        del spec[NameObject("/AFRelationship")]

    problems = pdfa3_check(_rewrite(seed_pdf, drop))
    assert any("/AFRelationship" in p for p in problems)


def test_a_missing_output_intent_is_refused(seed_pdf):
    def drop(writer):
        del writer._root_object[NameObject("/OutputIntents")]

    assert any("GTS_PDFA1" in p for p in pdfa3_check(_rewrite(seed_pdf, drop)))


def test_a_font_not_embedded_is_refused(seed_pdf):
    def unembed(writer):
        for page in writer.pages:
            for font in page["/Resources"]["/Font"].values():
                font = font.get_object()
                targets = [font] + [d.get_object() for d in font.get("/DescendantFonts", [])]
                for target in targets:
                    descriptor = target.get("/FontDescriptor")
                    if descriptor is not None:
                        descriptor = descriptor.get_object()
                        for key in ("/FontFile", "/FontFile2", "/FontFile3"):
                            descriptor.pop(NameObject(key), None)

    assert any("n'est pas incorporée" in p for p in pdfa3_check(_rewrite(seed_pdf, unembed)))


def test_a_wrong_pdfa_part_is_refused(seed_pdf):
    def part2(writer):
        stream = writer._root_object["/Metadata"].get_object()
        stream.set_data(
            stream.get_data().replace(b"<pdfaid:part>3</pdfaid:part>", b"<pdfaid:part>2</pdfaid:part>")
        )

    assert any("pdfaid:part" in p for p in pdfa3_check(_rewrite(seed_pdf, part2)))

"""The one WeasyPrint call (formarche.utils.pdf): a font configuration per thread, kept from one
document to the next (fonts loaded once per process, not once per PDF)."""

import io
import threading

from pypdf import PdfReader

from formarche.utils import pdf

PAGE = "<!doctype html><html lang='fr'><body><p>Bonjour.</p></body></html>"


def test_html_to_pdf_writes_a_pdf_and_keeps_its_font_configuration():
    first = pdf.html_to_pdf(PAGE)
    config = pdf._local.font_config
    second = pdf.html_to_pdf(PAGE, pdf_variant="pdf/a-3b")
    assert first.startswith(b"%PDF-") and second.startswith(b"%PDF-")
    assert pdf._local.font_config is config  # the same one for the second document
    # the PDF/A variant is passed on: an output intent in the catalogue of the second one only
    assert [("/OutputIntents" in PdfReader(io.BytesIO(d)).trailer["/Root"]) for d in (first, second)] == [
        False,
        True,
    ]


def test_each_thread_has_its_own_font_configuration():
    pdf.html_to_pdf(PAGE)
    mine = pdf._local.font_config
    theirs = []
    thread = threading.Thread(target=lambda: theirs.append((pdf.html_to_pdf(PAGE), pdf._local.font_config)))
    thread.start()
    thread.join()
    assert theirs[0][0].startswith(b"%PDF-")
    assert theirs[0][1] is not mine

"""HTML to PDF: the one call to WeasyPrint of every PDF formarche writes (invoices, statements,
attendance sheets, certificates, the BPF).

What it saves per document (issue #16, docs/performance.md « PDF en masse »): WeasyPrint builds a
new font configuration (fontconfig + a Pango font map, whose caches of fonts, metrics and shaped
glyphs start cold) for every ``write_pdf`` unless it is given one. Here each thread keeps one
:class:`weasyprint.text.fonts.FontConfiguration` for its lifetime: fonts are loaded once per
process (per thread: Pango objects are not shared across threads), not once per document. The
templates declare no ``@font-face``, so nothing is ever added to it.

WeasyPrint is imported on the first PDF (it pulls Pango in): a process that writes no PDF does not
pay for it.
"""

from __future__ import annotations

import threading

_local = threading.local()


def _font_config():
    config = getattr(_local, "font_config", None)
    if config is None:
        from weasyprint.text.fonts import FontConfiguration

        config = _local.font_config = FontConfiguration()
    return config


def html_to_pdf(html: str, *, base_url: str | None = None, pdf_variant: str | None = None) -> bytes:
    """The PDF of an HTML page. ``pdf_variant`` as WeasyPrint's (``"pdf/a-3b"`` for an invoice)."""
    from weasyprint import HTML

    options = {"pdf_variant": pdf_variant} if pdf_variant else {}
    return HTML(string=html, base_url=base_url).write_pdf(font_config=_font_config(), **options)

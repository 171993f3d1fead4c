"""The statement (CRE / CRE final) as a PDF (the same template as the screen) and the titre de
reversement of a negative solde; WeasyPrint."""

from __future__ import annotations

from django.conf import settings
from django.template.loader import render_to_string

from formarche.utils.pdf import html_to_pdf


def render_statement_pdf(context: dict) -> bytes:
    """``context`` as built by ``selectors.statement_context``; French formats from ``{% load fm %}``."""
    html = render_to_string("billing/statement_pdf.html", context)
    return html_to_pdf(html, base_url=str(settings.BASE_DIR))


def render_repayment_order_pdf(context: dict) -> bytes:
    """The titre de reversement of a negative solde (a document, not an invoice)."""
    html = render_to_string("billing/repayment_order_pdf.html", context)
    return html_to_pdf(html, base_url=str(settings.BASE_DIR))

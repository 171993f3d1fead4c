"""A throw-away PKI for the signature tests: a CA, a signer certificate, and PDF signing.

The reusable part lives in :mod:`formarche.billing.demo_pki` (the demo uses it too); this module
keeps the tests' names. Nothing here is a secret nor leaves the test process. No Django.
"""

from __future__ import annotations

from formarche.billing.demo_pki import Pki as TestPki
from formarche.billing.demo_pki import make_pki, sign_pdf

__all__ = ["TestPki", "make_pki", "sign_pdf", "simple_pdf"]


def simple_pdf(text: str = "Facture n° 57074") -> bytes:
    """A small one-page PDF (WeasyPrint), unsigned."""
    from weasyprint import HTML

    return HTML(string=f"<html lang='fr'><body><p>{text}</p></body></html>").write_pdf()

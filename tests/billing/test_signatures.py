"""Checks of a signed invoice upload: name, type, size, signature, coverage, chain of trust.

A throw-away PKI is built once per session (tests/billing/pki.py); everything is offline.
No Django here: run with ``pytest -p no:django``.
"""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta

import facturx
import pytest
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pypdf import PdfReader, PdfWriter

from formarche.billing.facturx import build_facturx_pdf
from formarche.billing.signatures import (
    NO_SIGNATURE_MESSAGE,
    SignedUploadError,
    check_signed_pdf,
    expected_signed_filename,
    normalise_filename_part,
)
from tests.billing.pki import make_pki, sign_pdf, simple_pdf
from tests.billing.test_facturx import seed_document

NAME = "23Q00030612_1_CENTRE DE FORMATION AGRICOLE DU TARN_CRE FINAL.pdf"
MAX_BYTES = 2 * 1024 * 1024
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture(scope="session")
def pki():
    return make_pki("AC formarche de test", "Jeanne Martin")


@pytest.fixture(scope="session")
def other_pki():
    return make_pki("Autre autorité", "Jean Intrus")


@pytest.fixture(scope="session")
def unsigned_pdf() -> bytes:
    return simple_pdf()


@pytest.fixture(scope="session")
def signed_pdf(pki, unsigned_pdf) -> bytes:
    return sign_pdf(unsigned_pdf, pki)


def check(data: bytes, pki, *, filename: str = NAME, max_bytes: int = MAX_BYTES, roots=None):
    return check_signed_pdf(
        data,
        filename,
        expected_filename=NAME,
        max_bytes=max_bytes,
        trust_roots=[pki.ca_certificate] if roots is None else roots,
    )


# --- Naming rule ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("support", "period", "expected"),
    [
        ("CRE final", "Avril 2023", "23Q00030612_1_ORGANISME_CRE FINAL.pdf"),
        ("CRE final", None, "23Q00030612_1_ORGANISME_CRE FINAL.pdf"),
        ("CRE", "Avril 2023", "23Q00030612_1_ORGANISME_CRE AVRIL 2023.pdf"),
        ("CRE", date(2024, 2, 1), "23Q00030612_1_ORGANISME_CRE FEVRIER 2024.pdf"),
        ("CRE", "Août 2023", "23Q00030612_1_ORGANISME_CRE AOUT 2023.pdf"),
    ],
)
def test_expected_filename_follows_the_seed(support, period, expected):
    assert expected_signed_filename("23Q00030612_1", "Organisme", support, period) == expected


@pytest.mark.parametrize(
    ("name", "normalised"),
    [
        ("Centre de formation agricole du Tarn", "CENTRE DE FORMATION AGRICOLE DU TARN"),
        ("L’École des Métiers", "L'ECOLE DES METIERS"),
        ("Cœur de Forêt  Formation", "COEUR DE FORET FORMATION"),
        ("Form_Pro / Sud : Ouest", "FORM PRO SUD OUEST"),
        ("  Agri-Sud & Cie. ", "AGRI-SUD & CIE"),
    ],
)
def test_organisation_name_normalisation(name, normalised):
    assert normalise_filename_part(name) == normalised


def test_monthly_cre_needs_a_period():
    with pytest.raises(ValueError, match="période"):
        expected_signed_filename("23Q00030612_1", "Organisme", "CRE", None)


# --- Accepted -------------------------------------------------------------------------------


def test_valid_signed_file_is_accepted_with_its_signer(pki, signed_pdf):
    report = check(signed_pdf, pki)
    assert report.ok, report.errors
    assert report.signer_common_name == "Jeanne Martin"
    assert report.covers_whole_file
    assert report.chain_valid
    assert abs(report.signing_time - datetime.now(UTC)) < timedelta(minutes=10)
    (signature,) = report.signatures
    assert (signature.intact, signature.valid, signature.coverage) == (True, True, "ENTIRE_FILE")
    report.raise_for_errors()  # nothing to raise


def test_extension_case_is_tolerated_and_browser_paths_are_ignored(pki, signed_pdf):
    stem = NAME.removesuffix(".pdf")
    assert check(signed_pdf, pki, filename=f"{stem}.PDF").ok
    assert check(signed_pdf, pki, filename=f"C:\\fakepath\\{stem}.Pdf").ok


def test_signed_factur_x_invoice_is_accepted_and_keeps_its_xml(pki):
    signed = sign_pdf(build_facturx_pdf(seed_document()), pki)
    report = check(signed, pki)
    assert report.ok, report.errors
    filename, xml = facturx.get_facturx_xml_from_pdf(signed, check_xsd=True)
    assert filename == "factur-x.xml" and b"23Q00030612_1" in xml


def test_two_trusted_signatures_are_accepted(pki, signed_pdf):
    co_signer = make_pki("AC formarche de test bis", "Paul Durand")
    twice = sign_pdf(signed_pdf, co_signer, field_name="Signature2")
    report = check(twice, pki, roots=[pki.ca_certificate, co_signer.ca_certificate])
    assert report.ok, report.errors
    assert [s.signer_common_name for s in report.signatures] == ["Jeanne Martin", "Paul Durand"]
    assert report.signer_common_name == "Paul Durand"


# --- Refused --------------------------------------------------------------------------------


def test_wrong_name_is_refused_with_the_expected_name(pki, signed_pdf):
    report = check(signed_pdf, pki, filename="Test facture.pdf")
    assert not report.ok
    assert report.errors == [
        f"Le fichier doit s'appeler « {NAME} » (en majuscules, au format PDF), et non « Test facture.pdf »."
    ]
    # the other checks still ran: the signature itself is fine
    assert report.signer_common_name == "Jeanne Martin" and report.chain_valid


def test_lower_case_name_is_refused(pki, signed_pdf):
    report = check(signed_pdf, pki, filename=NAME.lower())
    assert not report.ok and NAME in report.errors[0]


def test_a_png_renamed_pdf_is_refused(pki):
    report = check(PNG, pki)
    assert not report.ok and not report.is_pdf
    assert report.errors == [
        f"Le fichier « {NAME} » n'est pas un PDF (son contenu n'est pas celui d'un PDF, quelle que "
        "soit son extension). Déposez la facture signée au format PDF."
    ]


def test_a_broken_pdf_is_refused(pki):
    report = check(b"%PDF-1.7\nceci n'est pas un PDF\n", pki)
    assert not report.ok
    assert "endommagé ou n'est pas un PDF lisible" in report.errors[0]


def test_over_the_size_limit_is_refused_before_anything_else(pki, signed_pdf):
    report = check(signed_pdf + b" " * (3 * 1024 * 1024), pki, filename="n'importe quoi.png")
    assert report.errors == ["Le fichier est trop volumineux (3,0 Mo) : la taille maximale est de 2,0 Mo."]
    assert check(signed_pdf, pki, max_bytes=len(signed_pdf)).ok  # the limit itself is allowed


def test_empty_file_is_refused(pki):
    assert check(b"", pki).errors == ["Le fichier est vide."]


def test_unsigned_pdf_is_refused_with_an_explanation(pki, unsigned_pdf):
    report = check(unsigned_pdf, pki)
    assert report.errors == [NO_SIGNATURE_MESSAGE]
    assert report.errors[0].startswith(
        "Ce PDF ne contient aucune signature électronique. Une facture scannée"
    )
    assert "signez le PDF original" in report.errors[0]


def test_encrypted_pdf_is_refused(pki, unsigned_pdf):
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(unsigned_pdf)))
    writer.encrypt(user_password="secret", owner_password="secret", algorithm="AES-128")
    buffer = io.BytesIO()
    writer.write(buffer)
    report = check(buffer.getvalue(), pki)
    assert report.errors == ["Le PDF est protégé par un mot de passe : déposez une version non protégée."]


def test_bytes_appended_after_signing_are_refused(pki, signed_pdf):
    report = check(signed_pdf + b"\n% ajout\n", pki)
    assert not report.ok
    assert not report.covers_whole_file
    assert report.errors == [
        "Le fichier a été modifié après la signature de « Jeanne Martin » : la signature ne couvre "
        "pas tout le fichier. Déposez le PDF tel que votre outil de signature l'a produit, sans le "
        "modifier ni le ré-enregistrer."
    ]


def test_incremental_update_after_signing_is_refused(pki, signed_pdf):
    writer = IncrementalPdfFileWriter(io.BytesIO(signed_pdf))
    writer.root["/Formarche"] = generic.NameObject("/Modifie")
    writer.update_root()
    buffer = io.BytesIO()
    writer.write(buffer)
    report = check(buffer.getvalue(), pki)
    assert not report.ok
    (signature,) = report.signatures
    assert (signature.coverage, signature.modification_level) == ("ENTIRE_REVISION", "OTHER")
    assert report.errors[0].startswith("Le fichier a été modifié après la signature de « Jeanne Martin »")


def test_tampered_signed_bytes_are_refused(pki, signed_pdf):
    # Change one byte of the page content inside the signed range: same length, broken hash.
    marker = b"/Type /Page"
    position = signed_pdf.index(marker)
    tampered = signed_pdf[:position] + b"/Type /Pagf" + signed_pdf[position + len(marker) :]
    report = check(tampered, pki)
    assert report.errors == [
        "La signature de « Jeanne Martin » est invalide : le contenu signé a été modifié depuis la signature."
    ]


def test_signature_from_another_authority_is_refused(pki, other_pki, unsigned_pdf):
    report = check(sign_pdf(unsigned_pdf, other_pki), pki)
    assert not report.chain_valid
    assert report.signer_common_name == "Jean Intrus"
    assert report.errors == [
        "Le certificat de la signature de « Jean Intrus » n'est pas reconnu : sa chaîne de "
        "certification ne remonte à aucune autorité de confiance reconnue."
    ]


def test_expired_certificate_is_refused(unsigned_pdf):
    expired = make_pki("AC formarche de test", "Ancien Signataire", signer_valid_days=-1)
    report = check(sign_pdf(unsigned_pdf, expired), expired)
    assert not report.ok
    assert "expiré" in report.errors[0]


def test_a_trusted_signature_followed_by_an_untrusted_one_is_refused(pki, other_pki, signed_pdf):
    report = check(sign_pdf(signed_pdf, other_pki, field_name="Signature2"), pki)
    assert report.errors == [
        "Le certificat de la signature n° 2 (« Jean Intrus ») n'est pas reconnu : sa chaîne de "
        "certification ne remonte à aucune autorité de confiance reconnue."
    ]


def test_all_errors_are_reported_and_raised_together(pki, other_pki, unsigned_pdf):
    report = check(sign_pdf(unsigned_pdf, other_pki), pki, filename="facture.pdf")
    assert len(report.errors) == 2
    assert report.errors[0].startswith("Le fichier doit s'appeler")
    assert report.errors[1].startswith("Le certificat de la signature")
    with pytest.raises(SignedUploadError) as raised:
        report.raise_for_errors()
    assert str(raised.value) == "\n".join(report.errors)
    assert raised.value.report is report


def test_trust_roots_may_be_pem_bytes(pki, signed_pdf):
    from cryptography.hazmat.primitives.serialization import Encoding

    report = check(signed_pdf, pki, roots=[pki.ca_certificate.public_bytes(Encoding.PEM)])
    assert report.ok, report.errors

"""A throw-away PKI: a CA, one signer certified by it, and PDF signing with pyHanko.

Used by the tests (``tests/billing/pki.py``) and by the demo: ``formarche demo`` creates, if missing,
a demo CA and signer under ``<VAR_DIR>/demo-pki/`` (:func:`ensure_demo_pki`); ``config/settings/dev.py``
trusts that CA (``FORMARCHE_SIGNATURE_TRUST_ROOTS``) and ``formarche manage sign_demo_invoice`` signs
a downloaded invoice with the demo signer, so a demo user can try a real signed upload.

EC P-256 keys (fast). Nothing here is a secret: the demo key is written unencrypted next to the
demo database and must never be trusted outside a demonstration. No Django import at module level.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import signers
from pyhanko_certvalidator.registry import SimpleCertificateStore

CA_FILE = "ca.pem"
SIGNER_FILE = "signer.pem"
SIGNER_KEY_FILE = "signer-key.pem"
DEMO_CA_NAME = "formarche — AC de démonstration (jetable)"
DEMO_SIGNER_NAME = "Claire Martin (démonstration)"


@dataclass(frozen=True)
class Pki:
    """A CA and one signer certified by it."""

    __test__ = False  # not a pytest test class

    ca_certificate: x509.Certificate
    signer_certificate: x509.Certificate
    signer_key: ec.EllipticCurvePrivateKey

    def signer(self) -> signers.SimpleSigner:
        def to_asn1(certificate: x509.Certificate) -> asn1_x509.Certificate:
            return asn1_x509.Certificate.load(certificate.public_bytes(serialization.Encoding.DER))

        key_der = self.signer_key.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        return signers.SimpleSigner(
            signing_cert=to_asn1(self.signer_certificate),
            signing_key=asn1_keys.PrivateKeyInfo.load(key_der),
            cert_registry=SimpleCertificateStore.from_certs([to_asn1(self.ca_certificate)]),
        )

    @property
    def ca_pem(self) -> bytes:
        return self.ca_certificate.public_bytes(serialization.Encoding.PEM)


def _name(common_name: str, organisation: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "FR"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _key_usage(*, signer: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=signer,
        content_commitment=signer,  # non-repudiation
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=not signer,
        crl_sign=not signer,
        encipher_only=False,
        decipher_only=False,
    )


def make_pki(
    ca_name: str,
    signer_name: str,
    *,
    signer_valid_days: int = 30,
    ca_valid_days: int = 365,
    organisation: str = "formarche tests",
) -> Pki:
    """A self-signed CA ``ca_name`` and a signing certificate for ``signer_name``, valid from
    three days ago until ``signer_valid_days`` from now (negative: already expired)."""
    now = datetime.now(UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_public = ca_key.public_key()
    ca_certificate = (
        x509.CertificateBuilder()
        .subject_name(_name(ca_name, organisation))
        .issuer_name(_name(ca_name, organisation))
        .public_key(ca_public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=3))
        .not_valid_after(now + timedelta(days=ca_valid_days))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_key_usage(signer=False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_public), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    signer_key = ec.generate_private_key(ec.SECP256R1())
    signer_certificate = (
        x509.CertificateBuilder()
        .subject_name(_name(signer_name, organisation))
        .issuer_name(ca_certificate.subject)
        .public_key(signer_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=3))
        .not_valid_after(now + timedelta(days=signer_valid_days))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(signer=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(signer_key.public_key()), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_public), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    return Pki(ca_certificate, signer_certificate, signer_key)


def sign_pdf(pdf: bytes, pki: Pki, *, field_name: str = "Signature1", location: str = "Albi") -> bytes:
    """``pdf`` signed by ``pki``'s signer (an incremental update with a new signature field)."""
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    output = io.BytesIO()
    signers.sign_pdf(
        writer,
        signers.PdfSignatureMetadata(field_name=field_name, reason="Facture signée", location=location),
        signer=pki.signer(),
        output=output,
    )
    return output.getvalue()


# --------------------------------------------------------------------------------------------
# The demo's PKI on disk
# --------------------------------------------------------------------------------------------


def save_pki(pki: Pki, directory: Path) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / CA_FILE).write_bytes(pki.ca_pem)
    (directory / SIGNER_FILE).write_bytes(pki.signer_certificate.public_bytes(serialization.Encoding.PEM))
    key = directory / SIGNER_KEY_FILE
    key.write_bytes(
        pki.signer_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    key.chmod(0o600)


def load_pki(directory: Path) -> Pki:
    """The PKI saved by :func:`save_pki`; ``FileNotFoundError`` / ``ValueError`` when unusable."""
    ca = x509.load_pem_x509_certificate((directory / CA_FILE).read_bytes())
    signer = x509.load_pem_x509_certificate((directory / SIGNER_FILE).read_bytes())
    key = serialization.load_pem_private_key((directory / SIGNER_KEY_FILE).read_bytes(), password=None)
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise ValueError("clé du signataire de démonstration inattendue")
    return Pki(ca, signer, key)


def demo_pki_dir() -> Path | None:
    """``settings.FORMARCHE_DEMO_PKI_DIR`` (``<VAR_DIR>/demo-pki`` in ``config/settings/dev.py``),
    or None where no demo PKI is wanted (tests, production)."""
    from django.conf import settings

    configured = getattr(settings, "FORMARCHE_DEMO_PKI_DIR", None)
    return Path(configured) if configured else None


def ensure_demo_pki(directory: Path | None = None, *, min_days_left: int = 7) -> Path:
    """Create the demo CA and signer under ``directory`` (default :func:`demo_pki_dir`) when
    missing, unreadable or about to expire; return the CA's PEM path."""
    directory = Path(directory) if directory is not None else demo_pki_dir()
    if directory is None:
        raise ValueError("Aucun dossier de PKI de démonstration (FORMARCHE_DEMO_PKI_DIR) n'est configuré.")
    try:
        pki = load_pki(directory)
        if pki.signer_certificate.not_valid_after_utc - datetime.now(UTC) < timedelta(days=min_days_left):
            raise ValueError("certificat de démonstration bientôt expiré")
    except (FileNotFoundError, ValueError):
        pki = make_pki(
            DEMO_CA_NAME,
            DEMO_SIGNER_NAME,
            signer_valid_days=730,
            ca_valid_days=3650,
            organisation="formarche démonstration",
        )
        save_pki(pki, directory)
    return directory / CA_FILE

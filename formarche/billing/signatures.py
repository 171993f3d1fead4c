"""Checks of a signed invoice upload (the organisme's CRE / CREF invoice, signed and sent back).

Pure module (no Django): bytes, a file name and settings in, a :class:`SignatureReport` out.
The checks run in this order, each failure with a French message a user can act on:

1. **size** — not empty, not over ``max_bytes``;
2. **a PDF by its content** — starts with ``%PDF-`` and is read by pyHanko's strict reader
   (the extension proves nothing); an encrypted PDF is refused;
3. **the expected name** (:func:`expected_signed_filename`), extension case aside;
4. **at least one electronic signature** — a scanned invoice has none and is refused with an
   explanation [seed: "il faut un dépôt de la facture au format pdf (pas d'image scannée) afin
   que la signature soit vérifiable"];
5. **each signature intact and cryptographically valid**;
6. **the whole file signed** — the most recent signature covers the entire file; an earlier
   signature may only be followed by further signatures or long-term validation data, and
   bytes added after the last signature (an incremental update, or anything appended) are
   refused as "modifié après la signature";
7. **the certificate chain** of each signer validated against the configured trust roots,
   offline (``allow_fetching=False``): revocation is only checked from what the PDF embeds.

Steps 1 and 2 stop the checks (nothing else can be read); the others are all reported, so the
user learns everything wrong at once. The report carries the signer's common name, the signing
time, whether the signature covers the whole file and whether the chain is valid.

Naming rule [seed + design] — :func:`expected_signed_filename`::

    N° BON DE COMMANDE_NOM ORGANISME_CRE FINAL.pdf       (the CREF)
    N° BON DE COMMANDE_NOM ORGANISME_CRE AVRIL 2023.pdf  (a monthly CRE: the period appended)

In CAPITALS [seed]. [design] Each part is normalised the same way: accents removed
(É → E, Ç → C), ligatures spelled out (Œ → OE, Æ → AE), upper case; the underscore (the
separator) and the characters no file system accepts (``/ \\ : * ? " < > |``) become spaces;
typographic apostrophes become ``'``; runs of spaces collapse to one; leading and trailing
spaces and dots go. The comparison is exact on the name and case-insensitive on the ``.pdf``
extension only; a path sent by an old browser (``C:\\fakepath\\…``) is reduced to its last part.

pyHanko runs its validation in :func:`asyncio.run`: call :func:`check_signed_pdf` from
synchronous code (a Django view, a task), or through ``sync_to_async`` from async code.
"""

from __future__ import annotations

import asyncio
import io
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from asn1crypto import pem
from asn1crypto import x509 as asn1_x509

__all__ = [
    "SignatureDetails",
    "SignatureReport",
    "SignedUploadError",
    "check_signed_pdf",
    "expected_signed_filename",
    "filename_matches",
    "normalise_filename_part",
]

PDF_MAGIC = b"%PDF-"

NO_SIGNATURE_MESSAGE = (
    "Ce PDF ne contient aucune signature électronique. Une facture scannée ne peut pas être "
    "vérifiée : signez le PDF original (la facture téléchargée depuis formarche) avec votre "
    "certificat de signature électronique, puis déposez le fichier signé."
)

_FORBIDDEN_IN_NAMES = re.compile(r'[_/\\:*?"<>|\x00-\x1f]')
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "`": "'"})
_LIGATURES = str.maketrans({"Œ": "OE", "œ": "oe", "Æ": "AE", "æ": "ae", "ß": "ss"})
_FRENCH_MONTHS = (
    "JANVIER",
    "FEVRIER",
    "MARS",
    "AVRIL",
    "MAI",
    "JUIN",
    "JUILLET",
    "AOUT",
    "SEPTEMBRE",
    "OCTOBRE",
    "NOVEMBRE",
    "DECEMBRE",
)


class SignedUploadError(ValueError):
    """A signed invoice upload was refused; ``str(error)`` is the French message to show."""

    def __init__(self, message: str, report: SignatureReport | None = None) -> None:
        super().__init__(message)
        self.report = report


# --------------------------------------------------------------------------------------------
# File name
# --------------------------------------------------------------------------------------------


def normalise_filename_part(text: str) -> str:
    """One part of the expected name: capitals without accents, no separator nor forbidden
    character, single spaces. ``"L’École des Métiers_Sud"`` → ``"L'ECOLE DES METIERS SUD"``."""
    text = text.translate(_APOSTROPHES).translate(_LIGATURES)
    text = "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))
    text = _FORBIDDEN_IN_NAMES.sub(" ", text.upper())
    return " ".join(text.split()).strip(" .")


def _period_part(period: str | date | None) -> str:
    if isinstance(period, date):
        return f"{_FRENCH_MONTHS[period.month - 1]} {period.year}"
    if not period or not str(period).strip():
        raise ValueError("La période (par exemple « Avril 2023 ») est obligatoire pour un CRE mensuel.")
    return normalise_filename_part(str(period))


def expected_signed_filename(
    order_number: str, organisation_name: str, support: str, period: str | date | None = None
) -> str:
    """The name the signed invoice must have, ``.pdf`` included.

    >>> expected_signed_filename("23Q00030612_1", "Organisme", "CRE final", "Avril 2023")
    '23Q00030612_1_ORGANISME_CRE FINAL.pdf'
    >>> expected_signed_filename("23Q00030612_1", "Organisme", "CRE", "Avril 2023")
    '23Q00030612_1_ORGANISME_CRE AVRIL 2023.pdf'
    >>> expected_signed_filename("23Q00030612_1", "Organisme", "Solde")
    '23Q00030612_1_ORGANISME_SOLDE.pdf'
    """
    order = " ".join(order_number.split()).upper()
    if not order or _FORBIDDEN_IN_NAMES.sub("", order.replace("_", "")) != order.replace("_", ""):
        raise ValueError(
            f"Numéro de bon de commande inutilisable dans un nom de fichier : « {order_number} »."
        )
    organisation = normalise_filename_part(organisation_name)
    if not organisation:
        raise ValueError("Le nom de l'organisme est vide.")
    support_key = " ".join(support.split()).upper()
    if support_key == "CRE FINAL":
        suffix = "CRE FINAL"
    elif support_key == "CRE":
        suffix = f"CRE {_period_part(period)}"
    elif support_key == "SOLDE":
        # [design] the seed names only CRE and CRE FINAL; the solde follows the same pattern.
        suffix = "SOLDE"
    else:
        raise ValueError(f"Support inconnu « {support} » : « CRE », « CRE final » ou « Solde ».")
    return f"{order}_{organisation}_{suffix}.pdf"


def _split_pdf_name(filename: str) -> tuple[str, str]:
    base = re.split(r"[\\/]", filename)[-1]
    stem, dot, extension = base.rpartition(".")
    if not dot:
        return base, ""
    return stem, extension


def filename_matches(filename: str, expected_filename: str) -> bool:
    """Exact match of the name; the ``.pdf`` extension in any case."""
    stem, extension = _split_pdf_name(filename)
    expected_stem, _ = _split_pdf_name(expected_filename)
    return extension.lower() == "pdf" and stem == expected_stem


# --------------------------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------------------------


@dataclass
class SignatureDetails:
    """What was found about one signature of the file."""

    field_name: str
    signer_common_name: str | None = None
    signer_subject: str | None = None
    signing_time: datetime | None = None  # as the signer's software declares it
    timestamp_time: datetime | None = None  # from a trusted timestamp token, when present
    intact: bool = False
    valid: bool = False
    covers_whole_file: bool = False
    coverage: str | None = None  # pyHanko's SignatureCoverageLevel name
    modification_level: str | None = None  # pyHanko's ModificationLevel name
    chain_valid: bool = False
    problems: list[str] = field(default_factory=list)


@dataclass
class SignatureReport:
    """Result of :func:`check_signed_pdf`. ``ok`` when no error; ``errors`` in check order."""

    filename: str
    expected_filename: str
    size: int
    is_pdf: bool = False
    name_ok: bool = False
    signatures: list[SignatureDetails] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def main_signature(self) -> SignatureDetails | None:
        """The most recent signature: the one that must cover the whole file."""
        return self.signatures[-1] if self.signatures else None

    @property
    def signer_common_name(self) -> str | None:
        main = self.main_signature
        return main.signer_common_name if main else None

    @property
    def signing_time(self) -> datetime | None:
        main = self.main_signature
        return (main.timestamp_time or main.signing_time) if main else None

    @property
    def covers_whole_file(self) -> bool:
        main = self.main_signature
        return bool(main and main.covers_whole_file)

    @property
    def chain_valid(self) -> bool:
        return bool(self.signatures) and all(s.chain_valid for s in self.signatures)

    def raise_for_errors(self) -> None:
        """Raise :class:`SignedUploadError` with every error, one per line, if any."""
        if self.errors:
            raise SignedUploadError("\n".join(self.errors), report=self)


# --------------------------------------------------------------------------------------------
# Checks
# --------------------------------------------------------------------------------------------


def format_size(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f} Mo".replace(".", ",")
    if size >= 1024:
        return f"{size / 1024:.0f} Ko"
    return f"{size} octets"


def _as_asn1_certificates(certificates: Iterable[object]) -> list[asn1_x509.Certificate]:
    """Trust roots given as asn1crypto or ``cryptography`` certificates, or PEM / DER bytes."""
    result = []
    for certificate in certificates:
        if isinstance(certificate, asn1_x509.Certificate):
            result.append(certificate)
        elif isinstance(certificate, bytes | bytearray):
            data = bytes(certificate)
            if pem.detect(data):
                for _, _, der in pem.unarmor(data, multiple=True):
                    result.append(asn1_x509.Certificate.load(der))
            else:
                result.append(asn1_x509.Certificate.load(data))
        elif hasattr(certificate, "public_bytes"):  # cryptography.x509.Certificate
            from cryptography.hazmat.primitives.serialization import Encoding

            result.append(asn1_x509.Certificate.load(certificate.public_bytes(Encoding.DER)))
        else:
            raise TypeError(f"Certificat racine de type inattendu : {type(certificate).__name__}")
    return result


_CHAIN_PROBLEMS = {
    "NO_CERTIFICATE_CHAIN_FOUND": "sa chaîne de certification ne remonte à aucune autorité de confiance reconnue",
    "OUT_OF_BOUNDS_NO_POE": "le certificat est expiré ou pas encore valide",
    "OUT_OF_BOUNDS_NOT_REVOKED": "le certificat est expiré ou pas encore valide",
    "EXPIRED": "le certificat est expiré",
    "NOT_YET_VALID": "le certificat n'est pas encore valide",
    "REVOKED_NO_POE": "le certificat a été révoqué",
    "REVOKED_CA_NO_POE": "un certificat de l'autorité a été révoqué",
    "REVOKED": "le certificat a été révoqué",
    "CHAIN_CONSTRAINTS_FAILURE": "le certificat n'est pas un certificat de signature (usages de clé)",
    "CRYPTO_CONSTRAINTS_FAILURE": "les algorithmes utilisés ne sont plus acceptés",
    "CRYPTO_CONSTRAINTS_FAILURE_NO_POE": "les algorithmes utilisés ne sont plus acceptés",
}


def _chain_problem(status) -> str:
    indic = getattr(status, "trust_problem_indic", None)
    name = getattr(indic, "name", None)
    return _CHAIN_PROBLEMS.get(name, "la chaîne de certification n'a pas pu être validée")


def _common_name(certificate: asn1_x509.Certificate) -> str | None:
    value = certificate.subject.native.get("common_name")
    if isinstance(value, list | tuple):
        value = value[0] if value else None
    return value


def _upper_first(text: str) -> str:
    return text[:1].upper() + text[1:]


def _who(details: SignatureDetails, index: int, count: int) -> str:
    name = details.signer_common_name or details.field_name
    return f"la signature de « {name} »" if count == 1 else f"la signature n° {index + 1} (« {name} »)"


async def _validate_all(signatures, trust_roots, details_list) -> None:
    from pyhanko.sign.validation import async_validate_pdf_signature
    from pyhanko.sign.validation.settings import KeyUsageConstraints
    from pyhanko_certvalidator import ValidationContext

    key_usage = KeyUsageConstraints(
        key_usage={"non_repudiation", "digital_signature"}, match_all_key_usages=False
    )
    for embedded, details in zip(signatures, details_list, strict=True):
        context = ValidationContext(
            trust_roots=trust_roots, allow_fetching=False, revocation_mode="soft-fail"
        )
        try:
            status = await async_validate_pdf_signature(
                embedded, signer_validation_context=context, key_usage_settings=key_usage
            )
        except Exception:  # a malformed signature must not crash an upload
            details.problems.append("signature illisible ou d'un format non pris en charge")
            continue
        details.intact = bool(status.intact)
        details.valid = bool(status.valid)
        details.chain_valid = bool(status.trusted)
        details.coverage = status.coverage.name if status.coverage is not None else None
        level = status.modification_level
        details.modification_level = level.name if level is not None else None
        details.signing_time = status.signer_reported_dt
        timestamp = status.timestamp_validity
        if timestamp is not None and timestamp.intact and timestamp.valid and timestamp.trusted:
            details.timestamp_time = timestamp.timestamp
        details.covers_whole_file = details.coverage == "ENTIRE_FILE"
        if not details.chain_valid:
            details.problems.append(_chain_problem(status))


def check_signed_pdf(
    data: bytes,
    filename: str,
    *,
    expected_filename: str,
    max_bytes: int,
    trust_roots: Sequence[object],
) -> SignatureReport:
    """Check an uploaded signed invoice; see the module docstring for the rules and their order.

    ``trust_roots``: the certificates of the accepted certification authorities (asn1crypto or
    ``cryptography`` certificates, or PEM / DER bytes). Nothing is fetched from the network.
    """
    report = SignatureReport(filename=filename, expected_filename=expected_filename, size=len(data))
    errors = report.errors
    reader = _read_pdf(data, filename, max_bytes=max_bytes, errors=errors)
    if reader is None:
        return report
    report.is_pdf = True

    # 3. name
    report.name_ok = filename_matches(filename, expected_filename)
    if not report.name_ok:
        errors.append(
            f"Le fichier doit s'appeler « {expected_filename} » (en majuscules, au format PDF), "
            f"et non « {filename} »."
        )

    # 4. at least one signature
    try:
        all_signatures = list(reader.embedded_signatures)
    except Exception:
        errors.append("Les signatures de ce PDF sont illisibles : le fichier ne peut pas être vérifié.")
        return report
    signatures = [s for s in all_signatures if s.sig_object_type == "/Sig"]
    if not signatures:
        errors.append(NO_SIGNATURE_MESSAGE)
        return report

    details_list = [_signature_details(embedded) for embedded in signatures]
    report.signatures = details_list

    roots = _as_asn1_certificates(trust_roots)
    asyncio.run(_validate_all(signatures, roots, details_list))

    # does anything come after the most recent signature or document timestamp?
    last_embedded = all_signatures[-1]
    try:
        last_covers_file = last_embedded.evaluate_signature_coverage().name == "ENTIRE_FILE"
    except Exception:
        last_covers_file = False
    errors.extend(_signature_errors(details_list, last_covers_file=last_covers_file))
    return report


def _read_pdf(data: bytes, filename: str, *, max_bytes: int, errors: list[str]):
    """Steps 1 and 2: the size, then a readable, unencrypted PDF by content (``None``: refused)."""
    # 1. size
    if not data:
        errors.append("Le fichier est vide.")
        return None
    if len(data) > max_bytes:
        errors.append(
            f"Le fichier est trop volumineux ({format_size(len(data))}) : la taille maximale "
            f"est de {format_size(max_bytes)}."
        )
        return None

    # 2. a PDF, by content
    not_a_pdf = (
        f"Le fichier « {filename} » n'est pas un PDF (son contenu n'est pas celui d'un PDF, "
        "quelle que soit son extension). Déposez la facture signée au format PDF."
    )
    if not data.startswith(PDF_MAGIC):
        errors.append(not_a_pdf)
        return None
    from pyhanko.pdf_utils.reader import PdfFileReader

    try:
        reader = PdfFileReader(io.BytesIO(data), strict=True)
        encrypted = reader.encrypted
        reader.root  # noqa: B018 - forces the parsing of the document catalogue
    except Exception:
        errors.append(
            f"Le fichier « {filename} » est endommagé ou n'est pas un PDF lisible. "
            "Déposez le PDF tel que votre outil de signature l'a produit."
        )
        return None
    if encrypted:
        errors.append("Le PDF est protégé par un mot de passe : déposez une version non protégée.")
        return None
    return reader


def _signature_details(embedded) -> SignatureDetails:
    details = SignatureDetails(field_name=str(embedded.field_name))
    try:
        certificate = embedded.signer_cert
        details.signer_common_name = _common_name(certificate)
        details.signer_subject = certificate.subject.human_friendly
    except Exception:
        pass
    return details


def _signature_errors(details_list: list[SignatureDetails], *, last_covers_file: bool) -> list[str]:
    """Steps 5 to 7 for each signature, in French; the chain errors come last."""
    errors = []
    count = len(details_list)
    chain_errors = []
    for index, details in enumerate(details_list):
        who = _who(details, index, count)
        unreadable = [p for p in details.problems if p.startswith("signature illisible")]
        if unreadable:
            errors.append(f"{_upper_first(who)} n'a pas pu être vérifiée : {unreadable[0]}.")
            continue
        # 5. intact and valid
        if not details.intact:
            errors.append(
                f"{_upper_first(who)} est invalide : le contenu signé a été modifié depuis la signature."
            )
        elif not details.valid:
            errors.append(f"{_upper_first(who)} est invalide : la signature cryptographique est incorrecte.")
        # 6. whole file
        is_last = index == count - 1
        allowed = {"NONE", "LTA_UPDATES"} if is_last else {"NONE", "LTA_UPDATES", "FORM_FILLING"}
        covered = details.coverage == "ENTIRE_FILE" or (
            details.coverage == "ENTIRE_REVISION" and details.modification_level in allowed
        )
        if is_last:
            covered = covered and last_covers_file
        if not covered:
            errors.append(
                f"Le fichier a été modifié après {who} : la signature ne couvre pas tout le "
                "fichier. Déposez le PDF tel que votre outil de signature l'a produit, sans le "
                "modifier ni le ré-enregistrer."
            )
        # 7. chain (meaningless, and not evaluated by pyHanko, for a broken signature)
        if details.intact and details.valid and not details.chain_valid:
            chain_errors.append(
                f"Le certificat de {who} n'est pas reconnu : "
                f"{next(p for p in details.problems if not p.startswith('signature illisible'))}."
            )
    return errors + chain_errors

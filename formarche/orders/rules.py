"""Rules about orders shared by the forms, the import and the services (pure: no query).

A refusal raises :class:`OrderError` with a French message.
"""

from __future__ import annotations

import re

from formarche.orders.models import CertificationType

ORDER_NUMBER_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_./-]{0,39}")
RNCP_CODE_RE = re.compile(r"RNCP\d{3,6}")
RS_CODE_RE = re.compile(r"RS\d{3,6}")


class OrderError(Exception):
    """A refused change, with a French message for the user."""


def certification_error(certification_type: str, code: str) -> str | None:
    """French message if the code does not fit the certification type (RNCP12345, RS1234), else None."""
    code = (code or "").strip()
    if certification_type in (CertificationType.RNCP, CertificationType.RNCP_CQP):
        if not RNCP_CODE_RE.fullmatch(code):
            return "Le code RNCP s'écrit RNCP suivi de chiffres, par exemple RNCP38233."
    elif certification_type == CertificationType.RS:
        if not RS_CODE_RE.fullmatch(code):
            return "Le code RS s'écrit RS suivi de chiffres, par exemple RS5487."
    elif code:
        return "Un code RNCP ou RS n'est attendu que pour une certification RNCP ou RS."
    return None


def parse_components(text: str) -> list[tuple[str, str]]:
    """One component per line: ``C1 - Remise à niveau`` or just ``Remise à niveau`` (code C1, C2…)."""
    components: list[tuple[str, str]] = []
    for line in (text or "").splitlines():
        line = line.strip()
        if not line:
            continue
        code, sep, label = line.partition(" - ")
        if sep and code.strip() and len(code.strip()) <= 30 and " " not in code.strip():
            components.append((code.strip(), label.strip()[:200]))
        else:
            components.append((f"C{len(components) + 1}", line[:200]))
    codes = [c for c, _ in components]
    duplicates = sorted({c for c in codes if codes.count(c) > 1})
    if duplicates:
        raise OrderError("Codes de composante en double : " + ", ".join(duplicates) + ".")
    return components


def check_order_terms(*, number, unit_price, amount, planned_start, planned_end, duration_months) -> None:
    if not ORDER_NUMBER_RE.fullmatch(number or ""):
        raise OrderError(
            f"Le numéro « {number} » n'est pas valide : lettres, chiffres, _ . / - (40 caractères au plus)."
        )
    if unit_price <= 0:
        raise OrderError("Le prix unitaire doit être positif.")
    if amount <= 0:
        raise OrderError("Le montant HT doit être positif.")
    if planned_end < planned_start:
        raise OrderError("La date de fin prévisionnelle précède la date de début.")
    if duration_months < 1:
        raise OrderError("La durée doit être d'au moins un mois.")


def with_history_user(obj, by):
    """``obj`` with the user its next history row records (django-simple-history), if any."""
    if by is not None:
        obj._history_user = by
    return obj


# Chorus Pro fields of an order (cadre de facturation, engagement juridique, code service)
CHORUS_REFERENCE_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9 _./-]*")


def chorus_fields(*, billing_frame: str = "", commitment_number: str = "", service_code: str = "") -> dict:
    """The Chorus Pro fields of an order, stripped and checked (``OrderError`` in French)."""
    from formarche.orders.models import ChorusBillingFrame

    billing_frame = (billing_frame or "").strip().upper()
    commitment_number = (commitment_number or "").strip()
    service_code = (service_code or "").strip()
    if billing_frame and billing_frame not in ChorusBillingFrame.values:
        allowed = ", ".join(ChorusBillingFrame.values)
        raise OrderError(f"Cadre de facturation « {billing_frame} » inconnu : {allowed} ou vide.")
    for value, label, size in (
        (commitment_number, "Le numéro d'engagement juridique", 50),
        (service_code, "Le code service", 100),
    ):
        if len(value) > size:
            raise OrderError(f"{label} a au plus {size} caractères.")
        if value and not CHORUS_REFERENCE_RE.fullmatch(value):
            raise OrderError(f"{label} « {value} » : lettres, chiffres, espaces et « _ . / - » seulement.")
    return {
        "chorus_billing_frame": billing_frame,
        "chorus_commitment_number": commitment_number,
        "chorus_service_code": service_code,
    }

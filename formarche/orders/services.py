"""Writes about orders: creation by the Région, opening by the OF, the Région's set-up.

The orders import lives in :mod:`formarche.imports` (imports may import orders, not the reverse).

Keyword-only functions under ``transaction.atomic``; a refusal raises :class:`OrderError` with a
French message and changes nothing.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from formarche.accounts.models import REGION_ROLES, Membership
from formarche.orders.models import (
    CertificationType,
    Component,
    Dispositif,
    Lot,
    Market,
    Order,
    OrderStatus,
    ProviderRole,
    TrainingKind,
)
from formarche.orders.nsf import NSF_CODES
from formarche.organisations.models import Organisation

ORDER_NUMBER_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_./-]{0,39}")
RNCP_CODE_RE = re.compile(r"RNCP\d{3,6}")
RS_CODE_RE = re.compile(r"RS\d{3,6}")


class OrderError(Exception):
    """A refused change, with a French message for the user."""


def _with_history_user(obj, by):
    if by is not None:
        obj._history_user = by
    return obj


# --------------------------------------------------------------------------------------------
# Rules shared by the form, the import and the services
# --------------------------------------------------------------------------------------------


def certification_error(certification_type: str, code: str) -> str | None:
    """French message if the code does not fit the certification type (RNCP12345, RS1234), else None."""
    code = (code or "").strip()
    if certification_type == CertificationType.RNCP:
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


def _check_order_terms(*, number, unit_price, amount, planned_start, planned_end, duration_months):
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


# --------------------------------------------------------------------------------------------
# The Région's set-up
# --------------------------------------------------------------------------------------------


@transaction.atomic
def market_create(*, region: Organisation, reference: str, title: str, year: int | None = None) -> Market:
    if not region.is_region:
        raise OrderError("Seule une Région passe des marchés.")
    if Market.objects.filter(region=region, reference=reference).exists():
        raise OrderError("Cette référence de marché existe déjà pour cette Région.")
    return Market.objects.create(region=region, reference=reference, title=title, year=year)


@transaction.atomic
def lot_create(
    *,
    region: Organisation,
    market: Market,
    number: int,
    sector: str,
    trade_family: str,
    territory: str,
    pricing_unit: str = "HSTA",
) -> Lot:
    if market.region_id != region.pk:
        raise OrderError("Ce marché n'appartient pas à votre Région.")
    if Lot.objects.filter(market=market, number=number).exists():
        raise OrderError("Ce numéro de lot existe déjà dans ce marché.")
    return Lot.objects.create(
        market=market,
        number=number,
        sector=sector,
        trade_family=trade_family,
        territory=territory,
        pricing_unit=pricing_unit or "HSTA",
    )


@transaction.atomic
def dispositif_create(
    *,
    region: Organisation,
    by=None,
    code: str,
    name: str,
    advance_rate: Decimal,
    cap_rate: Decimal | None,
    resorption_bands: list,
    vat_rate: Decimal = Decimal("0"),
) -> Dispositif:
    from formarche.orders.terms import parse_bands

    if not region.is_region:
        raise OrderError("Seule une Région crée des dispositifs.")
    if Dispositif.objects.filter(region=region, code=code).exists():
        raise OrderError("Ce code de dispositif existe déjà pour votre Région.")
    if not Decimal(0) <= advance_rate <= 1:
        raise OrderError("Le taux d'avance doit être compris entre 0 et 100 %.")
    if cap_rate is not None and not Decimal(0) < cap_rate <= 1:
        raise OrderError("Le taux de plafonnement doit être compris entre 0 et 100 %.")
    if not Decimal(0) <= vat_rate <= 1:
        raise OrderError("Le taux de TVA doit être compris entre 0 et 100 %.")
    try:
        parse_bands(resorption_bands)
    except ValueError as exc:
        raise OrderError(str(exc)) from exc
    dispositif = Dispositif(
        region=region,
        code=code,
        name=name,
        advance_rate=advance_rate,
        cap_rate=cap_rate,
        resorption_bands=resorption_bands,
        vat_rate=vat_rate,
    )
    _with_history_user(dispositif, by).save()
    return dispositif


# --------------------------------------------------------------------------------------------
# Orders
# --------------------------------------------------------------------------------------------


@transaction.atomic
def order_create(
    *,
    region: Organisation,
    by=None,
    number: str,
    title: str,
    lot: Lot,
    dispositif: Dispositif,
    provider: Organisation,
    provider_role: str = ProviderRole.TITULAIRE,
    unit_price: Decimal,
    amount: Decimal,
    planned_start: date,
    planned_end: date,
    duration_months: int,
    planned_headcount: int = 0,
    advance_paid: bool = True,
    referent=None,
    components: list[tuple[str, str]] = (),
) -> Order:
    """A Région places an order (bon de commande) with an OF; its lot and dispositif must be its own."""
    number = (number or "").strip()
    if not region.is_region:
        raise OrderError("Seule une Région passe des commandes.")
    if lot.market.region_id != region.pk:
        raise OrderError("Ce lot n'appartient pas à un marché de votre Région.")
    if dispositif.region_id != region.pk:
        raise OrderError("Ce dispositif n'appartient pas à votre Région.")
    if not provider.is_of:
        raise OrderError("Le prestataire doit être un organisme de formation.")
    if provider_role not in ProviderRole.values:
        raise OrderError("Statut du prestataire inconnu.")
    _check_order_terms(
        number=number,
        unit_price=unit_price,
        amount=amount,
        planned_start=planned_start,
        planned_end=planned_end,
        duration_months=duration_months,
    )
    if (
        referent is not None
        and not Membership.objects.filter(
            user=referent, organisation=region, role__in=REGION_ROLES, is_active=True
        ).exists()
    ):
        raise OrderError("Le référent doit être un utilisateur de votre Région.")
    if Order.objects.filter(number=number).exists():
        raise OrderError(f"Le numéro de bon de commande « {number} » existe déjà.")
    order = Order(
        number=number,
        title=title,
        region=region,
        lot=lot,
        dispositif=dispositif,
        provider=provider,
        provider_role=provider_role,
        unit_price=unit_price,
        amount=amount,
        planned_start=planned_start,
        planned_end=planned_end,
        duration_months=duration_months,
        planned_headcount=planned_headcount,
        advance_paid=advance_paid,
        referent=referent,
        status=OrderStatus.OPEN,
    )
    _with_history_user(order, by).save()
    Component.objects.bulk_create(
        Component(order=order, code=code, label=label) for code, label in components
    )
    return order


@transaction.atomic
def order_open(
    *,
    order: Order,
    by=None,
    actual_start: date,
    place: str,
    certification_type: str,
    certification_code: str = "",
    certification_level: str = "",
    nsf_code: str = "",
    training_kind: str = TrainingKind.TRAINING,
    distance_part: bool = False,
) -> Order:
    """Ouverture de l'action by the OF: confirms the start, the place and the BPF's training data.

    May be repeated while the order is open (to correct); ``opened_at`` keeps the first opening.
    """
    order = Order.objects.select_for_update().get(pk=order.pk)
    refusal = order.write_refusal("son ouverture ne peut plus être modifiée.")
    if refusal:
        raise OrderError(refusal)
    if certification_type not in CertificationType.values:
        raise OrderError("Choisissez la certification visée.")
    certification_code = (certification_code or "").strip().upper()
    message = certification_error(certification_type, certification_code)
    if message:
        raise OrderError(message)
    if certification_type != CertificationType.RNCP:
        certification_level = ""
    if nsf_code and nsf_code not in NSF_CODES:
        raise OrderError("Code NSF inconnu (voir la nomenclature des spécialités de formation).")
    if training_kind not in TrainingKind.values:
        raise OrderError("Nature de l'action inconnue.")
    if not (place or "").strip():
        raise OrderError("Indiquez le lieu de formation.")
    order.actual_start = actual_start
    order.place = place.strip()
    order.certification_type = certification_type
    order.certification_code = certification_code
    order.certification_level = certification_level or ""
    order.nsf_code = nsf_code or ""
    order.training_kind = training_kind
    order.distance_part = bool(distance_part)
    if order.opened_at is None:
        order.opened_at = timezone.now()
    _with_history_user(order, by).save()
    return order

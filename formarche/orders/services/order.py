"""Orders (bons de commande) placed by a Région with an OF."""

from datetime import date
from decimal import Decimal

from django.db import transaction

from formarche.accounts.selectors import is_active_region_member
from formarche.orders.models import Component, Dispositif, Lot, Order, OrderStatus, ProviderRole
from formarche.orders.rules import OrderError, check_order_terms, chorus_fields, with_history_user
from formarche.organisations.models import Organisation


def _check_parties(*, region, lot, dispositif, provider, provider_role) -> None:
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
    chorus_billing_frame: str = "",
    chorus_commitment_number: str = "",
    chorus_service_code: str = "",
) -> Order:
    """A Région places an order (bon de commande) with an OF; its lot and dispositif must be its own.
    The Chorus Pro fields are optional (:func:`formarche.orders.rules.chorus_fields`)."""
    number = (number or "").strip()
    _check_parties(
        region=region, lot=lot, dispositif=dispositif, provider=provider, provider_role=provider_role
    )
    check_order_terms(
        number=number,
        unit_price=unit_price,
        amount=amount,
        planned_start=planned_start,
        planned_end=planned_end,
        duration_months=duration_months,
    )
    chorus = chorus_fields(
        billing_frame=chorus_billing_frame,
        commitment_number=chorus_commitment_number,
        service_code=chorus_service_code,
    )
    if referent is not None and not is_active_region_member(user=referent, region=region):
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
        **chorus,
    )
    with_history_user(order, by).save()
    Component.objects.bulk_create(
        Component(order=order, code=code, label=label) for code, label in components
    )
    return order

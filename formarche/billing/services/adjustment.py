"""Pénalités / Bonus: the Région enters or removes them, until the solde is issued."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction

from formarche.billing.models import Adjustment, AdjustmentKind, Solde
from formarche.billing.services._common import BillingError, as_user, check_amount, require_not_archived
from formarche.orders.models import Order


def _require_adjustable(order: Order) -> None:
    require_not_archived(order, "les pénalités et bonus ne sont plus modifiables.")
    if Solde.objects.filter(order=order).exists():
        raise BillingError("Le solde est émis : les pénalités et bonus ne sont plus modifiables.")


@transaction.atomic
def adjustment_add(*, order: Order, user, kind: str, label: str, amount: Decimal, reason: str) -> Adjustment:
    """The Région enters a penalty or a bonus (label, amount > 0, reason), before the solde."""
    label = (label or "").strip()
    reason = (reason or "").strip()
    if kind not in AdjustmentKind.values:
        raise BillingError("Choisissez la nature : pénalité ou bonus.")
    if not label:
        raise BillingError("Indiquez le libellé de la pénalité ou du bonus.")
    check_amount(amount)
    if not reason:
        raise BillingError(
            "Indiquez le motif : l'organisme le lira sur la page Pénalités / Bonus et sur le solde."
        )
    order = Order.objects.select_for_update().get(pk=order.pk)
    _require_adjustable(order)
    adjustment = as_user(
        Adjustment(order=order, kind=kind, label=label, amount=amount, reason=reason, created_by=user), user
    )
    adjustment.save()
    return adjustment


@transaction.atomic
def adjustment_remove(*, adjustment: Adjustment, user) -> None:
    """The Région removes a penalty or a bonus entered by mistake, before the solde."""
    order = Order.objects.select_for_update().get(pk=adjustment.order_id)
    _require_adjustable(order)
    adjustment = Adjustment.objects.get(pk=adjustment.pk)
    as_user(adjustment, user).delete()

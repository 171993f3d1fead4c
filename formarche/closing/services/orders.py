"""Fermeture, réouverture et archivage de l'action (real end date, closing, the Région's
reopening, archiving)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from formarche.billing.services import BillingError, solde_void
from formarche.closing import notifications
from formarche.closing.errors import ClosingError
from formarche.closing.models import Reopening
from formarche.closing.selectors import closing_status, reopen_refusal
from formarche.closing.services._common import as_author, require_open
from formarche.orders.models import Order, OrderStatus
from formarche.utils.formatting import format_date


@transaction.atomic
def order_real_end_set(*, order: Order, real_end: dt.date | None, by=None) -> Order:
    """Record the action's real end date (while it is open)."""
    order = Order.objects.select_for_update().get(pk=order.pk)
    require_open(order, "sa date de fin réelle n'est plus modifiable.")
    if real_end is not None and real_end < order.planned_start:
        raise ClosingError(
            f"La date de fin réelle ({format_date(real_end)}) précède le début de l'action "
            f"({format_date(order.planned_start)})."
        )
    if order.real_end != real_end:
        order.real_end = real_end
        as_author(order, by, "Date de fin réelle").save(update_fields=["real_end"])
    return order


@transaction.atomic
def order_close(*, order: Order, by=None, real_end: dt.date | None = None) -> Order:
    """Close the action once the three conditions hold; e-mail the OF's members and the référent.

    ``real_end``, when given, is recorded first (the seed's « Date de fin réelle* » field).
    """
    order = Order.objects.select_for_update().get(pk=order.pk)
    if order.status != OrderStatus.OPEN:
        raise ClosingError(f"L'action est déjà {order.get_status_display().lower()}.")
    if real_end is not None:
        order = order_real_end_set(order=order, real_end=real_end, by=by)
    status = closing_status(order)
    if status.missing:
        raise ClosingError("L'action ne peut pas encore être fermée.", errors=status.missing)
    order.status = OrderStatus.CLOSED
    reopening = Reopening.objects.select_for_update().filter(order=order, reclosed_at__isnull=True).first()
    reason = "Nouvelle fermeture de l'action" if reopening else "Fermeture de l'action"
    as_author(order, by, reason).save(update_fields=["status"])
    if reopening is not None:
        reopening.reclosed_at = timezone.now()
        reopening.reclosed_by = by
        as_author(reopening, by, reason).save(update_fields=["reclosed_at", "reclosed_by"])
    transaction.on_commit(lambda: notifications.order_closed(order, by))
    return order


REASON_MISSING = (
    "Indiquez le motif de la réouverture : l'organisme le lira pour savoir ce qu'il doit corriger."
)


@transaction.atomic
def order_reopen(*, order: Order, by, reason: str) -> Reopening:
    """The Région reopens a closed action so that the OF corrects an exit or hours (ADR 0021).

    Refused (nothing changed) on an open or archived action, once the solde is paid, or without a
    reason. An issued solde not yet paid is annulled (its invoice rejected with the reason) and is
    recomputed when the OF issues it again after the new closing; the CRE final stays as issued —
    hours corrected now are a rectificatif that the solde takes. The OF's members and the référent
    are e-mailed on commit.
    """
    reason = (reason or "").strip()
    if not reason:
        raise ClosingError(REASON_MISSING)
    order = Order.objects.select_for_update().get(pk=order.pk)
    refusal = reopen_refusal(order)
    if refusal:
        raise ClosingError(refusal)
    try:
        solde = solde_void(order=order, user=by, reason=f"Action rouverte par la Région : {reason}")
    except BillingError as exc:
        raise ClosingError(str(exc)) from exc
    order.status = OrderStatus.OPEN
    as_author(order, by, f"Réouverture de l'action : {reason}"[:100]).save(update_fields=["status"])
    reopening = as_author(
        Reopening(
            order=order,
            reason=reason,
            reopened_at=timezone.now(),
            reopened_by=by,
            solde_voided=solde is not None,
        ),
        by,
    )
    reopening.save()
    transaction.on_commit(lambda: notifications.order_reopened(order, reopening))
    return reopening


@transaction.atomic
def order_archive(*, order: Order, by=None) -> Order:
    """Archive a closed action (Région, or the OF's manager)."""
    order = Order.objects.select_for_update().get(pk=order.pk)
    if order.status != OrderStatus.CLOSED:
        raise ClosingError("Seule une action fermée peut être archivée.")
    order.status = OrderStatus.ARCHIVED
    as_author(order, by, "Archivage de l'action").save(update_fields=["status"])
    return order

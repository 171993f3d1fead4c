"""Fermeture et archivage de l'action (the order's real end date, closing, archiving)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from formarche.closing import notifications
from formarche.closing.errors import ClosingError
from formarche.closing.selectors import closing_status
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
    as_author(order, by, "Fermeture de l'action").save(update_fields=["status"])
    transaction.on_commit(lambda: notifications.order_closed(order, by))
    return order


@transaction.atomic
def order_archive(*, order: Order, by=None) -> Order:
    """Archive a closed action (Région, or the OF's manager)."""
    order = Order.objects.select_for_update().get(pk=order.pk)
    if order.status != OrderStatus.CLOSED:
        raise ClosingError("Seule une action fermée peut être archivée.")
    order.status = OrderStatus.ARCHIVED
    as_author(order, by, "Archivage de l'action").save(update_fields=["status"])
    return order

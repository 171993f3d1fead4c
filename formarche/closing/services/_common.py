"""What every closing service shares: the history author, and the locks that refuse a frozen action."""

from __future__ import annotations

from formarche.closing.errors import ClosingError
from formarche.orders.models import Order, write_refusal


def as_author(instance, user, reason: str | None = None):
    """Name the author (and the reason) in the history row, also outside a web request."""
    if user is not None:
        instance._history_user = user
    if reason:
        instance._change_reason = reason
    return instance


def require_open(order, what: str) -> None:
    """What closing freezes: refused on a closed or archived action."""
    refusal = order.write_refusal(what)
    if refusal:
        raise ClosingError(refusal)


def require_not_archived(order_id: int, what: str) -> None:
    """What follows the closing (questionnaires, change requests): refused on an archived action only.

    Locks the action (call inside ``transaction.atomic``) so that an archiving waits for the write.
    """
    status = (
        Order.objects.select_for_update(no_key=True)
        .filter(pk=order_id)
        .values_list("status", flat=True)
        .get()
    )
    refusal = write_refusal(status, what, allow_closed=True)
    if refusal:
        raise ClosingError(refusal)

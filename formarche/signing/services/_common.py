"""The lock every émargement write takes on its action, refusing a closed or archived one."""

from __future__ import annotations

from formarche.orders.models import Order, write_refusal
from formarche.signing.errors import SigningRefused

SCHEDULE_REFUSED = "aucune séance ne peut plus y être planifiée."
SIGNING_REFUSED = "l'émargement n'est plus possible."


def require_open_order(order_id: int, what: str, *, lock_for_update: bool = False) -> None:
    """Lock the action (call inside ``transaction.atomic``) and refuse when it is closed or archived.

    ``lock_for_update``: the full row lock that serialises the signature chain of the action.
    """
    queryset = Order.objects.filter(pk=order_id)
    queryset = queryset.select_for_update() if lock_for_update else queryset.select_for_update(no_key=True)
    refusal = write_refusal(queryset.values_list("status", flat=True).get(), what)
    if refusal:
        raise SigningRefused(refusal)

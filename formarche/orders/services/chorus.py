"""The Chorus Pro fields of an order, set by the Région: cadre de facturation (BT-23), numéro
d'engagement juridique (BT-13), code service (BT-10); every Factur-X issued afterwards carries
them (``formarche.billing.selectors.documents``)."""

from django.db import transaction

from formarche.orders.models import Order
from formarche.orders.rules import OrderError, chorus_fields, with_history_user


@transaction.atomic
def order_chorus_update(
    *, order: Order, by=None, billing_frame: str = "", commitment_number: str = "", service_code: str = ""
) -> Order:
    """The Région sets (or clears) the Chorus Pro fields of one of its orders. Invoices already
    issued keep what they carry; the next ones take the new values."""
    values = chorus_fields(
        billing_frame=billing_frame, commitment_number=commitment_number, service_code=service_code
    )
    order = Order.objects.select_for_update().get(pk=order.pk)
    refusal = order.write_refusal("ses références Chorus Pro ne peuvent plus être modifiées.")
    if refusal:
        raise OrderError(refusal)
    if all(getattr(order, name) == value for name, value in values.items()):
        return order  # nothing changed (a second identical POST)
    for name, value in values.items():
        setattr(order, name, value)
    with_history_user(order, by).save()
    return order

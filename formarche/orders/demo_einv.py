"""Demo world, orders: the Chorus Pro fields of the seed order (cadre A1, engagement juridique,
code service), so that its Factur-X carry them (issue #19, point 2). Idempotent."""

from formarche.orders.models import ChorusBillingFrame

SEED_CHORUS = {
    "chorus_billing_frame": ChorusBillingFrame.SUPPLIER,
    "chorus_commitment_number": "1300045678",
    "chorus_service_code": "FORMATION-PRO",
}


def populate_einv(world, *, order_number: str):
    """``order_number``: the seed order's (``formarche.orders.demo.SEED_ORDER``)."""
    order = world.orders[order_number]
    changed = [name for name, value in SEED_CHORUS.items() if getattr(order, name) != value]
    for name in changed:
        setattr(order, name, SEED_CHORUS[name])
    if changed:
        order.save(update_fields=changed)

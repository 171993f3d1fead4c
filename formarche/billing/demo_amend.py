"""Demo world, avenants (ADR 0020): avenant n° 1 on order 23Q05322133_1 (Aude, Compétences
Plus, 42 480,00 € HT at 11,80 €/h = 3 600 h, 12 months): from 1 March 2024 the volume rises to
4 000 h (47 200,00 € HT), the planned end moves from 03/09/2024 to 31/10/2024 (14 months).
No period of this order is validated, so every statement to come applies it; the action's page
shows it under « Avenants ». Idempotent (skipped when the order already has an avenant)."""

from datetime import date
from decimal import Decimal

from formarche.billing.services.amendment import amendment_create
from formarche.orders.demo import AUDE_ORDER

AMEND_EFFECTIVE = date(2024, 3, 1)
AMEND_REASON = (
    "Entrées supplémentaires demandées par le prescripteur : 4 places de plus (avenant signé le 26/02/2024)."
)


def populate_amend(world):
    order = world.orders.get(AUDE_ORDER)
    if order is None or order.amendments.exists():
        return None
    return amendment_create(
        order=order,
        user=world.users["region"],
        effective_date=AMEND_EFFECTIVE,
        reason=AMEND_REASON,
        volume_hours=Decimal("4000"),
        planned_end=date(2024, 10, 31),
        duration_months=14,
    )

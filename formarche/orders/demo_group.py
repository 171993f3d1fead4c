"""Demo world, a group order (groupement, ADR 0018): 23Q08120377_1, held by IN2045 as mandataire;
its co-traitant IN1331 and the shares are set by :mod:`formarche.billing.demo_group` (the
group's rules live in billing)."""

from datetime import date
from decimal import Decimal

from django.utils import timezone

from formarche.orders.models import Component, Dispositif, Lot, Order, OrderStatus, ProviderRole

GROUP_ORDER = "23Q08120377_1"


def populate_group(world):
    lot = Lot.objects.get(market__region=world.region, number=532)
    dispositif = Dispositif.objects.get(region=world.region, code="competences-plus")
    order, created = Order.objects.get_or_create(
        number=GROUP_ORDER,
        defaults={
            "title": "Préparateur(trice) de commandes — action en groupement",
            "region": world.region,
            "lot": lot,
            "dispositif": dispositif,
            "provider": world.of2,
            "provider_role": ProviderRole.TITULAIRE,
            "unit_price": Decimal("12.00"),
            "amount": Decimal("24000.00"),
            "duration_months": 10,
            "planned_start": date(2023, 9, 4),
            "planned_end": date(2024, 6, 28),
            "planned_headcount": 10,
            "referent": world.users["region"],
            "status": OrderStatus.OPEN,
            "actual_start": date(2023, 9, 4),
            "certification_type": "rncp",
            "certification_code": "RNCP34860",
            "certification_level": "3",
            "nsf_code": "311",
            "place": "Narbonne et Carcassonne",
        },
    )
    if created:
        order.opened_at = timezone.now()
        order.save(update_fields=["opened_at"])
        Component.objects.get_or_create(order=order, code="C1", defaults={"label": "Parcours principal"})
    world.orders[GROUP_ORDER] = order

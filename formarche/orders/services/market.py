"""The Région's markets (marchés)."""

from django.db import transaction

from formarche.orders.models import Market
from formarche.orders.rules import OrderError
from formarche.organisations.models import Organisation


@transaction.atomic
def market_create(*, region: Organisation, reference: str, title: str, year: int | None = None) -> Market:
    if not region.is_region:
        raise OrderError("Seule une Région passe des marchés.")
    if Market.objects.filter(region=region, reference=reference).exists():
        raise OrderError("Cette référence de marché existe déjà pour cette Région.")
    return Market.objects.create(region=region, reference=reference, title=title, year=year)

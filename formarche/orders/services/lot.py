"""The lots of a market."""

from django.db import transaction

from formarche.orders.models import Lot, Market
from formarche.orders.rules import OrderError
from formarche.organisations.models import Organisation


@transaction.atomic
def lot_create(
    *,
    region: Organisation,
    market: Market,
    number: int,
    sector: str,
    trade_family: str,
    territory: str,
    pricing_unit: str = "HSTA",
) -> Lot:
    if market.region_id != region.pk:
        raise OrderError("Ce marché n'appartient pas à votre Région.")
    if Lot.objects.filter(market=market, number=number).exists():
        raise OrderError("Ce numéro de lot existe déjà dans ce marché.")
    return Lot.objects.create(
        market=market,
        number=number,
        sector=sector,
        trade_family=trade_family,
        territory=territory,
        pricing_unit=pricing_unit or "HSTA",
    )

"""Demo world, orders: the seed's two orders for OF IN1331 and one for the second OF."""

from datetime import date
from decimal import Decimal

from django.utils import timezone

from formarche.orders.demo_group import populate_group
from formarche.orders.models import Component, Dispositif, Lot, Market, Order, OrderStatus, ProviderRole

SEED_ORDER = "23Q00030612_1"
AUDE_ORDER = "23Q05322133_1"
OF2_ORDER = "23Q07010455_1"

DISPOSITIFS = {
    # code: name (advance 30 %, cap 80 %)
    "parcours-qualifiants": "Parcours Qualifiants",
    "competences-plus": "Compétences Plus",
}
LOTS = [
    (3, "AGRICULTURE", "METIERS DE LA PRODUCTION VEGETALE", "DEPARTEMENT DU TARN"),
    (532, "TRANSPORT", "METIERS DE LA LOGISTIQUE", "DEPARTEMENT DE L'AUDE"),
    (701, "NUMERIQUE", "METIERS DU DEVELOPPEMENT WEB", "DEPARTEMENT DE L'AUDE"),
]
# number, title, lot number, dispositif code, provider (world attribute), amount, unit price, months,
# start, end, headcount, opening data
ORDER_SPECS = [
    (
        SEED_ORDER,
        "Ouvrier(ère) en production végétale — parcours qualifiant",
        3,
        "parcours-qualifiants",
        "of1",
        Decimal("57820.00"),
        Decimal("11.80"),
        18,
        date(2023, 3, 13),
        date(2024, 9, 12),
        20,
        {
            "certification_type": "rncp",
            "certification_code": "RNCP38233",
            "certification_level": "3",
            "nsf_code": "210",
            "place": "Lycée agricole, Albi",
        },
    ),
    (
        AUDE_ORDER,
        "Agent(e) magasinier(ère) cariste",
        532,
        "competences-plus",
        "of1",
        Decimal("42480.00"),
        Decimal("11.80"),
        12,
        date(2023, 9, 4),
        date(2024, 9, 3),
        12,
        {
            "certification_type": "rncp",
            "certification_code": "RNCP34860",
            "certification_level": "3",
            "nsf_code": "311",
            "place": "Plateforme logistique, Narbonne",
        },
    ),
    (
        OF2_ORDER,
        "Développeur(se) web — remise à niveau",
        701,
        "competences-plus",
        "of2",
        Decimal("25200.00"),
        Decimal("12.00"),
        10,
        date(2023, 10, 2),
        date(2024, 8, 1),
        8,
        {
            "certification_type": "rs",
            "certification_code": "RS5487",
            "nsf_code": "326",
            "place": "Carcassonne",
        },
    ),
]


def _market(region) -> Market:
    market, _ = Market.objects.get_or_create(
        region=region,
        reference="2022-PRF-OCC",
        defaults={"title": "Programme régional de formation — Occitanie", "year": 2022},
    )
    return market


def _dispositifs(region) -> dict[str, Dispositif]:
    dispositifs = {}
    for code, name in DISPOSITIFS.items():
        dispositifs[code], _ = Dispositif.objects.get_or_create(
            region=region,
            code=code,
            defaults={"name": name, "advance_rate": Decimal("0.30"), "cap_rate": Decimal("0.80")},
        )
    return dispositifs


def _lots(market) -> dict[int, Lot]:
    lots = {}
    for number, sector, family, territory in LOTS:
        lots[number], _ = Lot.objects.get_or_create(
            market=market,
            number=number,
            defaults={
                "sector": sector,
                "trade_family": family,
                "territory": territory,
                "pricing_unit": "HSTA",
            },
        )
    return lots


def _order(world, spec, *, lots, dispositifs) -> None:
    number, title, lot, code, provider, amount, price, months, start, end, headcount, opening = spec
    order, created = Order.objects.get_or_create(
        number=number,
        defaults={
            "title": title,
            "region": world.region,
            "lot": lots[lot],
            "dispositif": dispositifs[code],
            "provider": getattr(world, provider),
            "provider_role": ProviderRole.TITULAIRE,
            "unit_price": price,
            "amount": amount,
            "duration_months": months,
            "planned_start": start,
            "planned_end": end,
            "planned_headcount": headcount,
            "referent": world.users["region"],
            "status": OrderStatus.OPEN,
            "actual_start": start,
            **opening,
        },
    )
    if created:
        order.opened_at = timezone.now()
        order.save(update_fields=["opened_at"])
        Component.objects.get_or_create(order=order, code="C1", defaults={"label": "Parcours principal"})


def populate(world):
    market = _market(world.region)
    dispositifs = _dispositifs(world.region)
    lots = _lots(market)
    for spec in ORDER_SPECS:
        _order(world, spec, lots=lots, dispositifs=dispositifs)
    world.orders = {o.number: o for o in Order.objects.filter(number__in=[s[0] for s in ORDER_SPECS])}
    from formarche.orders.demo_einv import populate_einv

    populate_einv(world, order_number=SEED_ORDER)
    populate_group(world)

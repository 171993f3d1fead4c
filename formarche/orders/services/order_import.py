"""Import of orders (CSV / XLSX), as it was in services.py: moving to the imports app (helper "ingest").

Every row validated first, then all rows written or none.
"""

from dataclasses import dataclass, field

from django.db import transaction

from formarche.orders.models import Lot, Market, Order, OrderStatus
from formarche.orders.rules import with_history_user
from formarche.organisations.models import Organisation


@dataclass
class ImportReport:
    created: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def orders_import(*, region: Organisation, table, by=None) -> ImportReport:
    """Import orders of ``region`` from a parsed table (see :mod:`formarche.orders.importing`).

    All or nothing: if any row has an error, nothing is written and the report lists every error.
    Re-importing the same file changes nothing; a changed value for an existing number is an error.
    """
    from formarche.orders.importing import validate_rows

    plan = validate_rows(region=region, table=table)
    report = ImportReport(unchanged=[row.number for row in plan.unchanged], errors=plan.errors.messages())
    if not report.ok:
        report.unchanged = []
        return report
    with transaction.atomic():
        markets = {m.reference: m for m in Market.objects.filter(region=region)}
        lots = {
            (lot.market.reference, lot.number): lot
            for lot in Lot.objects.filter(market__region=region).select_related("market")
        }
        for row in plan.new:
            market = markets.get(row.market_reference)
            if market is None:
                market = markets[row.market_reference] = Market.objects.create(
                    region=region, reference=row.market_reference, title=row.market_reference
                )
            lot = lots.get((row.market_reference, row.lot_number))
            if lot is None:
                lot = lots[(row.market_reference, row.lot_number)] = Lot.objects.create(
                    market=market,
                    number=row.lot_number,
                    sector=row.sector,
                    trade_family=row.trade_family,
                    territory=row.territory,
                )
            order = Order(region=region, lot=lot, status=OrderStatus.OPEN, **row.order_fields())
            with_history_user(order, by).save()
            report.created.append(order.number)
    return report

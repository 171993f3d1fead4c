"""Import of the Région's orders (bons de commande) from CSV or XLSX: the ingest pipeline's
stages for them — parse and check by :func:`formarche.imports.order_rows.validate_rows` (every
row, errors row by row), write here, all rows or none, in one transaction."""

from __future__ import annotations

from dataclasses import dataclass, field

from formarche.imports import pipeline
from formarche.imports.order_rows import ImportPlan, validate_rows
from formarche.orders.models import Lot, Market, Order, OrderStatus
from formarche.organisations.models import Organisation

__all__ = ["ImportReport", "orders_import"]


@dataclass
class ImportReport:
    created: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def orders_import(*, region: Organisation, table, by=None) -> ImportReport:
    """Import orders of ``region`` from a parsed table (columns: :mod:`formarche.imports.order_rows`).

    All or nothing: if any row has an error, nothing is written and the report lists every error.
    Re-importing the same file changes nothing; a changed value for an existing number is an error.
    """
    plan = ImportPlan()
    report = ImportReport()

    def check(checked: ImportPlan) -> None:
        report.unchanged = [row.number for row in checked.unchanged]

    created = pipeline.run(
        table,
        parse=lambda source: validate_rows(region=region, table=source, plan=plan),
        check=check,
        write=lambda checked: _write_orders(region, checked, by),
        errors=plan.errors,
    )
    report.errors = plan.errors.messages()
    if created is None:
        report.unchanged = []
        return report
    report.created = created
    return report


def _write_orders(region: Organisation, plan: ImportPlan, by) -> list[str]:
    """The new orders, their unknown markets and lots created on the way; returns their numbers."""
    markets = {m.reference: m for m in Market.objects.filter(region=region)}
    lots = {
        (lot.market.reference, lot.number): lot
        for lot in Lot.objects.filter(market__region=region).select_related("market")
    }
    created = []
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
        if by is not None:
            order._history_user = by
        order.save()
        created.append(order.number)
    return created

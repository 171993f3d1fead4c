"""Benchmark of the statement engine: statements for many orders × periods, periods per second.

Run: ``.venv/bin/python benchmarks/engine_bench.py [--orders 10000] [--periods 24] [--seed 3]``.
Prints figures; it is not a test.  Inputs are built before the clock starts; the timed part is
``compute_statements`` alone (validation of the periods' order included), on one core.
"""

from __future__ import annotations

import argparse
import platform
import random
import sys
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from formarche.billing.engine import OrderTerms, PeriodInput, compute_statements  # noqa: E402


def build_orders(orders: int, periods: int, seed: int) -> list[tuple[OrderTerms, list[PeriodInput]]]:
    rng = random.Random(seed)
    built = []
    for index in range(orders):
        unit_price = Decimal(rng.randint(800, 2500)).scaleb(-2)  # 8,00 to 25,00 € / h
        contracted = rng.randint(500, 20000)
        terms = OrderTerms(
            amount=unit_price * contracted,
            unit_price=unit_price,
            duration_months=rng.choice((6, 12, 18, 24, 36)),
            vat_rate=Decimal("0.20") if index % 5 == 0 else Decimal("0"),
            advance_rate=Decimal("0.30") if index % 3 else Decimal("0"),
            cap_rate=Decimal("0.80") if index % 2 else None,
        )
        # Hours spread so that realisation ends anywhere between 40 % and 130 %.
        target = contracted * rng.uniform(0.4, 1.3)
        items = []
        for month in range(periods):
            hours = Decimal(int(rng.uniform(0, 2 * target / periods) * 100)).scaleb(-2)
            providers = None
            if index % 7 == 0:
                first = (hours * Decimal("0.6")).quantize(Decimal("0.01"))
                providers = {"IN1331": first, "IN2042": hours - first}
            items.append(
                PeriodInput(
                    period=date(2023 + month // 12, month % 12 + 1, 1),
                    realised_hours=hours,
                    counted_unrealised_hours=Decimal("0.00"),
                    final=month == periods - 1,
                    provider_hours=providers,
                )
            )
        built.append((terms, items))
    return built


def main() -> None:
    parser = argparse.ArgumentParser(description="Benchmark du moteur de calcul des états (CRE/CREF)")
    parser.add_argument("--orders", type=int, default=10_000)
    parser.add_argument("--periods", type=int, default=24)
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    started = time.perf_counter()
    orders = build_orders(args.orders, args.periods, args.seed)
    build_seconds = time.perf_counter() - started
    total_periods = args.orders * args.periods
    print(f"python {platform.python_version()} ({platform.python_implementation()}), {platform.machine()}")
    print(
        f"inputs: {args.orders} orders × {args.periods} periods = {total_periods} periods, built in {build_seconds:.2f} s"
    )
    best = None
    for run in range(1, args.repeat + 1):
        started = time.perf_counter()
        count = 0
        for terms, periods in orders:
            count += len(compute_statements(terms, periods))
        seconds = time.perf_counter() - started
        assert count == total_periods
        rate = count / seconds
        best = rate if best is None else max(best, rate)
        print(f"run {run}: {seconds:.3f} s, {rate:,.0f} periods/s, {seconds / count * 1e6:.2f} µs/period")
    print(f"best: {best:,.0f} periods/s (target ≥ 100,000 on one core)")


if __name__ == "__main__":
    main()

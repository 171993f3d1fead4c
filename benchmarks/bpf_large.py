"""Benchmark of the BPF on a large OF: 5 000 trainees, 500 000 attendance rows.

Run (SQLite, a throw-away file under /tmp):
    .venv/bin/python benchmarks/bpf_large.py
PostgreSQL (a database of its own, created with `createdb -h 127.0.0.1 -U postgres bench_bpf`):
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_bpf .venv/bin/python benchmarks/bpf_large.py

Steps: migrate and empty the benchmark database; build an interchange document in memory (50
actions, 5 000 trainees, one enrolment each, 100 daily rows each over 2023 and early 2024);
import it with `formarche.interchange` (timed: checks + bulk insertion); then, in the same run,
time (best of 3) the BPF of 2023 through the selector and the engine, and a single hand-written
SQL aggregate over the same attendance rows (the floor: what any BPF must at least read).
Prints both and their ratio. It is not a test.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def setup() -> str:
    url = os.environ.get("DATABASE_URL", "")
    if url:
        if not url.rstrip("/").rsplit("/", 1)[-1].startswith("bench"):
            sys.exit("DATABASE_URL doit désigner une base dédiée dont le nom commence par « bench ».")
    else:
        os.environ["FORMARCHE_VAR_DIR"] = tempfile.mkdtemp(prefix="formarche-bench-bpf-")
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.dev"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    call_command("flush", interactive=False, verbosity=0)
    from django.db import connection

    return connection.vendor


def build_document(trainees: int, rows_per: int, orders: int, seed: int) -> dict:
    rng = random.Random(seed)
    nsf = ["314", "315", "326", "331", "332", "334", "221", "311", "312", "324"]
    payers = ["c6"] * 6 + ["c2h", "c9", "c1", "c7"]
    doc = {
        "format": "formarche-interchange",
        "version": 1,
        "period": {"from": "2023-01-01", "to": "2024-12-31"},
        "organisation": {
            "code": "BENCH1",
            "name": "Organisme de banc d'essai",
            "nda": "76310000001",
            "siret": "",
            "naf_code": "8559A",
            "address_public": True,
        },
        "regions": [{"code": "BENCH-R", "name": "Région de banc d'essai"}],
        "fiscal_years": [
            {
                "start": "2023-01-01",
                "end": "2023-12-31",
                "allocation_rate": "0.8",
                "accounts": [
                    {"account": "6411", "debit": "800000.00"},
                    {"account": "604", "debit": "50000.00"},
                    {"account": "606", "debit": "120000.00"},
                    {"account": "706", "credit": "9000000.00"},
                ],
            }
        ],
        "trainers": [
            {
                "ref": f"F{i}",
                "last_name": f"Formateur{i}",
                "statuses": [{"start": "2020-01-01", "status": "external" if i % 5 == 0 else "cdi"}],
                "hours": [
                    {"day": f"2023-{m:02d}-01", "kind": "mois", "hours": "120.00"} for m in range(1, 13)
                ],
            }
            for i in range(40)
        ],
        "orders": [],
        "trainees": [],
        "enrolments": [],
        "attendance": [],
        "other_products": [
            {
                "on": "2023-06-30",
                "label": "Outils",
                "kind": "other",
                "other_kind": "teaching_tools",
                "amount": "1200.00",
            }
        ],
    }
    for o in range(orders):
        doc["orders"].append(
            {
                "number": f"BENCH{o:05d}",
                "title": f"Action {o}",
                "region": "BENCH-R",
                "market": {"reference": "M-BENCH", "title": "Marché"},
                "lot": {"number": o % 5 + 1, "sector": "S", "trade_family": "F", "territory": "T"},
                "dispositif": {"code": "pq", "name": "Parcours"},
                "unit_price": f"{rng.randint(900, 1600) / 100:.2f}",
                "amount": "500000.00",
                "planned_start": "2023-01-02",
                "planned_end": "2024-06-30",
                "duration_months": 18,
                "certification_type": rng.choice(["rncp", "rs", "aucune"]),
                "certification_level": "4",
                "nsf_code": nsf[o % len(nsf)],
                "training_kind": "formation",
                "distance_part": o % 7 == 0,
                "subcontracting": {"direction": "recue", "partner_name": "Titulaire"}
                if o == orders - 1
                else None,
            }
        )
    start = date(2023, 9, 1)
    statuses = ["demandeur_emploi"] * 6 + ["salarie", "apprenti", "particulier", "autre"]
    for t in range(trainees):
        order = doc["orders"][t % orders]["number"]
        doc["trainees"].append(
            {
                "ref": f"T{t}",
                "civility": "mme",
                "last_name": f"Nom{t}",
                "first_name": "Léa",
                "birth_date": "1990-05-17",
                "entry_status": statuses[t % len(statuses)],
            }
        )
        payer = "c10" if order == doc["orders"][-1]["number"] else payers[t % len(payers)]
        doc["enrolments"].append(
            {
                "ref": f"E{t}",
                "trainee": f"T{t}",
                "order": order,
                "entry_date": "2023-09-01",
                "planned_hours": "700.00",
                "payer": payer,
            }
        )
        day = start
        for _ in range(rows_per):
            while day.weekday() >= 5:
                day += timedelta(days=1)
            absent = rng.random() < 0.05
            doc["attendance"].append(
                {
                    "enrolment": f"E{t}",
                    "day": day.isoformat(),
                    "realised": "0.00" if absent else "7.00",
                    "counted_unrealised": "7.00" if absent else "0.00",
                }
            )
            day += timedelta(days=1)
    return doc


def best_of(n, fn):
    best, result = None, None
    for _ in range(n):
        t0 = time.perf_counter()
        result = fn()
        elapsed = time.perf_counter() - t0
        best = elapsed if best is None else min(best, elapsed)
    return best, result


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--trainees", type=int, default=5000)
    parser.add_argument("--rows-per-trainee", type=int, default=100)
    parser.add_argument("--orders", type=int, default=50)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    vendor = setup()

    from django.db import connection

    from formarche.attendance.models import Attendance
    from formarche.bpf.models import FiscalYear
    from formarche.bpf.selectors import bpf_compute
    from formarche.interchange.importer import import_document
    from formarche.orders.models import Order
    from formarche.trainees.models import Enrolment

    t0 = time.perf_counter()
    doc = build_document(args.trainees, args.rows_per_trainee, args.orders, args.seed)
    built = time.perf_counter() - t0
    rows = len(doc["attendance"])
    t0 = time.perf_counter()
    counts = import_document(doc)
    imported = time.perf_counter() - t0
    del doc
    fy = FiscalYear.objects.select_related("organisation").get(organisation__provider_code="BENCH1")
    if vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")

    bpf_time, computed = best_of(3, lambda: bpf_compute(fiscal_year=fy))
    sql = (
        f"SELECT a.enrolment_id, SUM(a.realised_hours), SUM(a.counted_unrealised_hours) "
        f"FROM {Attendance._meta.db_table} a "
        f"JOIN {Enrolment._meta.db_table} e ON e.id = a.enrolment_id "
        f"JOIN {Order._meta.db_table} o ON o.id = e.order_id "
        f"WHERE o.provider_id = %s AND a.day >= %s AND a.day <= %s GROUP BY a.enrolment_id"
    )

    def floor():
        with connection.cursor() as cursor:
            cursor.execute(sql, [fy.organisation_id, fy.start, fy.end])
            return cursor.fetchall()

    floor_time, floor_rows = best_of(3, floor)
    report = computed.report
    print(f"base : {vendor} · {counts['trainees']} stagiaires · {rows} lignes d'heures")
    print(f"document construit en {built:.1f} s ; import (contrôles + insertion) : {imported:.1f} s")
    print(
        f"BPF 2023 (sélecteur + moteur) : {bpf_time:.3f} s — F1.total = {report['F1.total.n']} stagiaires, "
        f"{report['F1.total.h']} h ; C.total = {report['C.total']} € ; {len(report.blocking)} contrôle(s) bloquant(s)"
    )
    print(f"plancher (un agrégat SQL écrit à la main, {len(floor_rows)} groupes) : {floor_time:.3f} s")
    print(f"rapport : {bpf_time / floor_time:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

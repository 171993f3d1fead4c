"""Benchmark of the read replica (issue #15): replay lag during a large import, BPF on primary vs replica.

Needs the local cluster (scripts/cluster/postgres.sh up): it reads var/cluster/env (or the file
named by FORMARCHE_CLUSTER_ENV) for the primary and the replica, and works in a database of its
own, ``bench_replica`` on that cluster (dropped and re-created; the replica follows).

    bash scripts/cluster/postgres.sh up
    .venv/bin/python benchmarks/replica_bench.py [--trainees 5000 --rows-per-trainee 100]

1. Imports the interchange document of benchmarks/bpf_large.py (5 000 trainees, 500 000 rows of
   hours) on the primary while a thread samples, every 100 ms, the primary's WAL position and the
   replica's replayed one: the lag in bytes (``pg_wal_lsn_diff``) and in seconds (now minus the
   last replayed commit, 0 when everything received is replayed — formarche/utils/dbrouter.py).
2. Times the BPF of 2023 (selector + engine, ``--repeat`` times, primary and replica alternated;
   the replica through the router's ``reads_from_replica`` block, checked to have read it).
Prints the figures with the machine's load. It is not a test.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

DB = "bench_replica"


def cluster_urls() -> tuple[str, str]:
    path = Path(os.environ.get("FORMARCHE_CLUSTER_ENV", ROOT / "var" / "cluster" / "env"))
    if not path.is_file():
        sys.exit(f"{path} absent : lancez d'abord scripts/cluster/postgres.sh up.")
    values = {}
    for line in path.read_text().splitlines():
        if line.startswith("export ") and "=" in line:
            name, _, value = line[len("export ") :].partition("=")
            values[name] = value.strip()
    try:
        return values["DATABASE_DIRECT_URL"], values["DATABASE_REPLICA_URL"]
    except KeyError:
        sys.exit(f"{path} ne nomme pas le primaire et la réplique : scripts/cluster/postgres.sh up.")


def with_db(url: str, name: str) -> str:
    parts = urlsplit(url)
    return parts._replace(path=f"/{name}").geturl()


def recreate_database(primary: str) -> None:
    parts = urlsplit(primary)
    base = [
        "-h",
        parts.hostname or "127.0.0.1",
        "-p",
        str(parts.port or 5432),
        "-U",
        parts.username or "postgres",
    ]
    subprocess.run(["dropdb", *base, "--if-exists", DB], check=True)
    subprocess.run(["createdb", *base, DB], check=True)


class LagSampler(threading.Thread):
    """Every ``interval`` seconds: (WAL bytes not replayed, age of the last replayed commit, the
    primary's replay_lag) of the replica."""

    def __init__(self, primary: str, replica: str, interval: float = 0.1):
        super().__init__(daemon=True)
        self.primary, self.replica, self.interval = primary, replica, interval
        self.samples: list[tuple[int, float, float]] = []
        self.stop = threading.Event()

    def run(self):
        import psycopg

        with (
            psycopg.connect(self.primary, autocommit=True) as primary,
            psycopg.connect(self.replica, autocommit=True) as replica,
        ):
            while not self.stop.is_set():
                current = primary.execute("SELECT pg_current_wal_lsn()").fetchone()[0]
                replayed, seconds = replica.execute(
                    "SELECT pg_last_wal_replay_lsn(), CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn()"
                    " THEN 0 ELSE COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()), 0)"
                    " END::float"
                ).fetchone()
                behind = primary.execute(
                    "SELECT pg_wal_lsn_diff(%s, %s)::bigint", [current, replayed]
                ).fetchone()[0]
                measured = primary.execute(
                    "SELECT COALESCE(max(EXTRACT(EPOCH FROM replay_lag)), 0)::float FROM pg_stat_replication"
                ).fetchone()[0]
                self.samples.append((max(0, int(behind)), float(seconds), float(measured)))
                time.sleep(self.interval)


def summary(values, unit: str, fmt: str) -> str:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
    return (
        f"médiane {format(statistics.median(ordered), fmt)} {unit}, p95 {format(p95, fmt)} {unit}, "
        f"max {format(ordered[-1], fmt)} {unit}"
    )


def best_of(n, fn):
    best = None
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        elapsed = time.perf_counter() - t0
        best = elapsed if best is None else min(best, elapsed)
    return best


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--trainees", type=int, default=5000)
    parser.add_argument("--rows-per-trainee", type=int, default=100)
    parser.add_argument("--orders", type=int, default=50)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    direct, replica_url = cluster_urls()
    primary, replica = with_db(direct, DB), with_db(replica_url, DB)
    recreate_database(direct)
    os.environ.update(
        DATABASE_URL=primary, DATABASE_REPLICA_URL=replica, DJANGO_SETTINGS_MODULE="config.settings.dev"
    )
    os.environ.pop("DATABASE_POOLER", None)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    time.sleep(2)  # the replica replays the new database's schema

    from bpf_large import build_document

    from formarche.bpf.models import FiscalYear
    from formarche.bpf.selectors import bpf_compute
    from formarche.interchange.importer import import_document
    from formarche.utils.dbrouter import current_read_alias, known_position, reads_from_replica

    doc = build_document(args.trainees, args.rows_per_trainee, args.orders, args.seed)
    rows = len(doc["attendance"])
    sampler = LagSampler(primary, replica)
    sampler.start()
    t0 = time.perf_counter()
    import_document(doc)
    imported = time.perf_counter() - t0
    del doc
    time.sleep(1.0)
    sampler.stop.set()
    sampler.join()
    from django.db import connections

    with connections["default"].cursor() as cursor:
        cursor.execute("ANALYZE")
    time.sleep(1.0)

    fy = FiscalYear.objects.select_related("organisation").get(organisation__provider_code="BENCH1")
    aliases = []

    def on_primary():
        bpf_compute(fiscal_year=fy)

    def on_replica():
        with known_position(None), reads_from_replica():
            bpf_compute(fiscal_year=fy)
            aliases.append(current_read_alias())

    # interleaved, so that the machine's load weighs on both alike
    times = {"le primaire": [], "la réplique": []}
    for _ in range(args.repeat):
        times["le primaire"].append(best_of(1, on_primary))
        times["la réplique"].append(best_of(1, on_replica))
    load = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    samples = sampler.samples
    print(f"charge moyenne (1, 5, 15 min) : {load}")
    print(f"import du format d'échange sur le primaire : {rows} lignes d'heures en {imported:.1f} s")
    print(f"retard de la réplique pendant l'import ({len(samples)} relevés, un toutes les 100 ms visé) :")
    print(f"  octets de WAL non rejoués : {summary([b for b, _, _ in samples], 'o', ',.0f')}")
    print(
        f"  replay_lag du primaire (pg_stat_replication) : {summary([m for _, _, m in samples], 's', '.2f')}"
    )
    print(
        "  âge du dernier commit rejoué (mesure du routeur ; croît pendant une longue transaction) : "
        f"{summary([s for _, s, _ in samples], 's', '.2f')}"
    )
    for where, values in times.items():
        print(
            f"BPF 2023 (sélecteur + moteur) sur {where} : meilleur {min(values):.3f} s, "
            f"médiane {statistics.median(values):.3f} s ({len(values)} calculs, alternés)"
        )
    print(f"  lectures du BPF « réplique » servies par : {sorted(set(aliases))}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""What the data-version triggers (ADR 0025) cost a bulk write, measured on the loaded bench database:

    FORMARCHE_BENCH_TAG=perf .venv/bin/python benchmarks/dataversion_cost.py --db postgres [--rounds 3]

Every hour row of the database is deleted by one statement and inserted again by one statement
(``INSERT … SELECT`` from a copy: one statement, as one ``COPY`` block of the import is), with the
triggers and without them (PostgreSQL: ``ALTER TABLE … DISABLE TRIGGER USER``; SQLite: the
triggers dropped), each pass inside a transaction rolled back: the database is left as it was.
Prints the elapsed time and (PostgreSQL) the backend's CPU of each pass, best of ``--rounds``,
alternating the two states, with the load average.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import cpu_delta, cpu_snapshot, loadavg, prepare_database  # noqa: E402

TABLE = "attendance_attendance"


def _triggers_sqlite(cursor) -> list[tuple[str, str]]:
    cursor.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s", [TABLE])
    return cursor.fetchall()


def one_pass(with_triggers: bool) -> dict:
    from django.db import connection, transaction

    backend = None
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            backend = cursor.fetchone()[0]
    out = {}
    with transaction.atomic(), connection.cursor() as cursor:
        if not with_triggers:
            if connection.vendor == "postgresql":
                cursor.execute(f"ALTER TABLE {TABLE} DISABLE TRIGGER USER")
            else:
                for name, _sql in _triggers_sqlite(cursor):
                    cursor.execute(f"DROP TRIGGER {name}")
        cursor.execute(f"CREATE TEMP TABLE dv_copy AS SELECT * FROM {TABLE}")
        cursor.execute("SELECT count(*) FROM dv_copy")
        out["rows"] = cursor.fetchone()[0]
        for step, sql in (
            ("delete", f"DELETE FROM {TABLE}"),
            ("insert", f"INSERT INTO {TABLE} SELECT * FROM dv_copy"),
        ):
            db0 = cpu_snapshot([backend]) if backend else {}
            t0 = time.perf_counter()
            c0 = time.process_time()
            cursor.execute(sql)
            out[f"{step}_s"] = time.perf_counter() - t0
            out[f"{step}_cpu_s"] = (
                cpu_delta(db0, cpu_snapshot([backend])) if backend else time.process_time() - c0
            )
        cursor.execute("DROP TABLE dv_copy")
        transaction.set_rollback(True)
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="benchmarks/dataversion_cost.py")
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="postgres")
    parser.add_argument("--size", default="of")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    prepare_database(args.db, args.size, fresh=False)
    print(f"[{loadavg()}] début", flush=True)
    best: dict[bool, dict] = {}
    for _ in range(args.rounds):
        for state in (True, False):
            got = one_pass(state)
            prev = best.get(state)
            best[state] = got if prev is None else {k: min(v, prev[k]) for k, v in got.items()}
            print(f"[{loadavg()}] déclencheurs {'oui' if state else 'non'} : {got}", flush=True)
    rows = best[True]["rows"]
    for step in ("insert", "delete"):
        on, off = best[True][f"{step}_s"], best[False][f"{step}_s"]
        con, coff = best[True][f"{step}_cpu_s"], best[False][f"{step}_cpu_s"]
        print(
            f"{step} de {rows} lignes d'heures, une instruction : {off:.2f} s sans déclencheurs, "
            f"{on:.2f} s avec (+{on - off:.2f} s) ; CPU {coff:.2f} → {con:.2f} s "
            f"({'serveur PostgreSQL' if args.db == 'postgres' else 'processus'}) ; charge {loadavg()}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

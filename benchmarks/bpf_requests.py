"""CPU of the BPF requests of the largest OF, in process (issue #16), for benchmarks/run.py:

    measure_bpf_requests(result)   # fills result["bpf"]: page_cpu_ms, json_cpu_ms, drill_cpu_ms…

Each request goes through Django's test client as the OF's user (the whole view: middleware,
session, tenancy, selectors, engine, template): ``time.process_time()`` of this process around
``client.get``, best of N, and on PostgreSQL the CPU its backend spent meanwhile (from /proc, the
``*_db_cpu_ms`` keys). The drill-down is the cell with the most sources (F-1 total hours: every
enrolment of the year).

Cold and warm (ADR 0025): the computed BPF is kept in the process's memory per data version of
the organisation. ``<name>_cpu_ms`` is **cold** — the memo emptied before each request (outside
the timed part), so the request reads the version, computes the BPF from the rows and renders it,
as the first request after a write does; ``<name>_warm_cpu_ms`` is **warm** — the same request
again, the data unchanged (version read, BPF taken from the memo, page rendered).

Standalone: ``.venv/bin/python benchmarks/bpf_requests.py --db postgres|sqlite [--profile page]``
on the database benchmarks/run.py loaded (size ``of``); ``--profile`` prints a pyinstrument tree.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import cpu_delta, cpu_snapshot, loadavg  # noqa: E402
from dataset import of_code  # noqa: E402

DRILL_KEY = "F1.total.h"
ROUNDS = {"page": 7, "json": 7, "drill": 7}


def _client(organisation_id: int):
    from django.apps import apps
    from django.test import Client

    from formarche.accounts.tenancy import SESSION_KEY

    membership = (
        apps.get_model("accounts", "Membership")
        .objects.select_related("user")
        .filter(organisation_id=organisation_id)
        .order_by("pk")
        .first()
    )
    client = Client()
    client.force_login(membership.user)
    session = client.session
    session[SESSION_KEY] = membership.pk
    session.save()
    return client


def targets() -> tuple[object, dict[str, str]]:
    from django.apps import apps
    from django.urls import reverse

    fy = (
        apps.get_model("bpf", "FiscalYear")
        .objects.filter(organisation__provider_code=of_code(0))
        .order_by("-end")
        .first()
    )
    kw = {"fiscal_year_id": fy.pk}
    return fy, {
        "page": reverse("bpf:report", kwargs=kw),
        "json": reverse("bpf:export_json", kwargs=kw),
        "drill": reverse("bpf:cell", kwargs={**kw, "cell_key": DRILL_KEY}),
    }


def _backend_pid() -> int | None:
    from django.db import connection

    if connection.vendor != "postgresql":
        return None
    connection.ensure_connection()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def _forget() -> None:
    from formarche.bpf.selectors import BPF_MEMO

    BPF_MEMO.clear()


def measure(client, path: str, rounds: int, *, cold: bool = True) -> dict:
    """Best and median CPU (ms) of ``rounds`` requests, and the backend's CPU of the best one;
    ``cold``: the memo of computed BPFs emptied before each request."""
    backend = _backend_pid()
    client.get(path, secure=True)  # templates, connection
    samples = []
    for _ in range(rounds):
        if cold:
            _forget()
        db0 = cpu_snapshot([backend]) if backend else {}
        t0 = time.process_time()
        response = client.get(path, secure=True)
        cpu = time.process_time() - t0
        db = cpu_delta(db0, cpu_snapshot([backend])) if backend else None
        if response.status_code != 200:
            raise SystemExit(f"{path} : statut {response.status_code}")
        samples.append((cpu, db, len(response.content)))
    samples.sort(key=lambda s: s[0])
    best = samples[0]
    return {
        "cpu_ms": round(best[0] * 1000, 1),
        "median_cpu_ms": round(samples[len(samples) // 2][0] * 1000, 1),
        "db_cpu_ms": round(best[1] * 1000, 1) if best[1] is not None else None,
        "bytes": best[2],
    }


def measure_bpf_requests(result: dict) -> None:
    """The keys of issue #16 in ``result["bpf"]``: ``<name>_cpu_ms`` (best), ``<name>_median_cpu_ms``,
    ``<name>_db_cpu_ms`` (the PostgreSQL backend's CPU during the best request) and the size."""
    fy, paths = targets()
    client = _client(fy.organisation_id)
    out = result.setdefault("bpf", {})
    out["requests_load_start"] = loadavg()
    for name, path in paths.items():
        for state, cold in (("", True), ("warm_", False)):
            got = measure(client, path, ROUNDS[name], cold=cold)
            out[f"{name}_{state}cpu_ms"] = got["cpu_ms"]
            out[f"{name}_{state}median_cpu_ms"] = got["median_cpu_ms"]
            out[f"{name}_{state}db_cpu_ms"] = got["db_cpu_ms"]
            out[f"{name}_{state}bytes"] = got["bytes"]
            print(
                f"[BPF {loadavg()}] {name} {'à froid' if cold else 'cache chaud'} : {got['cpu_ms']} ms "
                f"CPU (médiane {got['median_cpu_ms']}, base {got['db_cpu_ms']})",
                flush=True,
            )
    out["drill_key"] = DRILL_KEY
    out["requests_load_end"] = loadavg()


def _profile(name: str) -> None:
    from pyinstrument import Profiler

    fy, paths = targets()
    client = _client(fy.organisation_id)
    client.get(paths[name], secure=True)
    profiler = Profiler(interval=0.0005)
    profiler.start()
    client.get(paths[name], secure=True)
    profiler.stop()
    print(profiler.output_text(unicode=True, color=False, show_all=False))


def main(argv=None) -> int:
    from common import prepare_database

    parser = argparse.ArgumentParser(prog="benchmarks/bpf_requests.py")
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="postgres")
    parser.add_argument("--size", default="of")
    parser.add_argument("--profile", choices=sorted(ROUNDS))
    args = parser.parse_args(argv)
    prepare_database(args.db, args.size, fresh=False)
    if args.profile:
        _profile(args.profile)
        return 0
    result: dict = {}
    measure_bpf_requests(result)
    print(result["bpf"])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

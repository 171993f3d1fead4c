"""Benchmarks at real volumes (issue #8), one command:

    .venv/bin/python benchmarks/run.py --size of|region|small --db sqlite|postgres [--out var/bench]

1. Generates the data set (benchmarks/dataset.py, deterministic from ``--seed``) as interchange
   documents, one per OF, streamed to /tmp/formarche-bench-data/; imports them into a fresh
   database (SQLite file under /tmp/formarche-bench-<size>-sqlite/, or the PostgreSQL database
   ``bench_<size>``, dropped and re-created) with ``formarche.interchange.cli.cli_import`` — the
   billing included (validated periods, their statements, invoices, payments: the importer
   recomputes every statement); then adds what the format does not carry: the users and the
   Région's legal identity.
2. Measures, each beside a floor measured in the same run: import throughput (floor: parsing the
   JSON alone); the statements of every action of the Région for one month (floor: one SQL
   aggregate of the same hours); the BPF of the largest OF (floor: one SQL aggregate of its
   year); SQL queries per main page; latency p50/p95 and throughput of the main pages under 10 and
   50 clients against gunicorn on 127.0.0.1 (floor: a static file through the same server), with
   wrk (``--tool wrk``, the default when installed: benchmarks/wrk_load.py) or the Python tool
   (``--tool python``: benchmarks/load.py), and the CPU time the server (gunicorn and its
   PostgreSQL backends) spent per request, read from /proc; peak memory of this process and of
   the server's workers; bulk PDFs (``--pdf N``: N invoices and N attendance sheets, floor: a
   trivial one-page WeasyPrint document; benchmarks/pdf_bulk.py, one process per kind).
3. Writes the JSON to ``--out`` (default var/bench/) and the French summary of this (size, db) into
   docs/performance.md, between markers, with the machine's load average.

``--reuse`` skips the generation and the import (measures an already loaded database again, e.g.
after a fix); ``--skip-load`` skips the gunicorn part; ``--only pdf`` measures the bulk PDFs alone
on an already loaded database (its own section of docs/performance.md).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from common import (  # noqa: E402
    ROOT,
    analyze,
    bench_env,
    best_of,
    cpu_delta,
    cpu_snapshot,
    db_backend_pids,
    db_name,
    loadavg,
    peak_rss_mb,
    prepare_database,
    proc_cpu_s,
    proc_peak_mb,
)
from dataset import REGION_CODE, SIZES, add_users, complete_parties, of_code, write_documents  # noqa: E402
from load import run_load  # noqa: E402
from wrk_load import available as wrk_available  # noqa: E402
from wrk_load import run_wrk  # noqa: E402

DATA_DIR = Path("/tmp/formarche-bench-data")
SLOW_S = 3.0
MAX_RUN_S = 60.0


def log(message: str) -> None:
    print(f"[{datetime.now():%H:%M:%S} charge {loadavg()}] {message}", flush=True)


# --------------------------------------------------------------------------------------------
# 1. data
# --------------------------------------------------------------------------------------------


def load_data(size_name: str, db: str, seed: int, result: dict) -> None:
    from django.db import connection

    from formarche.interchange.cli import cli_import
    from formarche.interchange.importer import load_json

    size = SIZES[size_name]
    t0 = time.perf_counter()
    paths, billing = write_documents(size, seed, DATA_DIR / f"{size_name}-{seed}")
    generated = time.perf_counter() - t0
    log(f"{len(paths)} document(s) écrits en {generated:.1f} s")
    per_doc = []
    # CPU of the import, less sensitive than its elapsed time to the others' load: this process
    # (checks, COPY lines) and, on PostgreSQL, its backend (writing rows, maintaining indexes)
    backend = None
    if db == "postgres":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            backend = cursor.fetchone()[0]
    backend_cpu0 = proc_cpu_s(backend) if backend else None
    cpu0 = time.process_time()
    t_all = time.perf_counter()
    for path in paths:
        t0 = time.perf_counter()
        code = cli_import([str(path)])
        elapsed = time.perf_counter() - t0
        if code != 0:
            raise SystemExit(f"import refusé : {path}")
        per_doc.append(elapsed)
        log(f"importé {path.name} en {elapsed:.1f} s")
    imported = time.perf_counter() - t_all
    import_cpu = time.process_time() - cpu0
    backend_cpu1 = proc_cpu_s(backend) if backend else None
    db_cpu = backend_cpu1 - backend_cpu0 if backend_cpu0 is not None and backend_cpu1 is not None else None
    # floor: parsing the first document alone (what any import must at least do)
    parse, _ = best_of(1, lambda: load_json(paths[0].read_bytes()))
    rows_per_doc = size.trainees_per_of * size.rows_per_trainee
    result["import"] = {
        "documents": len(paths),
        "bytes": sum(p.stat().st_size for p in paths),
        "generate_s": round(generated, 2),
        "import_s": round(imported, 2),
        "rows": size.rows,
        "rows_per_s": round(size.rows / imported),
        "cpu_s": round(import_cpu, 2),
        "db_cpu_s": round(db_cpu, 2) if db_cpu is not None else None,
        "first_document_s": round(per_doc[0], 2),
        "floor_parse_first_document_s": round(parse, 2),
        "ratio": round(per_doc[0] / parse, 2),
        "rows_per_document": rows_per_doc,
        "peak_rss_mb": round(peak_rss_mb()),
        "load": loadavg(),
    }
    # the billing came in with the documents; only what the format does not carry is added
    t0 = time.perf_counter()
    add_users(size)
    complete_parties()
    result["import"]["users_s"] = round(time.perf_counter() - t0, 2)
    result["import"]["invoices"] = billing["invoices"]
    result["import"]["validated_periods"] = billing["periods"]
    result["import"]["payments"] = billing["payments"]
    log(
        f"facturation importée avec les documents : {billing['periods']} périodes validées, "
        f"{billing['invoices']} factures, {billing['payments']} paiements ; utilisateurs ajoutés"
    )


# --------------------------------------------------------------------------------------------
# 2. measures in process
# --------------------------------------------------------------------------------------------


def _fetch(sql: str, params) -> list:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def measure_statements(size_name: str, result: dict) -> None:
    """Every action of the Région, one month: live statements (not validated yet) and frozen ones."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from formarche.attendance.models import Attendance
    from formarche.orders.models import Order
    from formarche.organisations.models import Organisation
    from formarche.trainees.models import Enrolment
    from formarche.utils.dates import month_bounds

    size = SIZES[size_name]
    month = size.statement_month
    region = Organisation.objects.get(provider_code=REGION_CODE)
    orders = Order.objects.filter(region=region)

    def run_loop():
        """What a caller had before formarche.billing.batch: statement_preview action by action."""
        from formarche.billing.selectors import statement_preview

        return [
            statement_preview(order, month)[0] for order in orders.select_related("dispositif").order_by("pk")
        ]

    def run_batch():
        from formarche.billing.batch import month_statements

        return [statement for _, statement, _ in month_statements(orders, month)]

    measured = {}
    for key, fn in (("loop", run_loop), ("batch", run_batch)):
        with CaptureQueriesContext(connection) as ctx:
            elapsed, statements = best_of(1, fn)
        measured[key] = (elapsed, len(ctx.captured_queries), statements)
    loop_s, loop_q, loop_st = measured["loop"]
    elapsed, queries, statements = measured["batch"]
    assert statements == loop_st, "le calcul groupé diffère de statement_preview"
    end = month_bounds(month)[1]
    sql = (
        f"SELECT e.order_id, SUM(a.realised_hours), SUM(a.counted_unrealised_hours) "
        f"FROM {Attendance._meta.db_table} a JOIN {Enrolment._meta.db_table} e ON e.id = a.enrolment_id "
        f"JOIN {Order._meta.db_table} o ON o.id = e.order_id "
        f"WHERE o.region_id = %s AND a.day <= %s GROUP BY e.order_id"
    )
    floor, rows = best_of(3, lambda: _fetch(sql, [region.pk, end]))
    total = sum((s.total_ttc for s in statements if s is not None), 0)
    result["statements"] = {
        "month": month.isoformat(),
        "actions": len(statements),
        "loop_s": round(loop_s, 3),
        "loop_queries": loop_q,
        "loop_ratio": round(loop_s / floor, 1),
        "seconds": round(elapsed, 3),
        "queries": queries,
        "floor_sql_s": round(floor, 3),
        "floor_groups": len(rows),
        "ratio": round(elapsed / floor, 1),
        "total_ttc": str(total),
        "load": loadavg(),
    }
    log(
        f"relevés du mois {month:%Y-%m} : action par action {loop_s:.2f} s ({loop_q} requêtes), "
        f"groupés {elapsed:.2f} s ({queries} requêtes), plancher {floor:.3f} s"
    )

    # frozen statements: the month before, validated — read, never recomputed
    previous = (month.replace(day=1) - timedelta(days=1)).replace(day=1)

    def run_frozen():
        from formarche.billing.batch import frozen_month_statements

        return frozen_month_statements(orders, previous)

    frozen, got = best_of(3, run_frozen)
    result["statements"]["frozen_month"] = previous.isoformat()
    result["statements"]["frozen_s"] = round(frozen, 3)
    result["statements"]["frozen_count"] = len(got)


def measure_bpf(result: dict) -> None:
    from formarche.attendance.models import Attendance
    from formarche.bpf.models import FiscalYear
    from formarche.bpf.selectors import bpf_compute
    from formarche.orders.models import Order
    from formarche.trainees.models import Enrolment

    fy = FiscalYear.objects.select_related("organisation").get(organisation__provider_code=of_code(0))
    elapsed, computed = best_of(2, lambda: bpf_compute(fiscal_year=fy))
    sql = (
        f"SELECT a.enrolment_id, SUM(a.realised_hours), SUM(a.counted_unrealised_hours) "
        f"FROM {Attendance._meta.db_table} a "
        f"JOIN {Enrolment._meta.db_table} e ON e.id = a.enrolment_id "
        f"JOIN {Order._meta.db_table} o ON o.id = e.order_id "
        f"WHERE o.provider_id = %s AND a.day >= %s AND a.day <= %s GROUP BY a.enrolment_id"
    )
    floor, rows = best_of(3, lambda: _fetch(sql, [fy.organisation_id, fy.start, fy.end]))
    report = computed.report
    result["bpf"] = {
        "organisation": fy.organisation.provider_code,
        "trainees": str(report["F1.total.n"]),
        "hours": str(report["F1.total.h"]),
        "seconds": round(elapsed, 3),
        "floor_sql_s": round(floor, 3),
        "floor_groups": len(rows),
        "ratio": round(elapsed / floor, 1),
        "load": loadavg(),
    }
    log(f"BPF : {elapsed:.2f} s, plancher {floor:.3f} s")


def measure_index_sizes(result: dict) -> None:
    """Sizes of the hours' table and of its indexes (PostgreSQL: what ``\\di+`` shows), and of
    its history table's, for the index decisions of docs/performance.md."""
    from formarche.attendance.models import Attendance

    out = {}
    for model in (Attendance, Attendance.history.model):
        table = model._meta.db_table
        rows = _fetch(
            "SELECT c.relname, pg_relation_size(c.oid), pg_get_indexdef(c.oid) FROM pg_index i "
            "JOIN pg_class c ON c.oid = i.indexrelid WHERE i.indrelid = %s::regclass ORDER BY c.relname",
            [table],
        )
        (table_bytes,) = _fetch("SELECT pg_relation_size(%s::regclass)", [table])[0]
        out[table] = {
            "table_bytes": table_bytes,
            "indexes": {name: {"bytes": size, "definition": definition} for name, size, definition in rows},
        }
    result["index_sizes"] = out
    log(
        "index : "
        + " ; ".join(
            f"{name} {v['bytes'] / 2**20:.1f} Mio" for t in out.values() for name, v in t["indexes"].items()
        )
    )


def page_targets() -> tuple[dict, dict]:
    """Main pages: {key: (path, user key)} and the session cookies per user key."""
    from django.test import Client
    from django.urls import reverse

    from formarche.accounts.models import Membership, User
    from formarche.accounts.tenancy import SESSION_KEY
    from formarche.bpf.models import FiscalYear
    from formarche.orders.models import Order

    of0 = of_code(0)
    order = Order.objects.filter(provider__provider_code=of0).order_by("number").first()
    fy = FiscalYear.objects.get(organisation__provider_code=of0)
    pages = {
        "action_list": (reverse("orders:action_list"), "region"),
        "followup": (reverse("attendance:followup", kwargs={"order_id": order.pk}), "of"),
        "grid_month": (
            reverse("attendance:grid_month", kwargs={"order_id": order.pk, "period": "2023-06"}),
            "of",
        ),
        "region_invoices": (reverse("billing:region_invoices"), "region"),
        "region_invoices_all": (reverse("billing:region_invoices") + "?statut=toutes", "region"),
        "bpf_index": (reverse("bpf:index"), "of"),
        "bpf_report": (reverse("bpf:report", kwargs={"fiscal_year_id": fy.pk}), "of"),
    }
    cookies = {}
    for key, email in (("region", "region@banc.formarche.fr"), ("of", "of0@banc.formarche.fr")):
        user = User.objects.get(email=email)
        client = Client()
        client.force_login(user)
        session = client.session
        session[SESSION_KEY] = Membership.objects.get(user=user).pk
        session.save()
        cookies[key] = f"sessionid={session.session_key}"
    return pages, cookies


def measure_queries(pages: dict, cookies: dict, result: dict) -> None:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    out = {}
    for key, (path, who) in pages.items():
        client = Client()
        client.cookies.load(cookies[who])
        client.get(path, secure=True)  # warm
        with CaptureQueriesContext(connection) as ctx:
            t0 = time.perf_counter()
            response = client.get(path, secure=True)
            elapsed = time.perf_counter() - t0
        out[key] = {
            "path": path,
            "status": response.status_code,
            "queries": len(ctx.captured_queries),
            "in_process_ms": round(elapsed * 1000, 1),
            "bytes": len(response.content),
        }
        log(f"{key} : {response.status_code}, {len(ctx.captured_queries)} requêtes, {elapsed * 1000:.0f} ms")
    result["queries"] = out


# --------------------------------------------------------------------------------------------
# 3. pages under load (gunicorn)
# --------------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(x) for x in text.split()]


def run_seconds(duration: float, clients: int, in_process_ms: float | None, cores: int) -> float:
    """How long to load one page: at least ``duration``, and at least three times what a request
    would wait in the closed loop (``clients`` × its time / cores), capped at :data:`MAX_RUN_S`.
    wrk does not count the requests still in flight at the end: a run shorter than a request's
    latency would count none."""
    if not in_process_ms:
        return duration
    expected_latency = clients * in_process_ms / 1000 / max(1, cores)
    return round(max(duration, min(MAX_RUN_S, 3 * expected_latency)), 1)


def _server_pids(server_pid: int, db: str, size_name: str) -> list[int]:
    pids = [server_pid, *_children(server_pid)]
    if db == "postgres":
        pids += db_backend_pids(db_name(size_name))
    return pids


def _warm(port: int, path: str, cookie: str, times: int = 2) -> tuple[dict, int]:
    """Requests outside the measure (templates, connections, caches): their statuses and the
    size of the page."""
    import http.client

    headers = {"Host": "127.0.0.1", **({"Cookie": cookie} if cookie else {})}
    statuses, size = {}, 0
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        for _ in range(times):
            conn.request("GET", path, headers=headers)
            response = conn.getresponse()
            size = len(response.read())
            key = f"warmup_{response.status}"
            statuses[key] = statuses.get(key, 0) + 1
    finally:
        conn.close()
    return statuses, size


def _wait_idle(pids_fn, *, limit: float = 180.0) -> float:
    """Wait until the server has finished what it was doing (wrk leaves one request in flight
    per connection, which the server still serves): its CPU time stops growing. Returns the
    seconds waited. Without it, a slow page's leftovers would run during the next measure."""
    t0 = time.perf_counter()
    last = sum(cpu_snapshot(pids_fn()).values())
    while time.perf_counter() - t0 < limit:
        time.sleep(0.5)
        now = sum(cpu_snapshot(pids_fn()).values())
        if now - last < 0.03:
            break
        last = now
    return round(time.perf_counter() - t0, 1)


def measure_load(db: str, size_name: str, pages: dict, cookies: dict, args, result: dict) -> None:
    from django.contrib.staticfiles.storage import staticfiles_storage

    static_path = staticfiles_storage.url("ui/formarche.css")
    port = _free_port()
    env = {**os.environ, **bench_env(db, size_name)}
    cmd = [
        str(ROOT / ".venv/bin/gunicorn"),
        "config.wsgi:application",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(args.workers),
        "--threads",
        str(args.threads),
        "--worker-class",
        "gthread",
        "--timeout",
        "120",
        "--log-level",
        "warning",
    ]
    server = subprocess.Popen(cmd, cwd=ROOT, env=env)
    try:
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                time.sleep(0.3)
        else:
            raise SystemExit("gunicorn n'a pas démarré")
        runs = []
        # a page slower than SLOW_S in process would hold the load test for minutes (50 clients ×
        # its time): it is reported with its in-process time only
        slow = {k for k, q in result["queries"].items() if q["in_process_ms"] > SLOW_S * 1000}
        targets = [("static", static_path, "")] + [
            (k, p, cookies[w]) for k, (p, w) in pages.items() if k not in slow
        ]
        cores = os.cpu_count() or 1
        for clients in args.clients:
            for key, path, cookie in targets:
                in_process = result["queries"].get(key, {}).get("in_process_ms")
                duration = run_seconds(args.duration, clients, in_process, cores)
                if key == "bpf_report":
                    duration = max(duration, 10)
                warm_statuses, size = _warm(port, path, cookie)
                before = cpu_snapshot(_server_pids(server.pid, db, size_name))
                if args.tool == "wrk":
                    r = run_wrk(
                        port,
                        path,
                        clients=clients,
                        duration=duration,
                        cookie=cookie,
                        threads=args.wrk_threads,
                        warmup=0,
                        keep_alive=args.wrk_keep_alive,
                    )
                else:
                    r = run_load(port, path, clients=clients, duration=duration, cookie=cookie, warmup=0)
                r["drain_s"] = _wait_idle(lambda: _server_pids(server.pid, db, size_name))
                after = cpu_snapshot(_server_pids(server.pid, db, size_name))
                r["statuses"] = {**warm_statuses, **r["statuses"]}
                r["bytes"] = size
                # requests the server served: wrk stops with one request in flight per
                # connection, served all the same (the Python tool waits for them)
                r["served"] = r["requests"] + (clients if r["tool"] == "wrk" else 0)
                app_pids = {server.pid, *_children(server.pid)}
                app_cpu = cpu_delta(
                    {k: v for k, v in before.items() if k in app_pids},
                    {k: v for k, v in after.items() if k in app_pids},
                )
                db_cpu = cpu_delta(
                    {k: v for k, v in before.items() if k not in app_pids},
                    {k: v for k, v in after.items() if k not in app_pids},
                )
                # how the work spread over gunicorn's processes (an idle one caps the throughput)
                r["worker_cpu_s"] = [
                    round(after.get(pid, 0.0) - before.get(pid, 0.0), 2)
                    for pid in sorted(app_pids - {server.pid})
                ]
                r["page"] = key
                r["load"] = loadavg()
                r["server_cpu_s"] = round(app_cpu, 2)
                r["db_cpu_s"] = round(db_cpu, 2)
                r["cpu_ms_per_request"] = round(1000 * (app_cpu + db_cpu) / r["served"], 2)
                runs.append(r)
                log(
                    f"{key} × {clients} clients ({r['seconds']} s) : p50 {r['p50_ms']} ms, p95 {r['p95_ms']} ms, "
                    f"{r['throughput_rps']} req/s, CPU {r.get('cpu_ms_per_request')} ms/req "
                    f"(outil {r.get('client_cpu_s')} s, processus {r['worker_cpu_s']} s), {r['statuses']}"
                )
        workers = _children(server.pid)
        result["load"] = {
            "tool": args.tool,
            "wrk_threads": args.wrk_threads if args.tool == "wrk" else None,
            "connection": ("keep-alive" if args.wrk_keep_alive else "close")
            if args.tool == "wrk"
            else "keep-alive",
            "cores": cores,
            "server": f"gunicorn gthread {args.workers} workers × {args.threads} threads",
            "duration_s": args.duration,
            "runs": runs,
            "not_under_load": sorted(slow),
            "worker_peak_rss_mb": [round(proc_peak_mb(w) or 0) for w in workers],
        }
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()


# --------------------------------------------------------------------------------------------
# 4. bulk PDFs (one process per kind: benchmarks/pdf_bulk.py)
# --------------------------------------------------------------------------------------------


def measure_pdf(db: str, size_name: str, count: int, result: dict) -> None:
    env = {**os.environ, **bench_env(db, size_name)}
    out = {"count": count}
    for kind in ("floor", "invoices", "sheets"):
        cmd = [
            sys.executable,
            str(ROOT / "benchmarks" / "pdf_bulk.py"),
            "--size",
            size_name,
            "--db",
            db,
            "--kind",
            kind,
            "--count",
            str(count),
        ]
        done = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
        if done.returncode != 0:
            raise SystemExit(f"pdf_bulk.py --kind {kind} a échoué :\n{done.stderr[-3000:]}")
        out[kind] = json.loads(done.stdout.strip().splitlines()[-1])
        r = out[kind]
        log(
            f"PDF {kind} × {r['count']} : {r['mean_s']} s par PDF ({r['pages_mean']} pages), "
            f"{r['pdf_per_s']} PDF/s, premier {r['first_s']} s, pic {r['peak_rss_mb']} Mio"
        )
    result["pdf"] = out


# --------------------------------------------------------------------------------------------
# 5. report
# --------------------------------------------------------------------------------------------


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="benchmarks/run.py")
    parser.add_argument("--size", choices=sorted(SIZES), default="small")
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--out", default=str(ROOT / "var" / "bench"))
    parser.add_argument("--seed", type=int, default=8)
    parser.add_argument("--reuse", action="store_true", help="base déjà chargée : ne rien régénérer")
    parser.add_argument("--skip-load", action="store_true", help="sans les pages sous charge")
    parser.add_argument("--duration", type=float, default=8.0, help="secondes par page et par palier")
    parser.add_argument("--clients", default="10,50")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument(
        "--tool",
        choices=["wrk", "python"],
        default="wrk" if wrk_available() else "python",
        help="outil de charge : wrk (C, paquet Debian, par défaut s'il est installé) ou benchmarks/load.py",
    )
    parser.add_argument(
        "--wrk-threads", type=int, default=1, help="fils de wrk (1 suffit : boucle d'événements)"
    )
    parser.add_argument(
        "--wrk-keep-alive",
        action="store_true",
        help="wrk garde ses connexions (par défaut : une connexion par requête, comme derrière nginx)",
    )
    parser.add_argument("--pdf", type=int, default=20, help="PDF en masse : nombre d'actions (0 : sans)")
    parser.add_argument(
        "--only", choices=["pdf"], help="seulement cette mesure, sur la base déjà chargée (implique --reuse)"
    )
    parser.add_argument("--label", default="", help="étiquette du relevé (avant/après un correctif)")
    parser.add_argument("--no-doc", action="store_true", help="ne pas écrire docs/performance.md")
    args = parser.parse_args(argv)
    args.clients = [int(c) for c in args.clients.split(",") if c]
    if args.tool == "wrk" and not wrk_available():
        parser.error("wrk introuvable : apt-get install -y wrk, ou --tool python")
    if args.only:
        args.reuse = True
    if args.only == "pdf" and args.pdf < 2:
        args.pdf = 20

    result = {
        "size": args.size,
        "db": args.db,
        "seed": args.seed,
        "label": args.label,
        "only": args.only,
        "started": datetime.now().isoformat(timespec="seconds"),
        "load_at_start": loadavg(),
        "dataset": SIZES[args.size].describe(),
        "git": subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip(),
    }
    log(f"taille {args.size}, base {args.db}")
    prepare_database(args.db, args.size, fresh=not args.reuse)
    if not args.reuse:
        load_data(args.size, args.db, args.seed, result)
    if args.db == "postgres" and not args.only:
        analyze()
        measure_index_sizes(result)
    if not args.only:
        measure_statements(args.size, result)
        measure_bpf(result)
        pages, cookies = page_targets()
        measure_queries(pages, cookies, result)
        if not args.skip_load:
            from django.db import connections

            connections.close_all()
            measure_load(args.db, args.size, pages, cookies, args, result)
    if args.pdf >= 2:
        from django.db import connections

        connections.close_all()
        measure_pdf(args.db, args.size, args.pdf, result)
    result["peak_rss_mb"] = round(peak_rss_mb())
    result["finished"] = datetime.now().isoformat(timespec="seconds")
    result["load_at_end"] = loadavg()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    path = out / f"{args.size}-{args.db}{'-' + args.only if args.only else ''}-{stamp}.json"
    path.write_text(json.dumps(result, indent=2, ensure_ascii=False))
    log(f"résultats : {path}")
    if not args.no_doc:
        from report import update_performance_doc

        update_performance_doc(result, path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

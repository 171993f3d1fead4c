"""The cost of the main pages (issue #16): CPU of one request in process and the ``pages.*`` keys
of the result that benchmarks/targets.py reads.

- ``in_process_cpu_ms(client, path)``: ``time.process_time()`` around test-client requests, best
  of N (the CPU of the Django process alone, not of PostgreSQL's backend).
- ``pages_summary(result)``: for each page measured, ``cpu_ms`` = the server's CPU per request
  under load (gunicorn and its PostgreSQL connections, read from /proc by run.py's
  ``measure_load``; the lower of the two client levels), or, without the load part
  (``--skip-load``), the in-process CPU, said in ``cpu_source``; ``cpu_ratio`` = ``cpu_ms`` / that
  of the trivial authenticated page (``bpf_index``, the fiscal-year list: session, user,
  membership, menu and base template, nothing else), measured the same way in the same run;
  ``rps_50`` and ``p95_50_ms`` at 50 clients; ``pages.static.p95_50_ms``: the static file's.
"""

from __future__ import annotations

import time

TRIVIAL = "bpf_index"
# every main page of issue #16 (keys of run.py's page_targets)
MAIN_PAGES = (
    "action_list",
    "action_list_of",
    "followup",
    "grid_month",
    "region_invoices",
    "region_invoices_all",
    "trainee_list",
    "validations",
    "closure",
)
CPU_REPEAT = 7


def in_process_cpu_ms(client, path: str, *, repeat: int = CPU_REPEAT) -> float:
    """Best of ``repeat`` CPU times (ms) of this process for one GET of ``path``."""
    best = None
    for _ in range(repeat):
        t0 = time.process_time()
        client.get(path, secure=True)
        spent = time.process_time() - t0
        best = spent if best is None else min(best, spent)
    return round(best * 1000, 2)


def _runs_by_page(result: dict) -> dict:
    runs: dict = {}
    for run in (result.get("load") or {}).get("runs", []):
        runs.setdefault(run["page"], []).append(run)
    return runs


def _page_entry(key: str, queries: dict, runs: list) -> dict:
    server = [r["cpu_ms_per_request"] for r in runs if r.get("cpu_ms_per_request") is not None]
    at_50 = next((r for r in runs if r["clients"] == 50), None)
    entry = {
        "queries": queries.get("queries"),
        "in_process_cpu_ms": queries.get("in_process_cpu_ms"),
        "server_cpu_ms": min(server) if server else None,
    }
    if entry["server_cpu_ms"] is not None:
        entry["cpu_ms"], entry["cpu_source"] = entry["server_cpu_ms"], "server"
    else:
        entry["cpu_ms"], entry["cpu_source"] = entry["in_process_cpu_ms"], "in_process"
    if at_50:
        entry["rps_50"] = at_50.get("throughput_rps")
        entry["p95_50_ms"] = at_50.get("p95_ms")
    return entry


def pages_summary(result: dict) -> dict:
    """The ``pages`` dict of a result (pure: reads ``queries`` and ``load``)."""
    queries = result.get("queries") or {}
    runs = _runs_by_page(result)
    pages = {key: _page_entry(key, q, runs.get(key, [])) for key, q in queries.items()}
    trivial = pages.get(TRIVIAL)
    out = {"trivial_page": TRIVIAL}
    if trivial:
        out["trivial"] = {**trivial}
    for key, entry in pages.items():
        if key == TRIVIAL:
            continue
        if trivial and trivial.get("cpu_ms") and entry.get("cpu_ms") is not None:
            # same source for both, or no ratio (server CPU is not comparable to in-process CPU)
            if entry["cpu_source"] == trivial["cpu_source"]:
                entry["cpu_ratio"] = round(entry["cpu_ms"] / trivial["cpu_ms"], 2)
        out[key] = entry
    static = runs.get("static", [])
    static_50 = next((r for r in static if r["clients"] == 50), None)
    if static_50:
        out["static"] = {"p95_50_ms": static_50["p95_ms"], "rps_50": static_50["throughput_rps"]}
    return out

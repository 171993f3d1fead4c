"""Pages under load with wrk (a C load generator, Debian package ``wrk``), the default tool of
benchmarks/run.py when ``wrk`` is on the PATH.

Same model as benchmarks/load.py — ``clients`` keep-alive connections to 127.0.0.1, each sending
its next request as soon as the previous answer has arrived (closed loop), for ``duration``
seconds — but the client is one C thread with an event loop instead of ``clients`` Python
threads, so it takes far less of the two cores it shares with the server (its CPU time is
measured and reported beside the result, as for the Python tool).

The Lua script (benchmarks/wrk_report.lua) sends the session cookie (from the environment), counts
the response statuses and prints one line ``FORMARCHE_WRK {json}``; :func:`parse_wrk_output` turns
wrk's output into the result dict of :func:`load.run_load`.

By default each request goes on a new connection (``Connection: close``), as behind nginx, whose
proxy to gunicorn opens a connection per request unless told otherwise. With keep-alive
(``keep_alive=True``), wrk opens all its connections at once and gunicorn's processes accept them
unevenly: measured on the actions list, 10 connections left two of the four processes idle (CPU
3.8 / 1.6 / 0 / 0 s), which caps the throughput at what one or two processes (one core each, the
GIL) can serve — a property of the tool's connection pattern, not of the pages.

Differences with the Python tool, stated in docs/performance.md: wrk stops at ``duration`` and
does not count the requests still in flight (the Python tool waits for them), so a run must last
several times a request's latency (run.py lengthens the runs of slow pages); wrk records its
latencies in a histogram at microsecond resolution.
"""

from __future__ import annotations

import http.client
import json
import math
import os
import resource
import shutil
import subprocess
from pathlib import Path

HOST = "127.0.0.1"
SCRIPT = Path(__file__).resolve().with_name("wrk_report.lua")
MARKER = "FORMARCHE_WRK "
TIMEOUT_S = 120


def available() -> bool:
    return shutil.which("wrk") is not None


def wrk_command(url: str, *, clients: int, duration: float, threads: int = 1) -> list[str]:
    return [
        "wrk",
        "--threads",
        str(max(1, min(threads, clients))),
        "--connections",
        str(clients),
        "--duration",
        f"{max(1, math.ceil(duration))}s",
        "--timeout",
        f"{TIMEOUT_S}s",
        "--script",
        str(SCRIPT),
        url,
    ]


def parse_wrk_output(stdout: str, *, path: str, clients: int) -> dict:
    """The result dict of one wrk run from its standard output (pure function).

    Keys as :func:`load.run_load`'s (``requests``, ``seconds``, ``throughput_rps``, ``p50_ms``,
    ``p95_ms``, ``max_ms``, ``statuses``…) plus ``p99_ms``, ``mean_ms`` and ``errors``. Socket
    errors and timeouts are counted in ``statuses`` as ``error`` and ``timeout``, beside the HTTP
    statuses, so that the summary shows them.
    """
    lines = [line for line in stdout.splitlines() if line.startswith(MARKER)]
    if not lines:
        raise ValueError("sortie de wrk sans la ligne FORMARCHE_WRK (script Lua non exécuté ?)")
    data = json.loads(lines[-1][len(MARKER) :])
    latency = data["latency_us"]
    percentiles = latency["percentiles"]
    requests = int(data["requests"])
    seconds = data["duration_us"] / 1_000_000
    errors = {k: int(v) for k, v in data["errors"].items()}
    statuses = {str(k): int(v) for k, v in sorted(data["statuses"].items())}
    socket_errors = errors["connect"] + errors["read"] + errors["write"]
    if socket_errors:
        statuses["error"] = socket_errors
    if errors["timeout"]:
        statuses["timeout"] = errors["timeout"]

    def ms(us) -> float | None:
        return round(us / 1000, 1) if requests else None

    return {
        "tool": "wrk",
        "path": path,
        "clients": clients,
        "requests": requests,
        "seconds": round(seconds, 2),
        "throughput_rps": round(requests / seconds, 1) if seconds else 0.0,
        "p50_ms": ms(percentiles["50"]),
        "p95_ms": ms(percentiles["95"]),
        "p99_ms": ms(percentiles["99"]),
        "mean_ms": ms(latency["mean"]),
        "max_ms": ms(latency["max"]),
        "statuses": statuses,
        "errors": errors,
        "bytes_received": int(data["bytes"]),
    }


def _children_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_wrk(
    port: int,
    path: str,
    *,
    clients: int,
    duration: float,
    cookie: str = "",
    warmup: int = 2,
    threads: int = 1,
    keep_alive: bool = False,
) -> dict:
    """One wrk run against 127.0.0.1:``port`` (after ``warmup`` requests outside the measure)."""
    headers = {"Host": HOST}
    if cookie:
        headers["Cookie"] = cookie
    statuses_warmup: dict = {}
    size = 0
    conn = http.client.HTTPConnection(HOST, port, timeout=TIMEOUT_S)
    try:
        for _ in range(warmup):
            conn.request("GET", path, headers=headers)
            response = conn.getresponse()
            size = len(response.read())
            statuses_warmup[f"warmup_{response.status}"] = (
                statuses_warmup.get(f"warmup_{response.status}", 0) + 1
            )
    finally:
        conn.close()
    env = {
        **os.environ,
        "FORMARCHE_WRK_COOKIE": cookie,
        "FORMARCHE_WRK_KEEP_ALIVE": "1" if keep_alive else "0",
    }
    cmd = wrk_command(f"http://{HOST}:{port}{path}", clients=clients, duration=duration, threads=threads)
    cpu0 = _children_cpu_s()
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=duration + TIMEOUT_S + 60)
    client_cpu = _children_cpu_s() - cpu0
    if done.returncode != 0:
        raise RuntimeError(f"wrk a échoué ({done.returncode}) : {done.stderr.strip() or done.stdout.strip()}")
    result = parse_wrk_output(done.stdout, path=path, clients=clients)
    result["statuses"] = {**statuses_warmup, **result["statuses"]}
    result["bytes"] = size
    result["client_cpu_s"] = round(client_cpu, 2)
    result["threads"] = max(1, min(threads, clients))
    result["connection"] = "keep-alive" if keep_alive else "close"
    return result

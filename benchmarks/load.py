"""A small closed-loop load tool: ``clients`` threads, each with its own keep-alive HTTP/1.1
connection to 127.0.0.1, request a path again and again until ``duration`` seconds have passed or
``max_requests`` have been sent in all. Only the loopback address is ever contacted.

Python threads share the GIL with each other, not with the server (another process), and the
client's work per request (a few hundred microseconds) is small beside a page's; the static-file
floor, measured through the same tool and server, shows what the tool and the server cost alone.
The tool's own CPU time is measured (``client_cpu_s``): on two cores shared with the server it is
not negligible (see benchmarks/wrk_load.py, the default tool when ``wrk`` is installed).
"""

from __future__ import annotations

import http.client
import threading
import time

HOST = "127.0.0.1"


def _percentile(sorted_values: list[float], p: float) -> float:
    if not sorted_values:
        return float("nan")
    k = max(0, min(len(sorted_values) - 1, round(p / 100 * (len(sorted_values) - 1))))
    return sorted_values[k]


def run_load(
    port: int,
    path: str,
    *,
    clients: int,
    duration: float,
    max_requests: int = 20_000,
    cookie: str = "",
    warmup: int = 2,
) -> dict:
    """Latencies (ms) p50/p95/max, throughput (requests/s), status counts, bytes of one page."""
    headers = {"Host": HOST, "Connection": "keep-alive"}
    if cookie:
        headers["Cookie"] = cookie
    lock = threading.Lock()
    latencies: list[float] = []
    statuses: dict = {}
    sent = [0]
    size = [0]
    stop_at = [0.0]

    def one(conn) -> tuple[int, int]:
        conn.request("GET", path, headers=headers)
        resp = conn.getresponse()
        body = resp.read()
        return resp.status, len(body)

    # warm-up outside the measure (templates, connections, caches)
    conn = http.client.HTTPConnection(HOST, port, timeout=120)
    for _ in range(warmup):
        status, n = one(conn)
        size[0] = n
        statuses.setdefault(f"warmup_{status}", 0)
    conn.close()

    def worker():
        c = http.client.HTTPConnection(HOST, port, timeout=120)
        try:
            while True:
                with lock:
                    if sent[0] >= max_requests or time.perf_counter() >= stop_at[0]:
                        return
                    sent[0] += 1
                t0 = time.perf_counter()
                try:
                    status, _ = one(c)
                except (OSError, http.client.HTTPException):
                    c.close()
                    c = http.client.HTTPConnection(HOST, port, timeout=120)
                    status = "error"
                elapsed = (time.perf_counter() - t0) * 1000
                with lock:
                    latencies.append(elapsed)
                    statuses[str(status)] = statuses.get(str(status), 0) + 1
        finally:
            c.close()

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(clients)]
    cpu0 = time.process_time()  # this process: the client threads (the server is another process)
    start = time.perf_counter()
    stop_at[0] = start + duration
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=duration + 180)
    wall = time.perf_counter() - start
    client_cpu = time.process_time() - cpu0
    values = sorted(latencies)
    return {
        "tool": "python",
        "path": path,
        "clients": clients,
        "requests": len(values),
        "seconds": round(wall, 2),
        "throughput_rps": round(len(values) / wall, 1) if wall else 0.0,
        "p50_ms": round(_percentile(values, 50), 1),
        "p95_ms": round(_percentile(values, 95), 1),
        "max_ms": round(values[-1], 1) if values else None,
        "statuses": statuses,
        "bytes": size[0],
        "client_cpu_s": round(client_cpu, 2),
    }

"""Figures of the local cluster (issue #15, point 7), printed and written to a JSON file.

    bash scripts/cluster.sh up
    .venv/bin/python benchmarks/cluster_bench.py [--duration 20] [--clients 10] [--output FILE]

1. **Pages per second through HAProxy with one vs two application instances** (wrk, else the
   Python load tool): the same pages, the same clients, the same machine; for « one instance »
   HAProxy's admin socket puts instance 2 in maintenance, so every request goes to instance 1.
   Each instance is one gunicorn process (4 threads): one process uses one core at most (the GIL),
   so the gain of the second instance shows that the design spreads over processes — and so over
   machines —, not that the machine has more cores.
2. **A month of bulk PDFs with one vs two workers** and 3. **the replica's lag during an import**:
   from the tasks and replica helpers' benchmarks (benchmarks/workers_bench.py,
   benchmarks/replica_bench.py) when they are there; otherwise said so in the output.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import re
import socket
import sys
import time
from pathlib import Path

import requests

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from common import cpu_delta, cpu_snapshot  # noqa: E402
from load import run_load  # noqa: E402
from wrk_load import available as wrk_available  # noqa: E402
from wrk_load import run_wrk  # noqa: E402

ENV_FILE = ROOT / "var" / "cluster" / "env"
PROXY_PORT = 28000


def cluster_env() -> dict[str, str]:
    if not ENV_FILE.exists():
        raise SystemExit("Le cluster ne tourne pas : lancez d'abord « bash scripts/cluster.sh up ».")
    env = {}
    for line in ENV_FILE.read_text().splitlines():
        match = re.match(r"export (\w+)=(.*)$", line)
        if match:
            env[match.group(1)] = match.group(2).strip("'\"")
    return env


def haproxy(command: str, sock_path: str) -> str:
    with socket.socket(socket.AF_UNIX) as sock:
        sock.connect(sock_path)
        sock.sendall((command + "\n").encode())
        return sock.makefile().read()


def log_in(email: str, password: str) -> str:
    """The Cookie header of a user logged in through the proxy."""
    base = f"http://127.0.0.1:{PROXY_PORT}"
    first = requests.get(base + "/compte/connexion/", timeout=30)
    token = first.cookies["csrftoken"]
    response = requests.post(
        base + "/compte/connexion/",
        data={"csrfmiddlewaretoken": token, "username": email, "password": password},
        cookies={"csrftoken": token},
        allow_redirects=False,
        timeout=30,
    )
    if response.status_code != 302:
        raise SystemExit(f"connexion refusée ({response.status_code})")
    return f"csrftoken={token}; sessionid={response.cookies['sessionid']}"


def measure(path: str, *, cookie: str, clients: int, duration: float) -> dict:
    if wrk_available():
        return run_wrk(PROXY_PORT, path, clients=clients, duration=duration, cookie=cookie)
    return run_load(PROXY_PORT, path, clients=clients, duration=duration, cookie=cookie)


def instance_pids(n: int) -> list[int]:
    """The gunicorn master of instance ``n`` (its pid file) and its worker processes."""
    try:
        master = int((ROOT / "var" / "cluster" / "web" / f"web{n}.pid").read_text())
    except (OSError, ValueError):
        return []
    pids = [master]
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == master:
                    pids.append(int(entry.name))
            except (OSError, ValueError, IndexError):
                continue
    return pids


def one_run(path: str, *, cookie: str, clients: int, duration: float) -> dict:
    pids = {n: instance_pids(n) for n in (1, 2)}
    before = {n: cpu_snapshot(p) for n, p in pids.items()}
    load_before = os.getloadavg()[0]
    run = measure(path, cookie=cookie, clients=clients, duration=duration)
    run["loadavg_before"] = round(load_before, 1)
    run["server_cpu_s"] = {f"web{n}": round(cpu_delta(before[n], cpu_snapshot(pids[n])), 2) for n in (1, 2)}
    return run


def pages(env: dict, *, clients: int, duration: float, rounds: int) -> dict:
    """``rounds`` alternations of one instance / two instances on each page (the machine's load
    drifts: alternating keeps it the same for both); the best round of each is compared."""
    cookie = log_in("of@demo.formarche.fr", env["FORMARCHE_CLUSTER_DEMO_PASSWORD"])
    sock = env["CLUSTER_HAPROXY_SOCKET"]
    paths = {"actions": "/actions/", "home": "/"}
    result: dict = {
        "clients": clients,
        "duration_s": duration,
        "rounds": rounds,
        "tool": "wrk" if wrk_available() else "python",
        "runs": [],
    }
    try:
        for round_no in range(1, rounds + 1):
            for label, instances in (("one_instance", 1), ("two_instances", 2)):
                haproxy(f"set server web/web2 state {'maint' if instances == 1 else 'ready'}", sock)
                time.sleep(3)  # health checks settle
                for name, path in paths.items():
                    run = one_run(path, cookie=cookie, clients=clients, duration=duration)
                    run.update({"round": round_no, "setup": label, "page": name})
                    result["runs"].append(run)
                    print(
                        f"tour {round_no} {label:14} {path:10} {run['throughput_rps']:7.1f} pages/s  "
                        f"p50 {run['p50_ms']} ms  p95 {run['p95_ms']} ms  CPU {run['server_cpu_s']}  "
                        f"statuts {run['statuses']}  charge {run['loadavg_before']}",
                        flush=True,
                    )
    finally:
        haproxy("set server web/web2 state ready", sock)
    for label in ("one_instance", "two_instances"):
        for name in paths:
            runs = [r for r in result["runs"] if r["setup"] == label and r["page"] == name]
            best = max(runs, key=lambda r: r["throughput_rps"])
            result.setdefault(label, {})[name] = {
                "rps_best": best["throughput_rps"],
                "p95_ms_of_best": best["p95_ms"],
                "rps_all": [r["throughput_rps"] for r in runs],
            }
    result["gain"] = {
        name: round(result["two_instances"][name]["rps_best"] / result["one_instance"][name]["rps_best"], 2)
        if result["one_instance"][name]["rps_best"]
        else None
        for name in paths
    }
    print(f"gain de la seconde instance (meilleur tour) : {result['gain']}")
    return result


def optional(module: str, env: dict) -> dict:
    """Another helper's benchmark (its ``cluster_figures(env)``), or why it is missing."""
    try:
        bench = importlib.import_module(module)
    except ModuleNotFoundError:
        return {"absent": f"benchmarks/{module}.py absent"}
    runner = getattr(bench, "cluster_figures", None)
    if runner is None:  # a standalone benchmark (its own database and dataset): run it by itself
        note = f"lancer benchmarks/{module}.py à part (son propre jeu de données) ; chiffres dans docs/scaling.md"
        print(f"{module} : {note}")
        return {"not_run": note}
    figures = runner(env)
    print(f"{module} : {json.dumps(figures, ensure_ascii=False)}")
    return figures


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=20.0)
    parser.add_argument("--clients", type=int, default=10)
    parser.add_argument("--output", default=str(ROOT / "var" / "cluster" / "cluster_bench.json"))
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--pages-only", action="store_true")
    args = parser.parse_args(argv)
    env = cluster_env()
    os.environ.update(env)
    result = {
        "machine": {"cores": os.cpu_count(), "loadavg_start": [round(x, 1) for x in os.getloadavg()]},
        "pages": pages(env, clients=args.clients, duration=args.duration, rounds=args.rounds),
    }
    if not args.pages_only:
        result["workers"] = optional("workers_bench", env)
        result["replica"] = optional("replica_bench", env)
    Path(args.output).parent.mkdir(parents=True, exist_ok=True)
    Path(args.output).write_text(json.dumps(result, indent=2, ensure_ascii=False))
    print(f"résultats : {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Shared helpers of the benchmarks: database set-up, timing, machine load, memory.

The benchmark databases are throw-away: a SQLite file under /tmp, or a PostgreSQL database whose
name starts with ``bench_`` (created with createdb, dropped and re-created on each full run).
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

PG = "postgres://postgres@127.0.0.1:5432/{name}"

# Several benchmark runs side by side (one per developer worktree) keep apart by a tag:
# FORMARCHE_BENCH_TAG=x gives the database bench_<size>_x and the folder /tmp/formarche-bench-<size>-<db>-x.
BENCH_TAG = os.environ.get("FORMARCHE_BENCH_TAG", "").strip()


def db_name(size: str) -> str:
    """The PostgreSQL benchmark database of a size (with the run's tag, if any)."""
    return f"bench_{size}_{BENCH_TAG}" if BENCH_TAG else f"bench_{size}"


def loadavg() -> str:
    """The first three fields of /proc/loadavg (1, 5 and 15 minutes)."""
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


def peak_rss_mb() -> float:
    """Peak resident memory of this process (MiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def proc_peak_mb(pid: int) -> float | None:
    """Peak resident memory (VmHWM) of another process of ours, in MiB."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


CLK_TCK = os.sysconf("SC_CLK_TCK")


def proc_cpu_s(pid: int) -> float | None:
    """User + system CPU seconds of a process (all its threads), from /proc/<pid>/stat."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text.rsplit(")", 1)[1].split()  # after the command name: field 3 (state) onwards
    return (int(fields[11]) + int(fields[12])) / CLK_TCK  # fields 14 (utime) and 15 (stime)


def db_backend_pids(dbname: str) -> list[int]:
    """PostgreSQL backends connected to ``dbname`` (from their process titles, which are
    readable by anyone: « postgres: 15/main: postgres bench_of 127.0.0.1(40312) idle »);
    autovacuum workers left out."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            title = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode("utf-8", "replace")
        except OSError:
            continue
        words = title.split()
        if words[:1] == ["postgres:"] and dbname in words and "autovacuum" not in title:
            pids.append(int(entry.name))
    return pids


def cpu_snapshot(pids) -> dict[int, float]:
    return {pid: cpu for pid in pids if (cpu := proc_cpu_s(pid)) is not None}


def cpu_delta(before: dict[int, float], after: dict[int, float]) -> float:
    """CPU seconds spent between two snapshots by the processes of ``after`` (a process that
    appeared in between counts from zero; one that ended in between is lost)."""
    return sum(cpu - before.get(pid, 0.0) for pid, cpu in after.items())


def best_of(n: int, fn):
    """(best elapsed seconds, last result) of ``n`` calls."""
    best, result = None, None
    for _ in range(n):
        t0 = time.perf_counter()
        result = fn()
        elapsed = time.perf_counter() - t0
        best = elapsed if best is None else min(best, elapsed)
    return best, result


def bench_env(db: str, size: str) -> dict:
    """Environment variables of the benchmark instance (this process and the gunicorn server).

    Production settings (DEBUG off, no query log), a throw-away key, plain HTTP on 127.0.0.1.
    """
    env = {
        "DJANGO_SETTINGS_MODULE": "bench_settings",
        "PYTHONPATH": f"{ROOT / 'benchmarks'}:{ROOT}",
        "DJANGO_SECRET_KEY": "banc-d-essai-local-" + "0123456789" * 5,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "FORMARCHE_VAR_DIR": f"/tmp/formarche-bench-{size}-{db}" + (f"-{BENCH_TAG}" if BENCH_TAG else ""),
        # one machine, one benchmark user: SQLite declared, and the API throttle out of the way
        "FORMARCHE_ALLOW_SQLITE": "1",
        "FORMARCHE_API_USER_RATE": "1000000/minute",
    }
    if db == "postgres":
        env["DATABASE_URL"] = PG.format(name=db_name(size))
    return env


def prepare_database(db: str, size: str, *, fresh: bool) -> None:
    """Drop and re-create the benchmark database (``fresh``), then migrate; sets up Django."""
    env = bench_env(db, size)
    var_dir = Path(env["FORMARCHE_VAR_DIR"])
    if fresh:
        if db == "postgres":
            name = db_name(size)
            subprocess.run(["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", name], check=True)
            subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", name], check=True)
        else:
            for suffix in ("", "-wal", "-shm"):
                (var_dir / f"formarche.sqlite3{suffix}").unlink(missing_ok=True)
    var_dir.mkdir(parents=True, exist_ok=True)
    os.environ.pop("DATABASE_URL", None)
    os.environ.update(env)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)  # served by WhiteNoise


def analyze() -> None:
    """Fresh planner statistics and visibility map after a bulk load (what autovacuum would do a bit
    later; autovacuum is off on this machine's PostgreSQL, and without the visibility map an
    index-only scan still visits the table)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")

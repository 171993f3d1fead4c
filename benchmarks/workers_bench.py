"""Benchmark: a month of bulk PDFs run by one, then two task workers (issue #15, point 7).

    FORMARCHE_BENCH_TAG=tasks .venv/bin/python benchmarks/workers_bench.py [--ofs 4] [--orders 10] [--trainees 12]

On PostgreSQL (database ``bench_workers_<tag>``, re-created), it builds a Région and ``--ofs``
organisations with ``--orders`` actions each running in March 2023 (``--trainees`` trainees each),
then, for 1 and 2 workers: starts the ``formarche worker`` processes (production settings,
``FORMARCHE_TASKS=database``) and waits until they poll the queue, enqueues one export job
« Feuilles d'émargement du mois (ZIP) » per organisation (each sheet rendered by
``documents.generated.attendance_sheet_pdf``, the one sheet path), and times the jobs from their
enqueueing to the last one done. Prints seconds, PDFs per second and the load average (1 min)
before and after. The gain shows that jobs spread over workers; on a shared 2-core machine it is
bounded by the cores left, not by the design. Performance is printed, never asserted.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
TAG = os.environ.get("FORMARCHE_BENCH_TAG", "").strip() or "tasks"
DB = f"bench_workers_{TAG}"
MONTH = "2023-03"


def environment() -> dict:
    return {
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{DB}",
        "DJANGO_SETTINGS_MODULE": "config.settings.prod",
        "DJANGO_SECRET_KEY": "banc-d-essai-travailleurs-" + "0123456789" * 5,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "FORMARCHE_TASKS": "database",
        "FORMARCHE_VAR_DIR": f"/tmp/formarche-bench-workers-{TAG}",
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "PYTHONUNBUFFERED": "1",
    }


def recreate_database() -> None:
    import psycopg

    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DB}"')
        conn.execute(f'CREATE DATABASE "{DB}"')


def build_month(ofs: int, orders: int, trainees: int) -> list:
    """A Région, its OFs and their actions running in March 2023, with enrolled trainees."""
    from formarche.accounts.models import Membership, Role, User
    from formarche.orders.models import Dispositif, Lot, Market, Order
    from formarche.organisations.models import Organisation
    from formarche.trainees.models import Enrolment, Trainee, trainee_name_key

    region = Organisation.objects.create(kind="region", name="Région de banc d'essai")
    market = Market.objects.create(region=region, reference="BANC", title="Banc d'essai")
    lot = Lot.objects.create(market=market, number=1, sector="S", trade_family="F", territory="T")
    dispositif = Dispositif.objects.create(region=region, code="banc", name="Banc")
    managers = []
    for o in range(ofs):
        of = Organisation.objects.create(kind="of", name=f"Organisme {o + 1}", provider_code=f"IN{o + 1:04d}")
        user = User.objects.create(email=f"of{o + 1}@banc.fr")
        Membership.objects.create(user=user, organisation=of, role=Role.OF_MANAGER)
        managers.append((of, user))
        for a in range(orders):
            order = Order.objects.create(
                number=f"BANC{o:02d}{a:03d}_1",
                title=f"Action {a + 1} de l'organisme {o + 1}",
                region=region,
                lot=lot,
                dispositif=dispositif,
                provider=of,
                unit_price=Decimal("11.80"),
                amount=Decimal("100000"),
                planned_start=date(2023, 1, 2),
                planned_end=date(2023, 12, 31),
                duration_months=12,
                planned_headcount=trainees,
            )
            people = Trainee.objects.bulk_create(
                Trainee(
                    organisation=of,
                    civility="mme",
                    last_name=f"Nom{a:03d}{t:03d}",
                    first_name="Léa",
                    name_key=trainee_name_key(f"Nom{a:03d}{t:03d}", "Léa"),
                    birth_date=date(1990, 1, 1 + t % 28),
                    entry_status="demandeur_emploi",
                )
                for t in range(trainees)
            )
            Enrolment.objects.bulk_create(
                Enrolment(trainee=p, order=order, entry_date=date(2023, 1, 2), planned_hours=Decimal("800"))
                for p in people
            )
    return managers


def start_workers(count: int, logs: Path) -> list[subprocess.Popen]:
    env = {**os.environ, **environment()}
    workers = []
    for n in range(1, count + 1):
        log = logs / f"worker{count}-{n}.log"
        command = [sys.executable, "-m", "formarche", "worker", "--worker-id", f"banc-{count}-{n}"]
        command += ["--interval", "0.2", "--no-startup-delay"]
        handle = open(log, "wb")  # noqa: SIM115 (kept open with the process)
        workers.append(subprocess.Popen(command, cwd=ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT))
    deadline = time.monotonic() + 120
    for n in range(1, count + 1):  # ready: the worker polls the queue
        while b"Starting worker" not in (logs / f"worker{count}-{n}.log").read_bytes():
            if time.monotonic() > deadline:
                raise SystemExit(f"worker {n} did not start (see {logs})")
            time.sleep(0.1)
    return workers


def stop_workers(workers) -> None:
    for w in workers:
        w.send_signal(signal.SIGTERM)
    for w in workers:
        w.wait(timeout=60)


def run_month(managers, count: int, logs: Path) -> dict:
    from django.db import transaction
    from django_tasks_db.models import DBTaskResult

    from formarche.jobs.models import Job, JobStatus
    from formarche.jobs.services import job_create

    Job.objects.all().delete()
    DBTaskResult.objects.all().delete()
    workers = start_workers(count, logs)
    try:
        load_before = os.getloadavg()[0]
        start = time.perf_counter()
        with transaction.atomic():
            for of, user in managers:
                job_create(
                    organisation=of,
                    user=user,
                    kind="emargements_mois",
                    params={"month": MONTH, "tenant_role": "of_manager"},
                    title=f"Feuilles {MONTH}",
                )
        while Job.objects.exclude(status__in=[JobStatus.DONE, JobStatus.REFUSED, JobStatus.FAILED]).exists():
            time.sleep(0.1)
        elapsed = time.perf_counter() - start
        load_after = os.getloadavg()[0]
    finally:
        stop_workers(workers)
    jobs = list(Job.objects.all())
    bad = [j for j in jobs if j.status != JobStatus.DONE]
    if bad:
        raise SystemExit(f"jobs not done: {[(j.pk, j.status, j.error) for j in bad]}")
    pdfs = sum(j.total for j in jobs)
    by_worker = sorted({j.worker_id for j in jobs})
    return {
        "workers": count,
        "jobs": len(jobs),
        "pdfs": pdfs,
        "seconds": elapsed,
        "pdfs_s": pdfs / elapsed,
        "load_before": load_before,
        "load_after": load_after,
        "ran_on": by_worker,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ofs", type=int, default=4)
    parser.add_argument("--orders", type=int, default=10)
    parser.add_argument("--trainees", type=int, default=12)
    args = parser.parse_args()
    os.environ.update(environment())
    recreate_database()
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    managers = build_month(args.ofs, args.orders, args.trainees)
    logs = Path(environment()["FORMARCHE_VAR_DIR"]) / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    print(
        f"Mois {MONTH} : {args.ofs} organismes × {args.orders} actions × {args.trainees} stagiaires ; "
        f"un export « feuilles d'émargement du mois » par organisme ; PostgreSQL {DB} ; {os.cpu_count()} cœurs"
    )
    results = [run_month(managers, count, logs) for count in (1, 2)]
    print("travailleurs | travaux | PDF | secondes | PDF/s | charge avant → après | exécutés par")
    for r in results:
        print(
            f"{r['workers']} | {r['jobs']} | {r['pdfs']} | {r['seconds']:.1f} | {r['pdfs_s']:.2f} | "
            f"{r['load_before']:.2f} → {r['load_after']:.2f} | {', '.join(r['ran_on'])}"
        )
    print(f"gain à deux travailleurs : × {results[1]['pdfs_s'] / results[0]['pdfs_s']:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

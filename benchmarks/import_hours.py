"""Benchmark: import 100 000 daily hour rows (CSV or XLSX) on SQLite or PostgreSQL.

    .venv/bin/python benchmarks/import_hours.py [--rows 100000] [--format csv|xlsx] [--db sqlite|postgres] [--json] [--keep]

Target (issue #16): ≥ 50 000 rows/s on PostgreSQL for the first import. PostgreSQL: the database
``bench_hours[_<FORMARCHE_BENCH_TAG>]``, dropped and re-created. ``--json``: one last line of JSON
(rows/s, CPU, peak memory) for benchmarks/run.py.

Builds a synthetic OF in a temporary SQLite database under /tmp (FORMARCHE_VAR_DIR), with 500
trainees enrolled on 10 actions, writes a deterministic CSV (200 working days per trainee, one
row in twenty with counted unrealised hours), then runs the import service as the Imports page
does (file checks, parsing, validation, writes with history through
``attendance.services.attendance_bulk_upsert``) and prints rows per second with the machine's load
average (1 min) before and after. A second run of the same file (re-import: everything
"inchangé") is timed too.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def setup_django(var_dir: str, db: str = "sqlite") -> None:
    os.environ["FORMARCHE_VAR_DIR"] = var_dir
    os.environ.pop("DATABASE_URL", None)
    if db == "postgres":
        import subprocess

        tag = os.environ.get("FORMARCHE_BENCH_TAG", "").strip()
        name = f"bench_hours_{tag}" if tag else "bench_hours"
        subprocess.run(["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", name], check=True)
        subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", name], check=True)
        os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{name}"
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.test"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)


def build_world(trainee_count: int, orders_count: int):
    from decimal import Decimal

    from formarche.accounts.models import User
    from formarche.orders.models import Dispositif, Lot, Market, Order
    from formarche.organisations.models import Organisation
    from formarche.trainees.models import Enrolment, Trainee, trainee_name_key

    region = Organisation.objects.create(kind="region", name="Région de banc d'essai")
    of = Organisation.objects.create(kind="of", name="Organisme de banc d'essai", provider_code="IN0001")
    user = User.objects.create(email="banc@exemple.fr")
    market = Market.objects.create(region=region, reference="BANC", title="Banc d'essai")
    lot = Lot.objects.create(market=market, number=1, sector="S", trade_family="F", territory="T")
    dispositif = Dispositif.objects.create(region=region, code="banc", name="Banc")
    orders = Order.objects.bulk_create(
        [
            Order(
                number=f"BANC{i:05d}_1",
                title="Action de banc d'essai",
                region=region,
                lot=lot,
                dispositif=dispositif,
                provider=of,
                unit_price=Decimal("11.80"),
                amount=Decimal("1000000"),
                planned_start=date(2023, 1, 2),
                planned_end=date(2024, 12, 31),
                duration_months=24,
                planned_headcount=trainee_count // orders_count,
            )
            for i in range(orders_count)
        ]
    )
    trainees = []
    for i in range(trainee_count):
        t = Trainee(
            organisation=of,
            civility="mme" if i % 2 else "m",
            last_name=f"Nom{i:05d}",
            first_name="Prénom",
            birth_date=date(1980 + i % 20, 1 + i % 12, 1 + i % 28),
            entry_status="demandeur_emploi",
            external_ref=f"STG-{i:05d}",
        )
        t.name_key = trainee_name_key(t.last_name, t.first_name)
        trainees.append(t)
    trainees = Trainee.objects.bulk_create(trainees)
    enrolments = Enrolment.objects.bulk_create(
        [
            Enrolment(
                trainee=t,
                order=orders[i % orders_count],
                entry_date=date(2023, 1, 2),
                planned_hours=Decimal("1400"),
            )
            for i, t in enumerate(trainees)
        ]
    )
    return of, user, enrolments


def working_days(count: int) -> list[date]:
    days, day = [], date(2023, 1, 2)
    while len(days) < count:
        if day.weekday() < 5:
            days.append(day)
        day += timedelta(days=1)
    return days


def make_csv(enrolments, rows: int) -> bytes:
    from formarche.trainees.models import Enrolment

    enrolments = list(Enrolment.objects.select_related("trainee", "order").order_by("pk"))
    per_trainee = -(-rows // len(enrolments))
    days = [d.strftime("%d/%m/%Y") for d in working_days(per_trainee)]
    lines = ["numero_action;identifiant_stagiaire;date;realise;non_realise_comptabilise;motif"]
    count = 0
    for e in enrolments:
        for j, day in enumerate(days):
            if count == rows:
                break
            if (j + e.pk) % 20 == 0:
                lines.append(f"{e.order.number};{e.trainee.external_ref};{day};4;3;maladie")
            else:
                lines.append(f"{e.order.number};{e.trainee.external_ref};{day};7,00;0;")
            count += 1
    return ("\n".join(lines) + "\n").encode("utf-8")


def _peak_mb() -> float:
    """This process's peak resident memory (VmHWM): ``ru_maxrss`` would carry the peak of the
    process that started this one (Linux keeps it across ``exec``)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def to_xlsx(content: bytes) -> bytes:
    """The same table as an XLSX workbook (one sheet, every cell as text, as the CSV gives them)."""
    import io

    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    for line in content.decode("utf-8").splitlines():
        sheet.append(line.split(";"))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def drop_data_version_triggers() -> None:
    """``--no-data-version``: the triggers of ADR 0025 removed, to measure what they cost."""
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT tgname, tgrelid::regclass::text FROM pg_trigger WHERE tgname LIKE 'dv\\_%'"
            )
            for name, table in cursor.fetchall():
                cursor.execute(f"DROP TRIGGER {name} ON {table}")
        else:
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'dv\\_%' ESCAPE '\\'"
            )
            for (name,) in cursor.fetchall():
                cursor.execute(f"DROP TRIGGER {name}")


def run(
    rows: int, keep: bool, fmt: str = "csv", db: str = "sqlite", as_json: bool = False, versions: bool = True
) -> int:
    import json

    var_dir = tempfile.mkdtemp(prefix="formarche-bench-imports-")
    figures = {"rows": rows, "format": fmt, "db": db}
    try:
        setup_django(var_dir, db)
        if not versions:
            drop_data_version_triggers()
        figures["data_version_triggers"] = versions
        from formarche.attendance.models import Attendance
        from formarche.imports.services import import_job_create

        trainees = 500
        of, user, enrolments = build_world(trainees, 10)
        content = make_csv(enrolments, rows)
        if fmt == "xlsx":
            content = to_xlsx(content)
        print(
            f"Fichier {fmt.upper()} : {rows} lignes, {len(content) / 1_048_576:.1f} Mo ; {trainees} stagiaires, "
            f"10 actions ; base {db}"
        )
        for label in ("Premier import", "Réimport du même fichier"):
            load = os.getloadavg()[0]
            cpu = time.process_time()
            start = time.perf_counter()
            job = import_job_create(
                organisation=of,
                user=user,
                kind="heures",
                file_name=f"heures.{fmt}",
                content=content,
                run_inline=True,
            )
            elapsed = time.perf_counter() - start
            cpu = time.process_time() - cpu
            speed = f"{rows / elapsed:,.0f}".replace(",", " ")
            print(
                f"{label} : {elapsed:.2f} s ({cpu:.2f} s de processeur), {speed} lignes/s (charge de la machine : {load:.2f} avant, "
                f"{os.getloadavg()[0]:.2f} après, {os.cpu_count()} processeurs) — {job.get_status_display()} — "
                f"{job.summary}"
            )
            if job.errors:
                print("\n".join(job.errors[:10]))
                return 1
            key = "first" if label == "Premier import" else "again"
            figures[f"{key}_s"] = round(elapsed, 2)
            figures[f"{key}_cpu_s"] = round(cpu, 2)
            figures[f"{key}_rows_s"] = round(rows / elapsed)
            figures[f"{key}_load"] = load
        stored = Attendance.objects.count()
        print(f"Réalisations en base : {stored}")
        figures["peak_mb"] = round(_peak_mb())
        if as_json:
            print(json.dumps(figures))
        return 0 if stored == rows else 1
    finally:
        if keep:
            print(f"Base conservée dans {var_dir}")
        else:
            shutil.rmtree(var_dir, ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--keep", action="store_true", help="garder la base temporaire")
    parser.add_argument("--format", choices=["csv", "xlsx"], default="csv")
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--json", action="store_true", help="une dernière ligne JSON des chiffres")
    parser.add_argument(
        "--no-data-version",
        action="store_true",
        help="sans les déclencheurs des versions (ADR 0025), pour comparer",
    )
    args = parser.parse_args()
    return run(args.rows, args.keep, args.format, args.db, args.json, not args.no_data_version)


if __name__ == "__main__":
    sys.exit(main())

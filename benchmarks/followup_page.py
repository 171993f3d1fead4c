"""Benchmark of the follow-up page (Suivi des réalisations): 30 trainees × 18 months of daily hours.

Run: ``.venv/bin/python benchmarks/followup_page.py [--trainees 30] [--months 18] [--runs 20]``.
Prints the median time of the page through the Django test client and its SQL query count; it
is not a test (the query count's independence of the size is asserted in
tests/attendance/test_views.py). Target: under 150 ms.

The data goes to a throw-away database: a SQLite file in a temporary FORMARCHE_VAR_DIR (removed
at the end), or, when DATABASE_URL is set, a test database created next to it and dropped at the
end (the database named by DATABASE_URL itself is never written).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def build(trainees: int, months: int):
    from formarche.accounts.models import Membership, Role, User
    from formarche.attendance.models import Attendance
    from formarche.utils.dates import add_months
    from tests.factories import EnrolmentFactory, OrderFactory, OrganisationFactory, TraineeFactory

    region = OrganisationFactory(region=True)
    provider = OrganisationFactory()
    start = date(2023, 3, 1)
    order = OrderFactory(
        region=region,
        provider=provider,
        planned_start=start,
        planned_end=add_months(start, months) - timedelta(days=1),
        duration_months=months,
    )
    user = User.objects.create(email="bench@exemple.fr", first_name="Banc", last_name="Essai")
    Membership.objects.create(user=user, organisation=provider, role=Role.OF_MANAGER)
    rows = []
    for index in range(trainees):
        trainee = TraineeFactory(organisation=provider, last_name=f"Stagiaire{index:03d}")
        enrolment = EnrolmentFactory(
            order=order, trainee=trainee, entry_date=start, planned_hours=Decimal(2000)
        )
        for m in range(months):
            first = add_months(start, m)
            day = first
            while day.month == first.month:
                if day.weekday() < 5:
                    absent = (index + day.day) % 23 == 0
                    rows.append(
                        Attendance(
                            enrolment=enrolment,
                            day=day,
                            realised_hours=Decimal("0") if absent else Decimal("7"),
                            counted_unrealised_hours=Decimal("7") if absent else Decimal("0"),
                            unrealised_reason="maladie" if absent else "",
                        )
                    )
                day += timedelta(days=1)
    Attendance.objects.bulk_create(rows, batch_size=2000)
    return order, user, len(rows)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trainees", type=int, default=30)
    parser.add_argument("--months", type=int, default=18)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--profile", action="store_true", help="print a cProfile of one request")
    args = parser.parse_args()

    var_dir = tempfile.mkdtemp(prefix="formarche-bench-")
    os.environ["FORMARCHE_VAR_DIR"] = var_dir
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment
    from django.urls import reverse

    setup_test_environment()
    # Keep one connection across requests, as a server with CONN_MAX_AGE does (and so that the
    # queries of a request can be counted).
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    postgres = bool(os.environ.get("DATABASE_URL"))
    old_name = connection.settings_dict["NAME"]
    try:
        if postgres:
            connection.creation.create_test_db(verbosity=0, autoclobber=True)
        else:
            call_command("migrate", verbosity=0)
        started = time.perf_counter()
        order, user, count = build(args.trainees, args.months)
        built_in = time.perf_counter() - started
        client = Client()
        client.force_login(user)
        url = reverse("attendance:followup", kwargs={"order_id": order.pk})
        for _ in range(3):  # warm-up: templates, session, connection
            assert client.get(url).status_code == 200
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200, response.status_code
        query_count = len(queries)  # read now: the next request resets the connection's query log
        sql_ms = sum(Decimal(q["time"]) for q in queries.captured_queries) * 1000
        timings, cpu = [], []
        for _ in range(args.runs):
            started, started_cpu = time.perf_counter(), time.process_time()
            client.get(url)
            timings.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - started_cpu) * 1000)
        if args.profile:
            import cProfile
            import pstats

            profiler = cProfile.Profile()
            profiler.runcall(client.get, url)
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(35)
        median = statistics.median(timings)
        engine = "PostgreSQL" if postgres else "SQLite"
        print(
            f"Suivi des réalisations — {args.trainees} stagiaires × {args.months} mois, {count} lignes d'heures ({engine})"
        )
        print(f"  données construites en {built_in:.1f} s ; page de {len(response.content) // 1024} Kio")
        print(
            f"  médiane sur {args.runs} requêtes : {median:.1f} ms (min {min(timings):.1f}, max {max(timings):.1f})"
        )
        print(
            f"  temps CPU du processus, médiane : {statistics.median(cpu):.1f} ms"
            + (" (hors serveur PostgreSQL)" if postgres else " (SQLite compris)")
        )
        print(
            f"  charge de la machine : {' '.join(f'{x:.1f}' for x in os.getloadavg())} sur {os.cpu_count()} cœurs"
        )
        print(f"  requêtes SQL par page : {query_count} ({sql_ms:.1f} ms de SQL sur la requête mesurée)")
        print(f"  objectif < 150 ms : {'atteint' if median < 150 else 'MANQUÉ'}")
        return 0 if median < 150 else 1
    finally:
        if postgres:
            connection.creation.destroy_test_db(old_name, verbosity=0)
        connection.close()
        shutil.rmtree(var_dir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())

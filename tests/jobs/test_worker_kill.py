"""kill -9 of a real ``formarche worker`` in the middle of a large import (issue #15, point 1).

The test starts worker subprocesses (django-tasks-db, ``FORMARCHE_TASKS=database``) against the
test database, kills the first one with SIGKILL while it writes the rows (phase « Enregistrement »,
inside the write's transaction), starts another, and checks that the rows are written exactly
once and the job is done by the second attempt; then that a job interrupted three times is
refused with its French reason and nothing written.

PostgreSQL only: the test database must be shared with the subprocesses (SQLite runs in memory).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django_tasks_db.models import DBTaskResult

from formarche.attendance.models import Attendance
from formarche.imports.models import ImportJob, ImportStatus
from formarche.imports.services import import_job_create
from formarche.jobs.recovery import REFUSED_REASON
from formarche.trainees.models import Enrolment, Trainee, trainee_name_key
from tests.factories import OrderFactory, OrganisationFactory, UserFactory
from tests.faults.test_kill import database_url

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("postgresql_only"),
]

ROOT = Path(__file__).resolve().parents[2]
LEASE = 3  # seconds: a killed worker's job is taken over after this long
TRAINEES, DAYS = 250, 200  # 50 000 daily rows


@pytest.fixture
def queue(settings, media):
    """The test process enqueues into the database queue, as the web servers do in production."""
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default", "mails"]}
    }
    settings.FORMARCHE_JOB_LEASE_SECONDS = LEASE
    return media


def start_worker(media: Path, name: str) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "DJANGO_SETTINGS_MODULE": "tests.jobs.worker_settings",
        "FORMARCHE_TASKS": "database",
        "FORMARCHE_JOB_LEASE_SECONDS": str(LEASE),
        "JOBS_TEST_MEDIA": str(media),
    }
    log = open(media.parent / f"{name}.log", "wb")  # noqa: SIM115 (closed with the process)
    command = [sys.executable, "-m", "formarche", "worker", "--worker-id", name, "--interval", "0.2"]
    command += ["--no-startup-delay", "-v", "2"]
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)


def wait_for(predicate, what: str, workers=(), timeout: float = 240):
    deadline = time.monotonic() + timeout
    while not predicate():
        for worker in workers:
            if worker.poll() is not None:
                pytest.fail(f"a worker ended before {what} (code {worker.returncode})")
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.05)


def kill(worker: subprocess.Popen) -> None:
    os.kill(worker.pid, signal.SIGKILL)
    worker.wait(timeout=30)
    assert worker.returncode == -signal.SIGKILL


def stop(worker: subprocess.Popen) -> None:
    if worker.poll() is None:
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait(timeout=30)


def large_hours_file() -> tuple:
    """An OF with 250 trainees on one action and a CSV of 50 000 daily rows for them."""
    of = OrganisationFactory(name="Organisme Travailleurs")
    order = OrderFactory(
        provider=of,
        planned_start=date(2023, 1, 2),
        planned_end=date(2024, 12, 31),
        planned_headcount=TRAINEES,
    )
    trainees = Trainee.objects.bulk_create(
        Trainee(
            organisation=of,
            civility="mme",
            last_name=f"Nom{i:04d}",
            first_name="Léa",
            name_key=trainee_name_key(f"Nom{i:04d}", "Léa"),
            birth_date=date(1990, 1, 1),
            entry_status="demandeur_emploi",
            external_ref=f"STG-{i:04d}",
        )
        for i in range(TRAINEES)
    )
    Enrolment.objects.bulk_create(
        Enrolment(trainee=t, order=order, entry_date=date(2023, 1, 2), planned_hours=Decimal("1400"))
        for t in trainees
    )
    days, day = [], date(2023, 1, 2)
    while len(days) < DAYS:
        if day.weekday() < 5:
            days.append(day.strftime("%d/%m/%Y"))
        day += timedelta(days=1)
    lines = ["numero_action;identifiant_stagiaire;date;realise"]
    lines += [f"{order.number};{t.external_ref};{d};7" for t in trainees for d in days]
    return of, ("\n".join(lines) + "\n").encode()


def enqueue_import(of, content: bytes) -> ImportJob:
    job = import_job_create(
        organisation=of,
        user=UserFactory(),
        kind="heures",
        file_name="heures.csv",
        content=content,
        run_inline=False,
    )
    assert DBTaskResult.objects.filter(status="READY").count() == 1  # enqueued once committed
    return job


def writing(job: ImportJob, attempt: int):
    """True once attempt ``attempt`` of the job is inside its write transaction."""

    def check():
        job.refresh_from_db()
        return (
            job.status == ImportStatus.RUNNING and job.attempts == attempt and job.phase == "Enregistrement"
        )

    return check


def history_rows() -> int:
    return Attendance.history.count()


def test_a_worker_killed_mid_import_leaves_nothing_and_another_finishes_it_once(queue):
    of, content = large_hours_file()
    rows = TRAINEES * DAYS
    job = enqueue_import(of, content)
    first = start_worker(queue, "travailleur-1")
    try:
        wait_for(writing(job, 1), "the first worker writing the rows", [first])
        kill(first)
    finally:
        stop(first)
    job.refresh_from_db()
    assert (job.status, job.attempts) == (ImportStatus.RUNNING, 1)  # stuck « en cours »: its worker died
    assert Attendance.objects.count() == 0 and history_rows() == 0  # the half-done write was rolled back
    assert DBTaskResult.objects.get().status == "RUNNING"  # django-tasks-db's row of the dead worker

    second = start_worker(queue, "travailleur-2")
    try:
        wait_for(lambda: ImportJob.objects.get(pk=job.pk).is_finished, "the job's end", [second])
        job.refresh_from_db()
        assert job.status == ImportStatus.DONE, job.report
        assert job.attempts == 2 and job.worker_id == "travailleur-2"
        assert f"{rows} lignes importées — heures : {rows} créées" in job.summary
        assert Attendance.objects.count() == rows  # written exactly once
        assert history_rows() == rows
        results = dict(DBTaskResult.objects.values_list("status", "exception_class_path"))
        wait_for(
            lambda: DBTaskResult.objects.filter(status="SUCCESSFUL").count() == 1, "the task's end", [second]
        )
        assert results.get("FAILED") == "formarche.jobs.recovery.WorkerLost"  # the dead worker's task, closed
        assert DBTaskResult.objects.count() == 2
        time.sleep(2 * LEASE)  # the recovery keeps running: nothing is done twice
        assert Attendance.objects.count() == rows
        assert ImportJob.objects.get(pk=job.pk).attempts == 2
    finally:
        stop(second)


def test_a_job_interrupted_three_times_is_refused_with_its_reason(queue):
    of, content = large_hours_file()
    job = enqueue_import(of, content)
    for attempt in (1, 2, 3):
        worker = start_worker(queue, f"travailleur-{attempt}")
        try:
            wait_for(writing(job, attempt), f"attempt {attempt} writing the rows", [worker])
            kill(worker)
        finally:
            stop(worker)
    last = start_worker(queue, "travailleur-4")
    try:
        wait_for(lambda: ImportJob.objects.get(pk=job.pk).is_finished, "the job's refusal", [last])
    finally:
        stop(last)
    job.refresh_from_db()
    assert (job.status, job.attempts) == (ImportStatus.REFUSED, 3)
    assert job.summary == REFUSED_REASON
    assert job.state_label == "Refusé (erreurs)"
    assert Attendance.objects.count() == 0 and history_rows() == 0
    assert not DBTaskResult.objects.filter(status__in=["READY", "RUNNING"]).exists()

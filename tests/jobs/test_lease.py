"""The state machine of a background job (SQLite and PostgreSQL): claim, lease, finish, retry,
recovery after a dead worker, refusal after three attempts — for the export jobs and the import
jobs, which share it (formarche/jobs/lease.py, recovery.py)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import OperationalError
from django.utils import timezone

from formarche.imports.models import ImportJob, ImportKind, ImportStatus
from formarche.jobs import registry
from formarche.jobs.lease import LeaseLost, job_claim, job_finish
from formarche.jobs.models import MAX_ATTEMPTS, Job, JobStatus
from formarche.jobs.recovery import REFUSED_REASON, job_recover_if_stale, jobs_recover
from formarche.jobs.registry import JobKind, JobRefused
from formarche.jobs.services import job_create, job_execute
from tests.factories import OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db


class Script:
    """A job kind for the tests: each attempt takes the next behaviour of ``steps``."""

    def __init__(self, *steps):
        self.steps = list(steps)
        self.calls = 0

    def __call__(self, job, progress):
        step = self.steps[min(self.calls, len(self.steps) - 1)]
        self.calls += 1
        progress(1, 2, "Moitié")
        if isinstance(step, BaseException):
            raise step
        return "essai.txt", step


@pytest.fixture
def kind():
    """Registers the kind ``essai`` with a script of behaviours; removed afterwards."""
    made = {}

    def make(*steps):
        script = Script(*steps)
        registry.register_kind(JobKind(kind="essai", label="Essai", run=script, available=lambda t: True))
        made["script"] = script
        return script

    yield make
    registry._KINDS.pop("essai", None)


@pytest.fixture
def org():
    return OrganisationFactory()


def new_job(org, **fields) -> Job:
    return Job.objects.create(organisation=org, kind="essai", title="Essai", params={}, **fields)


def test_a_job_is_claimed_once_and_its_attempt_counted(org):
    job = new_job(org)
    assert job_claim(model=Job, pk=job.pk, worker_id="w1") == 1
    assert job_claim(model=Job, pk=job.pk, worker_id="w2") is None  # running: nobody else takes it
    job.refresh_from_db()
    assert (job.status, job.attempts, job.worker_id) == (JobStatus.RUNNING, 1, "w1")
    assert job.heartbeat_at is not None and job.state_label == "En cours"


def test_only_the_attempt_holding_the_lease_finishes_the_job(org):
    job = new_job(org, status=JobStatus.RUNNING, attempts=2)
    with pytest.raises(LeaseLost):
        job_finish(model=Job, pk=job.pk, attempt=1, status=JobStatus.DONE)
    job.refresh_from_db()
    assert job.status == JobStatus.RUNNING
    job_finish(model=Job, pk=job.pk, attempt=2, status=JobStatus.DONE)
    job.refresh_from_db()
    assert job.status == JobStatus.DONE and job.finished_at is not None


def test_a_job_runs_to_done_with_its_file(kind, org, django_capture_on_commit_callbacks):
    kind(b"contenu")
    with django_capture_on_commit_callbacks(execute=True):
        job = job_create(organisation=org, user=UserFactory(), kind="essai", params={}, title="Essai")
    job.refresh_from_db()
    assert (job.status, job.attempts, job.done, job.total) == (JobStatus.DONE, 1, 2, 2)
    assert job.state_label == "Terminé" and job.percent == 100
    with job.result.open("rb") as handle:
        assert handle.read() == b"contenu"
    assert job.result_name == "essai.txt" and f"/{job.pk}-1-" in job.result.name


def test_refused_on_its_data_at_once_without_retry(kind, org):
    script = kind(JobRefused("Aucune facture émise pour Mars 2023."))
    job = new_job(org)
    assert job_execute(job_id=job.pk) == JobStatus.REFUSED
    job.refresh_from_db()
    assert job.attempts == 1 and script.calls == 1
    assert job.error == "Aucune facture émise pour Mars 2023." and not job.result


def test_a_transient_error_is_tried_again(kind, org, django_capture_on_commit_callbacks):
    script = kind(OperationalError("server closed the connection unexpectedly"), b"ok")
    job = new_job(org)
    with django_capture_on_commit_callbacks(execute=True):
        job_execute(job_id=job.pk)
    job.refresh_from_db()
    assert (job.status, job.attempts, script.calls) == (JobStatus.DONE, 2, 2)


def test_transient_errors_three_times_refuse_the_job(kind, org, django_capture_on_commit_callbacks):
    script = kind(OperationalError("connexion perdue"))
    job = new_job(org)
    with django_capture_on_commit_callbacks(execute=True):
        job_execute(job_id=job.pk)
    job.refresh_from_db()
    assert (job.status, job.attempts, script.calls) == (JobStatus.REFUSED, MAX_ATTEMPTS, MAX_ATTEMPTS)
    assert "échoué trois fois" in job.error


def test_a_bug_fails_the_job_without_retry(kind, org):
    kind(ZeroDivisionError("bug"))
    job = new_job(org)
    assert job_execute(job_id=job.pk) == JobStatus.FAILED
    job.refresh_from_db()
    assert job.attempts == 1 and job.error.startswith("Erreur technique")


def stale(org, attempts: int) -> Job:
    """A job « en cours » whose worker stopped renewing its lease two minutes ago."""
    return new_job(
        org,
        status=JobStatus.RUNNING,
        attempts=attempts,
        heartbeat_at=timezone.now() - timedelta(minutes=2),
        worker_id="mort",
    )


def test_recovery_hands_a_dead_workers_job_to_a_live_one(kind, org, django_capture_on_commit_callbacks):
    script = kind(b"refait")
    job = stale(org, attempts=1)
    alive = new_job(org, status=JobStatus.RUNNING, attempts=1, heartbeat_at=timezone.now())
    with django_capture_on_commit_callbacks(execute=True):
        out = jobs_recover()
    assert out.requeued == 1 and out.refused == 0
    job.refresh_from_db()
    alive.refresh_from_db()
    assert (job.status, job.attempts, script.calls) == (JobStatus.DONE, 2, 1)
    assert alive.status == JobStatus.RUNNING  # its lease is alive: left alone


def test_between_two_attempts_the_state_says_which_attempt_comes(org):
    job = stale(org, attempts=1)
    jobs_recover()  # requeued (its task runs once the transaction commits)
    job.refresh_from_db()
    assert (job.status, job.state_label) == (JobStatus.PENDING, "Nouvelle tentative 2/3")
    assert job_claim(model=Job, pk=job.pk) == 2
    job.refresh_from_db()
    assert job.state_label == "Nouvelle tentative 2/3"


def test_after_three_interrupted_attempts_the_job_is_refused_with_its_reason(org):
    job = stale(org, attempts=MAX_ATTEMPTS)
    out = jobs_recover()
    assert (out.requeued, out.refused) == (0, 1)
    job.refresh_from_db()
    assert job.status == JobStatus.REFUSED and job.error == REFUSED_REASON
    assert job.state_label == "Refusé"
    assert job_claim(model=Job, pk=job.pk) is None


def test_polling_a_dead_job_recovers_it(org, settings):
    job = stale(org, attempts=MAX_ATTEMPTS)
    assert job_recover_if_stale(job=job) is True
    assert job.status == JobStatus.REFUSED
    fresh = new_job(org, status=JobStatus.RUNNING, attempts=1, heartbeat_at=timezone.now())
    assert job_recover_if_stale(job=fresh) is False


def import_job(org, **fields) -> ImportJob:
    return ImportJob.objects.create(
        organisation=org,
        kind=ImportKind.TRAINEES,
        file_name="s.csv",
        file_hash="0" * 64,
        total_rows=3,
        **fields,
    )


def test_import_jobs_share_the_recovery(org):
    job = import_job(
        org,
        status=ImportStatus.RUNNING,
        attempts=MAX_ATTEMPTS,
        heartbeat_at=timezone.now() - timedelta(minutes=5),
    )
    call_command("jobs_recover", stdout=open("/dev/null", "w"))  # noqa: SIM115
    job.refresh_from_db()
    assert job.status == ImportStatus.REFUSED
    assert job.summary == REFUSED_REASON and job.report["errors"] == []


def test_the_statuses_of_both_job_tables_agree():
    assert {s.value for s in ImportStatus} == {s.value for s in JobStatus}


TRAINEES_CSV = (
    "civilite;nom;prenom;date_naissance;statut\n"
    "Mme;Dupont;Léa;17/05/1990;demandeur_emploi\n"
    "M.;Martin;Paul;02/01/1985;salarie\n"
).encode()


def stored_import(org, content: bytes):
    from formarche.imports.services import import_job_create

    return import_job_create(
        organisation=org,
        user=UserFactory(),
        kind="stagiaires",
        file_name="stagiaires.csv",
        content=content,
        run_inline=False,  # enqueued once committed: run below by hand
    )


def test_an_import_refused_on_its_rows_is_refused_at_once(org):
    from formarche.imports.services.job_run import import_job_run

    job = stored_import(org, TRAINEES_CSV.replace(b"17/05/1990", b"31/02/1990"))
    job = import_job_run(job=job)
    assert (job.status, job.attempts) == (ImportStatus.REFUSED, 1)  # no retry
    assert job.errors and job.errors[0].startswith("Ligne 2 : ")


def test_an_import_hit_by_a_lost_connection_is_tried_again(
    org, monkeypatch, django_capture_on_commit_callbacks
):
    from formarche.imports.services import job_run
    from formarche.trainees.models import Trainee

    real, calls = job_run._import, []

    def flaky(job, table, *, on_written):
        calls.append(job.attempts)
        if len(calls) == 1:
            raise OperationalError("server closed the connection unexpectedly")
        return real(job, table, on_written=on_written)

    monkeypatch.setattr(job_run, "_import", flaky)
    job = stored_import(org, TRAINEES_CSV)
    with django_capture_on_commit_callbacks(execute=True):
        job_run.import_job_run(job=job)
    job.refresh_from_db()
    assert (job.status, job.attempts, calls) == (ImportStatus.DONE, 2, [1, 2])
    assert Trainee.objects.filter(organisation=org).count() == 2  # written once

"""kill -9 of the process mid-import, mid-issuance and mid-upload (issue #17 point 4).

A subprocess (``tests/faults/victim.py``) runs the real service against the test database and
stops at a hook point inside the service's transaction; the test kills it with SIGKILL there.
Afterwards nothing is half-written, the invoice counter neither skips nor repeats a number, and
the work can be done again (the import job, its lease expired, is recovered by ``manage.py jobs_recover``,
the recovery every worker runs: formarche/jobs/recovery.py).

PostgreSQL only: the test database must be shared with the subprocess (SQLite runs in memory).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection

from formarche.billing import services
from formarche.billing.models import Invoice, InvoiceCounter, InvoiceStatus
from formarche.imports import services as imports
from formarche.imports.models import ImportStatus
from formarche.imports.services import jobs
from formarche.trainees.models import Trainee
from tests.billing.workflow import APRIL, MARCH, sign_unchecked, validate

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("postgresql_only"),
]

ROOT = Path(__file__).resolve().parents[2]
TRAINEES_CSV = (
    "civilite;nom;prenom;date_naissance;statut\n"
    "Mme;Dupont;Léa;17/05/1990;demandeur_emploi\n"
    "M.;Martin;Paul;02/01/1985;salarie\n"
    "Mme;Bernard;Chloé;30/11/2001;apprenti\n"
).encode()


def database_url() -> str:
    s = connection.settings_dict
    return f"postgres://{s['USER']}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def kill_at_hook(scenario: str, pk: int, user_pk: int, media: Path) -> None:
    """Run the victim until its hook point, then SIGKILL it."""
    marker = media.parent / f"{scenario}.marker"
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "FAULTS_MEDIA": str(media),
        "FAULTS_MARKER": str(marker),
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.faults.victim", scenario, str(pk), str(user_pk)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 90
    while not marker.exists():
        if process.poll() is not None:
            pytest.fail(f"the victim ended before its hook point: {process.stderr.read().decode()}")
        if time.monotonic() > deadline:
            process.kill()
            pytest.fail("the victim never reached its hook point")
        time.sleep(0.05)
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=30)
    process.stdout.close()
    process.stderr.close()
    assert process.returncode == -signal.SIGKILL


def test_kill_mid_import_writes_nothing_and_the_job_resumes(seeded, media, monkeypatch, settings):
    order, user = seeded
    monkeypatch.setattr(
        jobs, "run_import_job", type("NoQueue", (), {"enqueue": staticmethod(lambda **kw: None)})
    )
    job = imports.import_job_create(
        organisation=order.provider,
        user=user,
        kind="stagiaires",
        file_name="stagiaires.csv",
        content=TRAINEES_CSV,
        run_inline=False,
    )
    before = Trainee.objects.count()
    kill_at_hook("import", job.pk, user.pk, media)
    job.refresh_from_db()
    assert job.status == ImportStatus.RUNNING  # stuck « en cours »: the process died
    assert Trainee.objects.count() == before  # the inserted trainees were rolled back
    call_command("jobs_recover", stdout=open(os.devnull, "w"))  # noqa: SIM115
    job.refresh_from_db()
    assert job.status == ImportStatus.RUNNING  # its lease has not expired yet: left alone
    settings.FORMARCHE_JOB_LEASE_SECONDS = 0  # now it has
    call_command("jobs_recover", stdout=open(os.devnull, "w"))  # noqa: SIM115
    job.refresh_from_db()
    assert job.status == ImportStatus.DONE, job.report
    assert job.attempts == 2
    assert Trainee.objects.count() == before + 3
    call_command("jobs_recover", stdout=open(os.devnull, "w"))  # noqa: SIM115
    assert Trainee.objects.count() == before + 3  # nothing run twice


def test_kill_mid_issuance_neither_skips_nor_repeats_a_number(seeded, media):
    order, user = seeded
    march, april = validate(order, MARCH, user), validate(order, APRIL, user)
    first = services.invoice_issue(period=march, user=user)
    assert first.sequence == 1
    kill_at_hook("issue", april.pk, user.pk, media)
    assert list(Invoice.objects.values_list("pk", flat=True)) == [first.pk]  # no half-written invoice
    assert InvoiceCounter.objects.get().last_number == 1  # the taken number was given back
    april.refresh_from_db()
    assert april.is_validated
    second = services.invoice_issue(period=april, user=user)
    assert (second.sequence, second.number) == (2, f"{first.year}-00002")
    with second.document.open("rb") as handle:
        assert handle.read(5) == b"%PDF-"
    assert sorted(Invoice.objects.values_list("sequence", flat=True)) == [1, 2]


def test_kill_mid_signed_upload_leaves_the_invoice_issued_and_the_upload_can_be_redone(seeded, media):
    order, user = seeded
    invoice = services.invoice_issue(period=validate(order, MARCH, user), user=user)
    kill_at_hook("upload", invoice.pk, user.pk, media)
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.ISSUED and not invoice.signed_file and invoice.signed_by is None
    signed = sign_unchecked(invoice, user)
    assert signed.status == InvoiceStatus.SIGNED and signed.signed_file

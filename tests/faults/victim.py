"""The process the kill tests kill: it runs one real service against the test database and stops
at a hook point inside the service's transaction (a marker file written, then a long sleep), where
the test sends it SIGKILL.

Run as ``python -m tests.faults.victim <scenario> <pk> <user_pk>`` with ``DATABASE_URL`` naming the
test database, ``FAULTS_MEDIA`` the shared media directory and ``FAULTS_MARKER`` the marker file.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path


def pause_here() -> None:
    """The hook point: tell the test we are mid-transaction, then wait for SIGKILL."""
    Path(os.environ["FAULTS_MARKER"]).write_text(str(os.getpid()))
    time.sleep(120)
    sys.exit("victim: not killed")  # the test failed to kill us: nothing may be committed


def after(function):
    """``function`` then the hook point."""

    def wrapped(*args, **kwargs):
        result = function(*args, **kwargs)
        pause_here()
        return result

    return wrapped


def main(scenario: str, pk: int, user_pk: int) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    import django

    django.setup()
    from django.test.utils import override_settings

    media = os.environ["FAULTS_MEDIA"]
    override_settings(MEDIA_ROOT=media, STORAGES=storages(media)).enable()

    from formarche.accounts.models import User
    from formarche.billing import services as billing
    from formarche.billing.models import Invoice, Period
    from formarche.billing.selectors import invoice_expected_filename
    from formarche.imports.models import ImportJob
    from formarche.imports.services import job_run, trainees

    user = User.objects.filter(pk=user_pk).first()
    if scenario == "import":  # the trainees are inserted, the transaction not committed
        trainees.bulk_insert = after(trainees.bulk_insert)
        job_run.import_job_run(job=ImportJob.objects.get(pk=pk))
    elif scenario == "issue":  # number taken, invoice row and PDF written, not committed
        Invoice.save = after(Invoice.save)
        billing.invoice_issue(period=Period.objects.get(pk=pk), user=user)
    elif scenario == "upload":  # signed file stored, invoice row marked signed, not committed
        invoice = Invoice.objects.get(pk=pk)
        with invoice.document.open("rb") as handle:
            data = handle.read()
        Invoice.save = after(Invoice.save)
        billing.invoice_upload_signed(
            invoice=invoice,
            data=data,
            filename=invoice_expected_filename(invoice),
            user=user,
            skip_signature_check_for_demo=True,
        )
    else:
        sys.exit(f"victim: unknown scenario {scenario}")
    sys.exit("victim: the hook point was never reached")


def storages(media: str) -> dict:
    return {
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": media},
        },
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]))

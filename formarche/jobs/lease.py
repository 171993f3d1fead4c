"""The lease of a running job, shared by every leased model (:class:`~formarche.jobs.models.Job`,
the import jobs): claim, heartbeat, finish, retry. Every write is one conditional ``UPDATE``:

- **claim** — ``en_attente`` → ``en_cours``, ``attempts + 1``: a job is run by one worker at a time;
- **heartbeat** — while the job runs, a thread of the worker renews ``heartbeat_at``; a worker killed
  with ``kill -9`` stops renewing it, and :mod:`formarche.jobs.recovery` hands the job to a live
  worker once the lease (``FORMARCHE_JOB_LEASE_SECONDS``) has expired;
- **finish** — only by the attempt that holds the lease (``status = en_cours AND attempts = n``),
  called inside the transaction that writes the job's result: when the lease was lost (another
  worker took the job over), :class:`LeaseLost` rolls the whole write back. A job is never done
  twice, and never half-written.
"""

from __future__ import annotations

import logging
import threading
from datetime import timedelta

from django.conf import settings
from django.db import DatabaseError, InterfaceError, OperationalError, connection
from django.utils import timezone

from formarche.jobs.models import MAX_ATTEMPTS, JobStatus

logger = logging.getLogger(__name__)

#: Errors after which a job is tried again (the database went away, a lock timed out…).
TRANSIENT_ERRORS = (OperationalError, InterfaceError)


class LeaseLost(Exception):
    """The attempt lost its lease (its job was taken over): its write must be rolled back."""


def lease_seconds() -> int:
    return int(getattr(settings, "FORMARCHE_JOB_LEASE_SECONDS", 60))


def lease_expired_before(now=None):
    """Heartbeats older than this are dead."""
    return (now or timezone.now()) - timedelta(seconds=lease_seconds())


#: The id of the worker this process is (set by ``formarche worker``), recorded on each claim.
WORKER = {"id": ""}


def job_claim(*, model, pk: int, worker_id: str = "") -> int | None:
    """Take a waiting job: returns the attempt number, or ``None`` when it is not waiting."""
    from django.db.models import F

    now = timezone.now()
    fields = {"status": JobStatus.RUNNING, "attempts": F("attempts") + 1, "heartbeat_at": now}
    fields["started_at"] = now
    fields["worker_id"] = (worker_id or WORKER["id"])[:64]
    claimed = model.objects.filter(pk=pk, status=JobStatus.PENDING, attempts__lt=MAX_ATTEMPTS).update(
        **fields
    )
    if not claimed:
        return None
    return model.objects.filter(pk=pk).values_list("attempts", flat=True).get()


def job_finish(*, model, pk: int, attempt: int, status: str, **fields) -> None:
    """Mark the attempt's end (inside its write's transaction); :class:`LeaseLost` if it lost the lease."""
    updated = model.objects.filter(pk=pk, status=JobStatus.RUNNING, attempts=attempt).update(
        status=status, finished_at=timezone.now(), **fields
    )
    if not updated:
        raise LeaseLost(f"{model.__name__} {pk}: attempt {attempt} lost its lease")


def reset_connection() -> None:
    """After a transient error the connection may be broken: closed, Django opens a new one at the
    next query (not inside a transaction, which the caller's rollback ends first)."""
    if not connection.in_atomic_block:
        connection.close()


def job_retry_or_refuse(*, model, pk: int, attempt: int, reason: str, refuse_fields: dict) -> bool:
    """After a transient error: back to « en attente » for another attempt (returns True), or
    refused with ``refuse_fields`` once the attempts are spent (returns False)."""
    running = model.objects.filter(pk=pk, status=JobStatus.RUNNING, attempts=attempt)
    if attempt < MAX_ATTEMPTS:
        return bool(running.update(status=JobStatus.PENDING, heartbeat_at=None, worker_id=""))
    running.update(status=JobStatus.REFUSED, finished_at=timezone.now(), **refuse_fields)
    logger.warning("%s %s refused after %s attempts: %s", model.__name__, pk, attempt, reason)
    return False


def heartbeat_enabled() -> bool:
    """Tasks run at once in the caller (``immediate``, tests) need no heartbeat thread."""
    return getattr(settings, "FORMARCHE_TASKS", "thread") != "immediate"


class Heartbeat:
    """A thread renewing the lease of one attempt every third of the lease, until stopped.

    It has its own database connection (Django's are per thread), so it renews the lease while the
    job's own thread sits in a long write transaction."""

    def __init__(self, *, model, pk: int, attempt: int):
        self.model, self.pk, self.attempt = model, pk, attempt
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"bail-{model.__name__}-{pk}", daemon=True)

    def __enter__(self):
        if _heartbeat_wanted():
            self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=10)
        return False

    def _run(self):
        from django.db import connections

        interval = max(lease_seconds() / 3, 0.2)
        try:
            while not self._stop.wait(interval):
                try:
                    self.model.objects.filter(
                        pk=self.pk, status=JobStatus.RUNNING, attempts=self.attempt
                    ).update(heartbeat_at=timezone.now())
                except DatabaseError:  # SQLite busy, connection lost: try again at the next beat
                    logger.warning("heartbeat of %s %s failed", self.model.__name__, self.pk, exc_info=True)
                    connections.close_all()
        finally:
            connections.close_all()


def _heartbeat_wanted() -> bool:
    """Not for tasks run in the caller; on SQLite only for a database file (dev, embedded): the
    heartbeat thread would not share an in-memory database."""
    if not heartbeat_enabled() or connection.in_atomic_block:
        return False  # inside a transaction the claim is not visible to another connection yet
    if connection.vendor != "sqlite":
        return True
    name = str(connection.settings_dict.get("NAME") or "")
    return bool(name) and ":memory:" not in name and "mode=memory" not in name

"""Recovery after a crash: the one path that hands an interrupted job to a live worker.

Each leased model registers itself (:func:`register_leased`, from its app's ``ready()``) with the
function that enqueues its task. :func:`jobs_recover` — run by every ``formarche worker`` between
two tasks, by ``manage.py jobs_recover``, and when a job page is polled — finds the running jobs
whose lease expired (their worker died: ``kill -9``, machine lost):

- attempts left: back to « en attente » and enqueued again (the attempt that died wrote nothing:
  its write was one transaction that also marks the job done);
- attempts spent (:data:`~formarche.jobs.models.MAX_ATTEMPTS`): refused, with the French reason.

django-tasks-db leaves the dead worker's ``DBTaskResult`` « RUNNING »: the one of a recovered job
is marked failed (the job has a new task); a task with no job (an e-mail) whose worker died is put
back in the queue, up to three workers, then marked failed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from formarche.jobs.lease import lease_expired_before, lease_seconds
from formarche.jobs.models import MAX_ATTEMPTS, JobStatus

logger = logging.getLogger(__name__)

#: The reason a job gets when its attempts are spent.
REFUSED_REASON = (
    f"Le travail a été interrompu {MAX_ATTEMPTS} fois (arrêt du processus qui l'exécutait) : il est "
    "abandonné et rien n'en a été enregistré. Relancez-le ; si l'arrêt se répète, prévenez "
    "l'administrateur."
)


@dataclass(frozen=True)
class Leased:
    model: type
    #: the task that runs one attempt (a django-tasks Task taking ``job_id``)
    task: object
    #: the fields written when the attempts are spent, from the French reason
    refuse_fields: Callable[[str], dict]

    @property
    def task_path(self) -> str:
        return self.task.module_path

    def enqueue(self, pk: int):
        return self.task.enqueue(job_id=pk)


_REGISTRY: dict[str, Leased] = {}


def register_leased(model, task, refuse_fields=None) -> None:
    """Plug a leased model into the recovery (called from its app's ``ready()``): ``task`` runs
    one attempt of a job (``task.enqueue(job_id=…)``)."""
    _REGISTRY[model._meta.label] = Leased(model, task, refuse_fields or (lambda reason: {"error": reason}))


def leased(model) -> Leased:
    return _REGISTRY[model._meta.label]


@dataclass
class Recovered:
    requeued: int = 0
    refused: int = 0
    tasks_failed: int = 0
    tasks_requeued: int = 0


def jobs_recover(*, now=None) -> Recovered:
    """Hand every job whose lease expired to a live worker (or refuse it); returns the counts."""
    now = now or timezone.now()
    limit = lease_expired_before(now)
    out = Recovered()
    for entry in _REGISTRY.values():
        stale = entry.model.objects.filter(status=JobStatus.RUNNING, heartbeat_at__lt=limit)
        for pk, attempts in stale.values_list("pk", "attempts"):
            if _recover_one(entry, pk, attempts, limit):
                out.requeued += 1
            else:
                out.refused += 1
            out.tasks_failed += _fail_dead_tasks(entry, pk)
    out.tasks_requeued += _requeue_orphan_tasks(now)
    return out


def job_recover_if_stale(*, job) -> bool:
    """The recovery of one job (its page is polled): True when it was handed over or refused."""
    if job.status != JobStatus.RUNNING or job.heartbeat_at is None:
        return False
    limit = lease_expired_before()
    if job.heartbeat_at >= limit:
        return False
    entry = leased(type(job))
    _recover_one(entry, job.pk, job.attempts, limit)
    _fail_dead_tasks(entry, job.pk)
    job.refresh_from_db()
    return True


def _recover_one(entry: Leased, pk: int, attempts: int, limit) -> bool:
    """One stale job: requeued (True) or refused (False). Conditional on it still being stale."""
    stale = entry.model.objects.filter(
        pk=pk, status=JobStatus.RUNNING, attempts=attempts, heartbeat_at__lt=limit
    )
    if attempts >= MAX_ATTEMPTS:
        stale.update(
            status=JobStatus.REFUSED, finished_at=timezone.now(), **entry.refuse_fields(REFUSED_REASON)
        )
        logger.warning("%s %s refused: %s attempts interrupted", entry.model.__name__, pk, attempts)
        return False
    with transaction.atomic():
        if stale.update(status=JobStatus.PENDING, heartbeat_at=None, worker_id=""):
            transaction.on_commit(lambda: entry.enqueue(pk))
            logger.warning(
                "%s %s: worker lost during attempt %s, requeued", entry.model.__name__, pk, attempts
            )
    return True


def _db_results():
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult


WORKER_LOST = {
    "exception_class_path": "formarche.jobs.recovery.WorkerLost",
    "traceback": "Travailleur arrêté pendant la tâche : elle a été reprise par un autre.",
}


def _fail_dead_tasks(entry: Leased, pk: int) -> int:
    """The dead worker's DBTaskResult of a recovered job: failed (the job has a new task)."""
    return (
        _db_results()
        .objects.filter(status="RUNNING", task_path=entry.task_path, args_kwargs__kwargs__job_id=pk)
        .update(status="FAILED", finished_at=timezone.now(), **WORKER_LOST)
    )


def _fail_dead_task(task_id) -> int:
    return (
        _db_results()
        .objects.filter(pk=task_id, status="RUNNING")
        .update(
            status="FAILED",
            finished_at=timezone.now(),
            **WORKER_LOST,
        )
    )


#: A task with no job (an e-mail) still « RUNNING » after this long lost its worker.
ORPHAN_TASK_AFTER = timedelta(minutes=10)


def _requeue_orphan_tasks(now) -> int:
    DBTaskResult = _db_results()
    limit = now - max(ORPHAN_TASK_AFTER, timedelta(seconds=3 * lease_seconds()))
    count = 0
    job_tasks = [entry.task_path for entry in _REGISTRY.values()]  # recovered through their job
    stale = DBTaskResult.objects.filter(status="RUNNING", started_at__lt=limit).exclude(
        task_path__in=job_tasks
    )
    for result in stale:
        if len(result.worker_ids) >= MAX_ATTEMPTS:
            _fail_dead_task(result.pk)
        else:
            DBTaskResult.objects.filter(pk=result.pk, status="RUNNING").update(
                status="READY", started_at=None
            )
        count += 1
    return count

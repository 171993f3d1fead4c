"""A django-tasks backend that runs each task in a thread of the web process.

For a single-server installation (the default): no worker to run, no extra table. A job that was
interrupted by a restart stays "en attente"/"en cours" in the ImportJob table and is resumed by
``python manage.py import_jobs --resume``. To run jobs on other machines, switch TASKS to a
database backend (django-tasks-db) without changing the code: the code only calls ``enqueue``.
See docs/adr/0006-import-jobs.md.
"""

from __future__ import annotations

import logging
import threading

from django.db import close_old_connections, connections
from django.utils import timezone
from django_tasks.backends.base import BaseTaskBackend
from django_tasks.base import TaskResult, TaskResultStatus
from django_tasks.utils import get_random_id

logger = logging.getLogger(__name__)


class ThreadBackend(BaseTaskBackend):
    supports_defer = False
    supports_get_result = False
    supports_priority = False

    def enqueue(self, task, args, kwargs):
        self.validate_task(task)
        result = TaskResult(
            task=task,
            id=get_random_id(),
            status=TaskResultStatus.READY,
            enqueued_at=timezone.now(),
            started_at=None,
            last_attempted_at=None,
            finished_at=None,
            args=args,
            kwargs=kwargs,
            backend=self.alias,
            errors=[],
            worker_ids=[],
        )
        thread = threading.Thread(
            target=self._run, args=(task, args, kwargs), name=f"tache-{result.id}", daemon=True
        )
        thread.start()
        return result

    @staticmethod
    def _run(task, args, kwargs):
        close_old_connections()
        try:
            task.call(*args, **kwargs)
        except Exception:  # the task records its own failure; never kill the process
            logger.exception("task %s failed", task.name)
        finally:
            connections.close_all()

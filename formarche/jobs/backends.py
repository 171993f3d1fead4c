"""A django-tasks backend that runs each task in a thread of the web process.

For a single-server installation (the default): no worker to run, no extra table. A job that was
interrupted by a restart stays "en cours" until its lease expires, then the recovery
(:mod:`formarche.jobs.recovery`: ``manage.py jobs_recover``, or its page being polled) runs it again.
It serves only the embedded default and development (``FORMARCHE_TASKS=thread``); everywhere else
the database backend (django-tasks-db) and ``formarche worker`` processes run the same tasks: the
code only calls ``enqueue``. See docs/adr/0011-task-workers.md.
"""

from __future__ import annotations

import logging
import threading

from django.db import close_old_connections, connections
from django.utils import timezone
from django_tasks.backends.base import BaseTaskBackend
from django_tasks.base import TaskContext, TaskResult, TaskResultStatus
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
            target=self._run, args=(task, result, args, kwargs), name=f"tache-{result.id}", daemon=True
        )
        thread.start()
        return result

    @staticmethod
    def _run(task, result, args, kwargs):
        close_old_connections()
        try:
            if task.takes_context:
                task.call(TaskContext(task_result=result), *args, **kwargs)
            else:
                task.call(*args, **kwargs)
        except Exception:  # the task records its own failure; never kill the process
            logger.exception("task %s failed", task.name)
        finally:
            connections.close_all()

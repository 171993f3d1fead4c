"""``formarche worker`` (``manage.py worker``): a django-tasks-db worker plus the job recovery.

It runs the tasks of the ``default`` and ``mails`` queues like ``db_worker`` (same options), and,
in a thread of its own, :func:`formarche.jobs.recovery.jobs_recover` at start and every half lease:
a job whose worker was killed is taken over by a live one (docs/adr/0011-task-workers.md).
"""

from __future__ import annotations

import logging
import os
import socket
import threading

from django.conf import settings
from django.core.management.base import CommandError
from django.db import DatabaseError, connections
from django_tasks import task_backends
from django_tasks_db import DatabaseBackend
from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand

from formarche.jobs.lease import WORKER, lease_seconds
from formarche.jobs.recovery import jobs_recover

logger = logging.getLogger("formarche.jobs")


def default_worker_id() -> str:
    return f"{socket.gethostname()}-{os.getpid()}"[:64]


class Recovery(threading.Thread):
    """Runs the recovery every ``interval`` seconds until the process ends (a daemon thread)."""

    def __init__(self, interval: float):
        super().__init__(name="recuperation", daemon=True)
        self.interval = interval
        self.stopped = threading.Event()

    def run(self):
        while True:
            try:
                out = jobs_recover()
                if out.requeued or out.refused or out.tasks_requeued:
                    logger.warning("recovery: %s", out)
            except DatabaseError:
                logger.warning("recovery failed, tried again later", exc_info=True)
                connections.close_all()
            if self.stopped.wait(self.interval):
                return


class Command(DbWorkerCommand):
    help = (
        "Exécute les travaux en arrière-plan (file django-tasks-db) et reprend ceux d'un travailleur arrêté."
    )

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.set_defaults(queue_name="default,mails", worker_id=default_worker_id(), reload=False)
        for action in parser._actions:
            if action.dest == "backend_name":
                action.type = str  # checked in handle(), with a French message, not by argparse

    def handle(self, *args, **options):
        if getattr(settings, "FORMARCHE_TASKS", "") != "database":
            raise CommandError(
                "Le travailleur exécute la file de la base de données : lancez-le avec FORMARCHE_TASKS=database "
                f"(réglage actuel : {getattr(settings, 'FORMARCHE_TASKS', '?')})."
            )
        if not isinstance(task_backends[options["backend_name"]], DatabaseBackend):
            raise CommandError(
                f"Le backend de tâches « {options['backend_name']} » n'est pas une file en base."
            )
        WORKER["id"] = options["worker_id"]
        Recovery(max(lease_seconds() / 2, 0.5)).start()
        return super().handle(*args, **options)

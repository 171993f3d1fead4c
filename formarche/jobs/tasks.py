"""The django-tasks tasks of the jobs app: an export job's attempt (:func:`run_job`, defined
beside what it runs in ``services.py``) and one e-mail."""

from __future__ import annotations

from django.core.mail import send_mail
from django_tasks import task

from formarche.jobs.services import run_job

__all__ = ["mail_enqueue", "run_job", "send_mail_task"]


@task(queue_name="mails")
def send_mail_task(*, subject: str, body: str, recipients: list[str]) -> int:
    """One e-mail, sent by a worker (a failure marks the task failed; recovery requeues a lost one)."""
    return send_mail(subject, body, None, recipients)


def mail_enqueue(*, subject: str, body: str, recipients: list[str]) -> None:
    """Send an e-mail through the task queue (the callers run it after their commit)."""
    if recipients:
        send_mail_task.enqueue(subject=subject, body=body, recipients=list(recipients))

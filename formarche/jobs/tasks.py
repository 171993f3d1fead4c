"""The django-tasks tasks of the jobs app: an export job's attempt, and one e-mail."""

from __future__ import annotations

from django.core.mail import send_mail
from django_tasks import task

from formarche.jobs.services import job_execute


def _ids(context) -> tuple[str, str]:
    result = context.task_result
    workers = list(getattr(result, "worker_ids", []) or [])
    return (workers[-1] if workers else ""), str(result.id)


@task(takes_context=True)
def run_job(context, *, job_id: int) -> str:
    """One attempt of an export job (the job table carries its state, not this task)."""
    worker_id, task_id = _ids(context)
    return job_execute(job_id=job_id, worker_id=worker_id, task_id=task_id)


@task(queue_name="mails")
def send_mail_task(*, subject: str, body: str, recipients: list[str]) -> int:
    """One e-mail, sent by a worker (a failure marks the task failed; recovery requeues a lost one)."""
    return send_mail(subject, body, None, recipients)


def mail_enqueue(*, subject: str, body: str, recipients: list[str]) -> None:
    """Send an e-mail through the task queue (the callers run it after their commit)."""
    if recipients:
        send_mail_task.enqueue(subject=subject, body=body, recipients=list(recipients))

"""Background work of the imports (django-tasks; see docs/adr/0006-import-jobs.md)."""

from django_tasks import task

from formarche.imports.models import ImportJob


@task()
def run_import_job(job_id: int) -> str:
    """Run one stored import job to its end; returns its final status."""
    # the job service enqueues this task: read when the task runs, so that neither module
    # imports the other at load time (no cycle)
    from formarche.imports.services.jobs import import_job_run

    job = ImportJob.objects.filter(pk=job_id).first()
    if job is None:
        return "absent"
    return import_job_run(job=job).status

from django.apps import AppConfig


class ImportsConfig(AppConfig):
    name = "formarche.imports"
    verbose_name = "Imports"

    def ready(self):
        from formarche.imports.models import ImportJob
        from formarche.imports.services.job_run import _failure, run_import_job
        from formarche.jobs.recovery import register_leased

        # one recovery path for every job (formarche/jobs/recovery.py)
        register_leased(ImportJob, run_import_job, refuse_fields=_failure)

from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "formarche.jobs"
    verbose_name = "Travaux en arrière-plan"

    def ready(self):
        from formarche.jobs import recovery
        from formarche.jobs.models import Job
        from formarche.jobs.services import run_job

        recovery.register_leased(Job, run_job)

from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "formarche.documents"
    verbose_name = "Documents et justificatifs"

    def ready(self):
        from formarche.documents import jobs
        from formarche.jobs.registry import register_kind

        register_kind(jobs.kind())

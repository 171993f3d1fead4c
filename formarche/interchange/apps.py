from django.apps import AppConfig


class InterchangeConfig(AppConfig):
    name = "formarche.interchange"
    verbose_name = "Format d'échange"

    def ready(self):
        from formarche.accounts.organisation_sections import register_organisation_section
        from formarche.interchange import jobs
        from formarche.interchange.views import organisation_section
        from formarche.jobs.registry import register_kind

        register_kind(jobs.export_kind())
        register_kind(jobs.import_kind())
        register_organisation_section(organisation_section)

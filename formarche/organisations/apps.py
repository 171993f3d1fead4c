from django.apps import AppConfig


class OrganisationsConfig(AppConfig):
    name = "formarche.organisations"
    verbose_name = "Organisations"

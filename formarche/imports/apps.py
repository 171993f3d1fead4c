from django.apps import AppConfig


class ImportsConfig(AppConfig):
    name = "formarche.imports"
    verbose_name = "Imports"

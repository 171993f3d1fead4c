from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "formarche.api"
    verbose_name = "API"

    def ready(self):
        from formarche.api import schema  # noqa: F401  (registers the OpenAPI extension)

from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "formarche.api"
    verbose_name = "API"

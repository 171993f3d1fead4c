from django.apps import AppConfig


class UiConfig(AppConfig):
    name = "formarche.ui"
    verbose_name = "Interface"

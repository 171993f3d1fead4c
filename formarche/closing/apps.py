from django.apps import AppConfig


class ClosingConfig(AppConfig):
    name = "formarche.closing"
    label = "closing"
    verbose_name = "Fermeture des actions, bilans et résultats"

    def ready(self):
        from formarche.closing.home import closing_block
        from formarche.ui import home

        if closing_block not in home._PROVIDERS:
            home.register(closing_block)

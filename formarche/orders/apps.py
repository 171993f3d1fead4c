from django.apps import AppConfig

from formarche.ui import home


class OrdersConfig(AppConfig):
    name = "formarche.orders"
    verbose_name = "Commandes et actions de formation"

    def ready(self):
        # home.py reads the models: importable only once the app registry is ready
        from formarche.orders.home import actions_block

        if actions_block not in home._PROVIDERS:
            home.register(actions_block)

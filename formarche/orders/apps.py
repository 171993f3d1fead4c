from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "formarche.orders"
    verbose_name = "Commandes et actions de formation"

    def ready(self):
        from formarche.orders.home import actions_block
        from formarche.ui import home

        if actions_block not in home._PROVIDERS:
            home.register(actions_block)

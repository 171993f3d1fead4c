from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "formarche.orders"
    verbose_name = "Commandes et actions de formation"

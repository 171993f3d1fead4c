from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "formarche.billing"
    verbose_name = "Validation et facturation"

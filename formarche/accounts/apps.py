from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "formarche.accounts"
    verbose_name = "Comptes et rôles"

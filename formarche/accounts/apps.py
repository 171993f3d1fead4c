from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "formarche.accounts"
    verbose_name = "Comptes et rôles"

    def ready(self):
        from formarche.accounts import checks  # noqa: F401  (registers the deploy check)

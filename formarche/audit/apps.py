from django.apps import AppConfig


class AuditConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "formarche.audit"
    label = "audit"
    verbose_name = "Journal et sécurité"

    def ready(self):
        from formarche.audit import signals

        signals.connect()

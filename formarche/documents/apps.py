from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "formarche.documents"
    verbose_name = "Documents et justificatifs"

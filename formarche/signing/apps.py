from django.apps import AppConfig


class SigningConfig(AppConfig):
    name = "formarche.signing"
    verbose_name = "Émargement numérique"

from django.apps import AppConfig


class TraineesConfig(AppConfig):
    name = "formarche.trainees"
    verbose_name = "Stagiaires et inscriptions"

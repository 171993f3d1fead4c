from django.apps import AppConfig


class AttendanceConfig(AppConfig):
    name = "formarche.attendance"
    verbose_name = "Réalisations (heures)"

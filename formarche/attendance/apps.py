from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


def _attendance_row_changed(sender, instance, **kwargs):
    """A row saved or deleted outside the bulk write path (fixtures, admin): new cached figures."""
    from formarche.attendance import figures
    from formarche.trainees.models import Enrolment

    field = sender._meta.get_field("enrolment")
    if field.is_cached(instance):
        order_id = instance.enrolment.order_id
    else:
        order_id = (
            Enrolment.objects.filter(pk=instance.enrolment_id).values_list("order_id", flat=True).first()
        )
    if order_id is not None:
        figures.hours_changed([order_id])


class AttendanceConfig(AppConfig):
    name = "formarche.attendance"
    verbose_name = "Réalisations (heures)"

    def ready(self):
        from formarche.attendance.models import Attendance

        post_save.connect(_attendance_row_changed, sender=Attendance, dispatch_uid="attendance-figures")
        post_delete.connect(_attendance_row_changed, sender=Attendance, dispatch_uid="attendance-figures-del")

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from formarche.attendance.models import Attendance


@admin.register(Attendance)
class AttendanceAdmin(SimpleHistoryAdmin):
    list_display = ["enrolment", "day", "kind", "realised_hours", "counted_unrealised_hours", "is_correction"]
    list_filter = ["kind", "is_correction", "source"]
    raw_id_fields = ["enrolment"]
    list_select_related = ["enrolment__trainee", "enrolment__order"]

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from formarche.billing.models import Period


@admin.register(Period)
class PeriodAdmin(SimpleHistoryAdmin):
    list_display = ["order", "month", "status", "is_final", "validated_at"]
    list_filter = ["status"]

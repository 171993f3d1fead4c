from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from formarche.trainees.models import Enrolment, EnrolmentFunding, Trainee


@admin.register(Trainee)
class TraineeAdmin(SimpleHistoryAdmin):
    list_display = ["last_name", "first_name", "birth_date", "organisation", "entry_status"]
    search_fields = ["last_name", "first_name", "email"]
    list_filter = ["entry_status"]


@admin.register(Enrolment)
class EnrolmentAdmin(SimpleHistoryAdmin):
    list_display = ["trainee", "order", "entry_date", "exit_date", "payer"]
    list_select_related = ["trainee", "order"]
    search_fields = ["trainee__last_name", "order__number"]


@admin.register(EnrolmentFunding)
class EnrolmentFundingAdmin(SimpleHistoryAdmin):
    list_display = ["enrolment", "payer", "amount", "hourly_rate", "label"]
    list_select_related = ["enrolment__trainee", "enrolment__order"]
    search_fields = ["enrolment__trainee__last_name", "enrolment__order__number", "label"]

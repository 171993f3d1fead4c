from django.urls import path

from formarche.audit import views

app_name = "audit"

urlpatterns = [
    path("journal/", views.journal, name="journal"),
    path("journal/plateforme/", views.platform_status, name="platform_status"),
    path("actions/<int:order_id>/journal/", views.order_journal, name="order_journal"),
    path("organisme/membres/<int:membership_id>/debloquer/", views.member_unlock, name="member_unlock"),
]

from django.urls import path

from formarche.audit import views

app_name = "audit"

urlpatterns = [
    path("organisme/membres/<int:membership_id>/debloquer/", views.member_unlock, name="member_unlock"),
]

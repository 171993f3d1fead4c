"""Gestion organisme, under ``organisme/`` (namespace ``organisations``, kept from the old app)."""

from django.urls import path

from formarche.accounts import views

app_name = "organisations"

urlpatterns = [
    path("", views.organisation_detail, name="detail"),
    path("modifier/", views.organisation_edit, name="edit"),
    path("membres/ajouter/", views.member_add, name="member_add"),
    path("membres/<int:membership_id>/retirer/", views.member_deactivate, name="member_deactivate"),
]

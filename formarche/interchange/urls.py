"""Under ``organisme/echange/`` (namespace ``interchange``)."""

from django.urls import path

from formarche.interchange import views

app_name = "interchange"

urlpatterns = [
    path("", views.index, name="index"),
    path("exporter/", views.export_start, name="export_start"),
    path("importer/", views.import_start, name="import_start"),
    path("<int:transfer_id>/", views.transfer, name="transfer"),
]

from django.urls import path

from formarche.jobs import views

app_name = "jobs"

urlpatterns = [
    path("travaux/", views.index, name="index"),
    path("travaux/<int:export_id>/", views.job_detail, name="job"),
    path("travaux/<int:export_id>/progression/", views.job_status, name="job_status"),
    path("travaux/<int:export_id>/fichier/", views.job_file, name="job_file"),
]

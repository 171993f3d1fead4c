from django.urls import path

from formarche.imports import views
from formarche.imports.columns import TEMPLATES

app_name = "imports"

urlpatterns = [
    path("", views.index, name="index"),
    path("<int:job_id>/", views.job_detail, name="job"),
    path("<int:job_id>/progression/", views.job_status, name="job_status"),
]
# templates to download: imports:template_stagiaires_csv, imports:template_heures-journalieres_xlsx, …
urlpatterns += [
    path(
        f"modeles/{name}.{ext}",
        views.download_template,
        {"name": name, "ext": ext},
        name=f"template_{name}_{ext}",
    )
    for name in TEMPLATES
    for ext in ("csv", "xlsx")
]

from django.urls import path

from formarche.imports import views
from formarche.imports.columns import TEMPLATES

app_name = "imports"

# mounted at the site's root (config/urls.py): the Imports menu under imports/, the Région's
# orders import under actions/import/ (its path since the start, next to the orders' pages)
urlpatterns = [
    path("imports/", views.index, name="index"),
    path("imports/<int:job_id>/", views.job_detail, name="job"),
    path("imports/<int:job_id>/progression/", views.job_status, name="job_status"),
    path("actions/import/", views.order_import, name="orders"),
    path("actions/import/modele.csv", views.orders_template_csv, name="orders_template_csv"),
    path("actions/import/modele.xlsx", views.orders_template_xlsx, name="orders_template_xlsx"),
]
# templates to download: imports:template_stagiaires_csv, imports:template_heures-journalieres_xlsx, …
urlpatterns += [
    path(
        f"imports/modeles/{name}.{ext}",
        views.download_template,
        {"name": name, "ext": ext},
        name=f"template_{name}_{ext}",
    )
    for name in TEMPLATES
    for ext in ("csv", "xlsx")
]

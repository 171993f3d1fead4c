from django.urls import path

from formarche.bpf import views

app_name = "bpf"

urlpatterns = [
    path("", views.index, name="index"),
    path("exercices/nouveau/", views.fiscal_year_create, name="fiscal_year_create"),
    path("exercices/<int:fiscal_year_id>/", views.report, name="report"),
    path("exercices/<int:fiscal_year_id>/cases/<str:cell_key>/", views.cell, name="cell"),
    path(
        "exercices/<int:fiscal_year_id>/inscriptions/<int:enrolment_id>/",
        views.enrolment_hours,
        name="enrolment_hours",
    ),
    path("exercices/<int:fiscal_year_id>/bpf.json", views.export, {"fmt": "json"}, name="export_json"),
    path("exercices/<int:fiscal_year_id>/bpf.csv", views.export, {"fmt": "csv"}, name="export_csv"),
    path("exercices/<int:fiscal_year_id>/bpf.pdf", views.export, {"fmt": "pdf"}, name="export_pdf"),
    path("exercices/<int:fiscal_year_id>/controle.xlsx", views.export, {"fmt": "xlsx"}, name="export_xlsx"),
    path("exercices/<int:fiscal_year_id>/valider/", views.validate, name="validate"),
    path("exercices/<int:fiscal_year_id>/depot/", views.mark_filed, name="mark_filed"),
    path("exercices/<int:fiscal_year_id>/rouvrir/", views.reopen, name="reopen"),
    path("exercices/<int:fiscal_year_id>/comptes/", views.accounts, name="accounts"),
    path("exercices/<int:fiscal_year_id>/comptes/import/", views.accounts_import, name="accounts_import"),
    path("exercices/<int:fiscal_year_id>/comptes/ligne/", views.account_line, name="account_line"),
    path("exercices/<int:fiscal_year_id>/produits/", views.products, name="products"),
    path("formateurs/", views.trainers, name="trainers"),
    path("formateurs/<int:trainer_id>/", views.trainer, name="trainer"),
    path("actions/<int:order_id>/sous-traitance/", views.subcontracting, name="subcontracting"),
]

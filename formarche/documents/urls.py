from django.urls import path

from formarche.documents import views

app_name = "documents"

urlpatterns = [
    path("actions/<int:order_id>/documents/", views.action_documents, name="action_documents"),
    path("actions/<int:order_id>/documents/deposer/", views.upload, name="upload"),
    path("actions/<int:order_id>/documents/generer/", views.generate, name="generate"),
    path("actions/<int:order_id>/documents/<int:document_id>/telecharger/", views.download, name="download"),
    path(
        "actions/<int:order_id>/documents/feuille-emargement/<str:period>/",
        views.attendance_sheet,
        name="attendance_sheet",
    ),
    path(
        "actions/<int:order_id>/documents/attestation-assiduite/<int:enrolment_id>/<str:period>/",
        views.attendance_certificate,
        name="attendance_certificate",
    ),
    path(
        "actions/<int:order_id>/documents/certificat-realisation/<int:enrolment_id>/",
        views.completion_certificate,
        name="completion_certificate",
    ),
]

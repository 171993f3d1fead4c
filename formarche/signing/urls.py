from django.urls import path

from formarche.signing import views

app_name = "signing"

# Fixed segments before "<str:period>".
urlpatterns = [
    path("actions/<int:order_id>/emargement/", views.sessions, name="sessions"),
    path("actions/<int:order_id>/emargement/planning/", views.schedule, name="schedule"),
    path("actions/<int:order_id>/emargement/audit/", views.audit, name="audit"),
    path("actions/<int:order_id>/emargement/seances/<int:session_id>/", views.session_detail, name="session"),
    path(
        "actions/<int:order_id>/emargement/seances/<int:session_id>/ouvrir/",
        views.session_open_view,
        name="session_open",
    ),
    path(
        "actions/<int:order_id>/emargement/seances/<int:session_id>/liens/",
        views.session_links,
        name="session_links",
    ),
    path(
        "actions/<int:order_id>/emargement/seances/<int:session_id>/signer/<int:enrolment_id>/",
        views.sign_here,
        name="sign_here",
    ),
    path(
        "actions/<int:order_id>/emargement/seances/<int:session_id>/confirmer/",
        views.session_confirm_view,
        name="session_confirm",
    ),
    path(
        "actions/<int:order_id>/emargement/seances/<int:session_id>/preuve.pdf",
        views.session_proof,
        name="session_proof",
    ),
    path(
        "actions/<int:order_id>/emargement/signatures/<int:signature_id>/image.png",
        views.signature_image,
        name="signature_image",
    ),
    path("actions/<int:order_id>/emargement/preuve/<str:period>/", views.month_proof, name="month_proof"),
    path("actions/<int:order_id>/emargement/synchroniser/<str:period>/", views.sync, name="sync"),
    path("emargement/<str:token>/", views.public_sign, name="public_sign"),
]

from django.urls import path

from formarche.trainees import views

app_name = "trainees"

urlpatterns = [
    # the OF's registry (a Région sees the trainees of its orders, read-only)
    path("stagiaires/", views.trainee_list, name="trainee_list"),
    path("stagiaires/nouveau/", views.trainee_create, name="trainee_create"),
    path("stagiaires/<int:trainee_id>/", views.trainee_detail, name="trainee_detail"),
    path("stagiaires/<int:trainee_id>/modifier/", views.trainee_edit, name="trainee_edit"),
    # the action's menu: Inscription
    path("actions/<int:order_id>/stagiaires/", views.action_trainees, name="action_trainees"),
    path("actions/<int:order_id>/stagiaires/enregistrer/", views.register, name="register"),
    path("actions/<int:order_id>/stagiaires/inscrire/", views.enrol, name="enrol"),
    path(
        "actions/<int:order_id>/stagiaires/<int:enrolment_id>/modifier/",
        views.enrolment_edit,
        name="enrolment_edit",
    ),
    path(
        "actions/<int:order_id>/stagiaires/<int:enrolment_id>/cofinancements/",
        views.enrolment_funding_add,
        name="enrolment_funding_add",
    ),
    path(
        "actions/<int:order_id>/stagiaires/<int:enrolment_id>/cofinancements/<int:funding_id>/supprimer/",
        views.enrolment_funding_delete,
        name="enrolment_funding_delete",
    ),
]

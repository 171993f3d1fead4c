from django.urls import path

from formarche.closing import views

app_name = "closing"

urlpatterns = [
    # the action's menu: Fermeture
    path("actions/<int:order_id>/sorties/", views.exits, name="exits"),
    path("actions/<int:order_id>/sorties/<int:enrolment_id>/", views.exit_edit, name="exit_edit"),
    path("actions/<int:order_id>/bilans/", views.assessments, name="assessments"),
    path("actions/<int:order_id>/bilans/<int:enrolment_id>/", views.assessment_edit, name="assessment_edit"),
    path("actions/<int:order_id>/bilans/suivi/", views.followups, name="followups"),
    path(
        "actions/<int:order_id>/bilans/suivi/<int:enrolment_id>/", views.followup_edit, name="followup_edit"
    ),
    path(
        "actions/<int:order_id>/bilans/suivi/<int:enrolment_id>/lien/",
        views.followup_link,
        name="followup_link",
    ),
    path("actions/<int:order_id>/fermeture/", views.close, name="close"),
    path("actions/<int:order_id>/fermeture/confirmer/", views.close_confirm, name="close_confirm"),
    path("actions/<int:order_id>/fermeture/archiver/", views.archive, name="archive"),
    path("actions/<int:order_id>/fermeture/rouvrir/", views.reopen, name="reopen"),
    path("actions/<int:order_id>/demandes/", views.order_change_requests, name="order_change_requests"),
    path(
        "actions/<int:order_id>/demandes/nouvelle/", views.change_request_create, name="change_request_create"
    ),
    # across actions
    path("demandes/", views.change_request_list, name="change_requests"),
    path("demandes/<int:change_request_id>/", views.change_request_detail, name="change_request"),
    path(
        "demandes/<int:change_request_id>/decision/",
        views.change_request_decide,
        name="change_request_decide",
    ),
    path("questionnaires/", views.followup_due, name="followup_due"),
    path("resultats/", views.outcomes_page, name="outcomes"),
    path("resultats/export.csv", views.outcomes_export, name="outcomes_export"),
    path("resultats/export.xlsx", views.outcomes_export_xlsx, name="outcomes_export_xlsx"),
    # the trainee's one-time link (no login)
    path("suivi/<str:token>/", views.followup_public, name="followup_public"),
]

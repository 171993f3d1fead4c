"""The API under /api/ (schema at /api/schema/). Explicit routes, named with the project's URL keywords."""

from django.urls import path

from formarche.api import views

app_name = "api"

LIST = {"get": "list"}
LIST_CREATE = {"get": "list", "post": "create"}
READ = {"get": "retrieve"}
READ_UPDATE = {"get": "retrieve", "put": "update", "patch": "partial_update"}

urlpatterns = [
    path("orders/", views.OrderViewSet.as_view(LIST), name="order-list"),
    path("orders/<int:order_id>/", views.OrderViewSet.as_view(READ), name="order-detail"),
    path("trainees/", views.TraineeViewSet.as_view(LIST_CREATE), name="trainee-list"),
    path("trainees/<int:trainee_id>/", views.TraineeViewSet.as_view(READ_UPDATE), name="trainee-detail"),
    path("enrolments/", views.EnrolmentViewSet.as_view(LIST_CREATE), name="enrolment-list"),
    path(
        "enrolments/<int:enrolment_id>/", views.EnrolmentViewSet.as_view(READ_UPDATE), name="enrolment-detail"
    ),
    path("attendances/", views.AttendanceViewSet.as_view(LIST_CREATE), name="attendance-list"),
    path("attendances/bulk/", views.AttendanceViewSet.as_view({"post": "bulk"}), name="attendance-bulk"),
    path(
        "attendances/<int:attendance_id>/",
        views.AttendanceViewSet.as_view(READ_UPDATE),
        name="attendance-detail",
    ),
]

"""The API under /api/ (schema at /api/schema/). Explicit routes, named with the project's URL keywords."""

from django.urls import path

from formarche.api import views, views_more

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

# Issue #19: billing, documents, BPF (formarche/api/views_more.py).
urlpatterns += [
    path("periods/", views_more.PeriodViewSet.as_view(LIST), name="period-list"),
    path("periods/<int:period_id>/", views_more.PeriodViewSet.as_view(READ), name="period-detail"),
    path("periods/validate/", views_more.PeriodViewSet.as_view({"post": "validate"}), name="period-validate"),
    path(
        "periods/<int:period_id>/invoice/",
        views_more.PeriodViewSet.as_view({"post": "issue"}),
        name="period-invoice",
    ),
    path("invoices/", views_more.InvoiceViewSet.as_view(LIST), name="invoice-list"),
    path("invoices/<int:invoice_id>/", views_more.InvoiceViewSet.as_view(READ), name="invoice-detail"),
    path(
        "invoices/<int:invoice_id>/pdf/",
        views_more.InvoiceViewSet.as_view({"get": "pdf"}),
        name="invoice-pdf",
    ),
    path(
        "invoices/<int:invoice_id>/facturx/",
        views_more.InvoiceViewSet.as_view({"get": "facturx"}),
        name="invoice-facturx",
    ),
    path(
        "invoices/<int:invoice_id>/validate/",
        views_more.InvoiceViewSet.as_view({"post": "validate"}),
        name="invoice-validate",
    ),
    path(
        "invoices/<int:invoice_id>/reject/",
        views_more.InvoiceViewSet.as_view({"post": "reject"}),
        name="invoice-reject",
    ),
    path(
        "invoices/<int:invoice_id>/payments/",
        views_more.InvoiceViewSet.as_view({"post": "pay"}),
        name="invoice-pay",
    ),
    path("payments/", views_more.PaymentViewSet.as_view(LIST), name="payment-list"),
    path("documents/", views_more.DocumentViewSet.as_view(LIST_CREATE), name="document-list"),
    path("documents/<int:document_id>/", views_more.DocumentViewSet.as_view(READ), name="document-detail"),
    path(
        "documents/<int:document_id>/download/",
        views_more.DocumentViewSet.as_view({"get": "download"}),
        name="document-download",
    ),
    path("bpf/fiscal-years/", views_more.FiscalYearViewSet.as_view(LIST), name="fiscal-year-list"),
    path(
        "bpf/fiscal-years/<int:fiscal_year_id>/",
        views_more.FiscalYearViewSet.as_view({"get": "report"}),
        name="fiscal-year-report",
    ),
    path(
        "bpf/fiscal-years/<int:fiscal_year_id>/checks/",
        views_more.FiscalYearViewSet.as_view({"get": "checks"}),
        name="fiscal-year-checks",
    ),
    *[
        path(
            f"bpf/fiscal-years/<int:fiscal_year_id>/export.{fmt}",
            views_more.FiscalYearViewSet.as_view({"get": "export"}),
            {"fmt": fmt},
            name=f"fiscal-year-export-{fmt}",
        )
        for fmt in ("json", "csv", "pdf", "xlsx")
    ],
]

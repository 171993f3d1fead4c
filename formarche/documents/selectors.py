"""Reads of the documents area: the pages' queries (no ``.objects`` in ``views.py``) and the data
the generated PDFs are built from."""

from __future__ import annotations

from datetime import date

from django.db.models import Q, Sum
from django.utils import timezone

from formarche.accounts.tenancy import get_scoped_or_404, scoped
from formarche.attendance.models import Attendance
from formarche.documents.models import Document, DocumentType
from formarche.orders.models import Order
from formarche.trainees.models import Enrolment
from formarche.utils.dates import month_bounds, month_start, months_between

TRAINEE_ORDER = ("trainee__last_name", "trainee__first_name", "pk")


def order_for_page(tenant, order_id) -> Order:
    return get_scoped_or_404(Order.objects.select_related("provider", "region", "lot"), tenant, pk=order_id)


def enrolment_for_page(tenant, order, enrolment_id) -> Enrolment:
    return get_scoped_or_404(
        Enrolment.objects.select_related("trainee", "order", "order__provider", "order__region"),
        tenant,
        pk=enrolment_id,
        order=order,
    )


def order_documents(tenant, order, doc_type: str = ""):
    """The documents of the action (of one type when ``doc_type`` is one)."""
    documents = (
        scoped(Document, tenant).filter(order=order).select_related("enrolment__trainee", "uploaded_by")
    )
    if doc_type in DocumentType.values:
        documents = documents.filter(doc_type=doc_type)
    return documents


def document_for_download(tenant, order, document_id) -> Document:
    return get_scoped_or_404(Document, tenant, pk=document_id, order=order)


def order_enrolments(tenant, order, *, by_name: bool = True) -> list[Enrolment]:
    enrolments = scoped(Enrolment, tenant).filter(order=order).select_related("trainee")
    if by_name:
        enrolments = enrolments.order_by("trainee__last_name", "trainee__first_name")
    return list(enrolments)


def order_months(order) -> list[date]:
    return months_between(order.planned_start, order.real_end or order.planned_end)


def default_month(months: list[date]) -> date:
    """This month, kept within the action's months."""
    today = month_start(timezone.localdate())
    return min(max(today, months[0]), months[-1]) if months else today


# ---------------------------------------------------------------------------------------------
# Data of the generated documents
# ---------------------------------------------------------------------------------------------


def enrolments_in_month(order, month: date):
    first, last = month_bounds(month)
    return (
        Enrolment.objects.filter(order=order, entry_date__lte=last)
        .filter(Q(exit_date__isnull=True) | Q(exit_date__gte=first))
        .select_related("trainee")
        .order_by(*TRAINEE_ORDER)
    )


def month_attendance(enrolment, first: date, last: date) -> list[Attendance]:
    """The trainee's attendance rows between two dates (days, then the month's total)."""
    return list(
        Attendance.objects.filter(enrolment=enrolment, day__gte=first, day__lte=last).order_by("day", "kind")
    )


def attendance_totals(enrolment) -> dict:
    """{"realised": …, "counted": …} of all the trainee's attendance (None when there is none)."""
    return Attendance.objects.filter(enrolment=enrolment).aggregate(
        realised=Sum("realised_hours"), counted=Sum("counted_unrealised_hours")
    )

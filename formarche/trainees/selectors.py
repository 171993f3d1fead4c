"""Reads of the trainees app (the views' queries and labels); writes are in :mod:`.services`."""

from __future__ import annotations

from django.db.models import Count, Q

from formarche.accounts.tenancy import scoped
from formarche.orders.models import Order
from formarche.trainees.models import Enrolment, Trainee


def headcount_confirmation_label(order: Order) -> str:
    return f"Je confirme l'inscription au-delà de l'effectif prévu ({order.planned_headcount})"


def orders_with_labels():
    """The actions behind the trainees pages (scoped by the caller)."""
    return Order.objects.with_labels()


def enrolments_with_trainee():
    return Enrolment.objects.select_related("trainee")


def enrolled_trainee_ids(order: Order) -> set[int]:
    return set(Enrolment.objects.filter(order=order).values_list("trainee_id", flat=True))


def trainee_registry(tenant, text: str):
    """The registry page: an OF's own trainees, or a Région's (those of its orders), searched by
    ``text``, each with its number of enrolments the tenant may see, by name."""
    visible = Q(enrolments__order__region_id=tenant.organisation_id) if tenant.is_region else None
    return (
        scoped(Trainee, tenant)
        .search(text)
        .annotate(enrolment_count=Count("enrolments", filter=visible))
        .order_by("last_name", "first_name", "pk")
    )

"""Read-side queries of orders: lists with their cumulative hours in one aggregate subquery."""

from decimal import Decimal

from django.db.models import DecimalField, F, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from formarche.accounts.models import Membership
from formarche.accounts.tenancy import scoped
from formarche.attendance.models import Attendance
from formarche.orders.models import Dispositif, Lot, Order, OrderStatus
from formarche.organisations.models import Organisation

HOURS_FIELD = DecimalField(max_digits=14, decimal_places=2)


def cumulative_hours_subquery():
    """Σ (réalisé + non réalisé comptabilisé) of an order's enrolments, as one correlated subquery."""
    per_order = (
        Attendance.objects.filter(enrolment__order_id=OuterRef("pk"))
        .order_by()
        .values("enrolment__order_id")
        .annotate(total=Sum(F("realised_hours") + F("counted_unrealised_hours"), output_field=HOURS_FIELD))
        .values("total")
    )
    return Coalesce(
        Subquery(per_order, output_field=HOURS_FIELD), Value(Decimal("0")), output_field=HOURS_FIELD
    )


def orders_with_hours(tenant, queryset=None):
    """The tenant's orders with labels and ``cumulative_hours`` annotated (no per-row query)."""
    qs = scoped(queryset if queryset is not None else Order.objects.all(), tenant)
    return qs.with_labels().annotate(cumulative_hours=cumulative_hours_subquery())


def order_list(tenant, *, dispositif=None, lot=None, provider=None, status=None, search=""):
    """The list of ``action_list``: filters are ids (already validated) or empty.

    Joined: what the list shows (lot, dispositif, organisme) — not the Région, the market and the
    référent of ``with_labels``, which made PostgreSQL plan a 7-table join on every page (issue #8)."""
    qs = (
        scoped(Order.objects.all(), tenant)
        .select_related("lot", "dispositif", "provider")
        .annotate(cumulative_hours=cumulative_hours_subquery())
    )
    if dispositif:
        qs = qs.filter(dispositif_id=dispositif)
    if lot:
        qs = qs.filter(lot_id=lot)
    if provider:
        qs = qs.filter(provider_id=provider)
    if status:
        qs = qs.filter(status=status)
    if search:
        qs = qs.filter(Q(number__icontains=search.strip()) | Q(title__icontains=search.strip()))
    return qs.order_by("-planned_start", "number")


def filter_choices(tenant) -> dict:
    """Choices of the list filters, all derived from the tenant's own orders and settings."""
    orders = scoped(Order, tenant)
    providers = Organisation.objects.filter(pk__in=orders.values("provider_id")).order_by("name")
    return {
        "dispositifs": scoped(Dispositif, tenant).order_by("name"),
        "lots": scoped(Lot, tenant).select_related("market").order_by("market__reference", "number"),
        "providers": providers,
        "statuses": OrderStatus.choices,
    }


def order_cumulative_hours(order) -> Decimal:
    total = (
        Attendance.objects.filter(enrolment__order=order)
        .aggregate(total=Sum(F("realised_hours") + F("counted_unrealised_hours"), output_field=HOURS_FIELD))
        .get("total")
    )
    return total or Decimal("0")


def region_users(tenant):
    """Users of the tenant's Région (référent choices)."""
    return (
        scoped(Membership, tenant).active().select_related("user").order_by("user__last_name", "user__email")
    )


def followed_orders(tenant, *, limit=50):
    """Home page of a Région user: the orders they follow first, then the others, by dispositif."""
    from django.db.models import Case, IntegerField, When

    qs = orders_with_hours(tenant).filter(status=OrderStatus.OPEN)
    qs = qs.annotate(
        mine=Case(
            When(referent_id=tenant.user_id, then=Value(0)), default=Value(1), output_field=IntegerField()
        )
    )
    return list(qs.order_by("mine", "dispositif__name", "number")[:limit])

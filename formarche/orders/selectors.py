"""Read-side queries of orders: lists with their cumulative hours in one aggregate subquery.

The hours are read through the ORM relations ``enrolments`` (trainees) and ``attendances``
(attendance) by name: orders imports neither app.
"""

from decimal import Decimal

from django.db.models import Case, IntegerField, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Coalesce

from formarche.accounts.tenancy import get_scoped_or_404, scoped
from formarche.orders.models import (
    CUMULATIVE_HOURS_SUM,
    HOURS_FIELD,
    Dispositif,
    Lot,
    Market,
    Order,
    OrderStatus,
)
from formarche.organisations.models import Organisation, OrganisationKind

# Σ (réalisé + non réalisé comptabilisé) over an order's enrolments' attendance rows
_HOURS_SUM = CUMULATIVE_HOURS_SUM


def cumulative_hours_subquery():
    """Σ (réalisé + non réalisé comptabilisé) of an order's enrolments, as one correlated subquery."""
    per_order = (
        Order.objects.filter(pk=OuterRef("pk"))
        .order_by()
        .values("pk")
        .annotate(total=_HOURS_SUM)
        .values("total")
    )
    return Coalesce(
        Subquery(per_order, output_field=HOURS_FIELD), Value(Decimal("0")), output_field=HOURS_FIELD
    )


def orders_with_hours(tenant, queryset=None):
    """The tenant's orders with labels and ``cumulative_hours`` annotated (no per-row query)."""
    qs = scoped(queryset if queryset is not None else Order.objects.all(), tenant)
    return qs.with_labels().annotate(cumulative_hours=cumulative_hours_subquery())


def order_with_labels(tenant, order_id) -> Order:
    """One order of the tenant with its labels (404 for another organisation's)."""
    return get_scoped_or_404(Order.objects.with_labels(), tenant, pk=order_id)


def order_with_hours(tenant, order_id) -> Order:
    """One order of the tenant with labels and ``cumulative_hours`` (404 for another's)."""
    return get_scoped_or_404(orders_with_hours(tenant), tenant, pk=order_id)


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


def known_providers(tenant):
    """The OFs of the tenant's orders (suggestions of the order form)."""
    return filter_choices(tenant)["providers"]


def order_components(order):
    return order.components.all()


def setup_markets(tenant):
    """The Région's markets with their lots (set-up page)."""
    return scoped(Market, tenant).prefetch_related("lots")


def tenant_dispositifs(tenant):
    """The Région's dispositifs (set-up page, order form)."""
    return scoped(Dispositif, tenant)


def tenant_lots(tenant):
    return scoped(Lot, tenant).select_related("market")


def tenant_markets(tenant):
    return scoped(Market, tenant)


def providers_matching(value: str) -> list[Organisation]:
    """At most two OFs whose provider code or exact name is ``value`` (case-insensitive)."""
    ofs = Organisation.objects.filter(kind=OrganisationKind.OF)
    return list(ofs.filter(Q(provider_code__iexact=value) | Q(name__iexact=value))[:2])


def order_cumulative_hours(order) -> Decimal:
    total = Order.objects.filter(pk=order.pk).aggregate(total=_HOURS_SUM).get("total")
    return total or Decimal("0")


def followed_orders(tenant, *, limit=50):
    """Home page of a Région user: the orders they follow first, then the others, by dispositif."""
    qs = orders_with_hours(tenant).filter(status=OrderStatus.OPEN)
    qs = qs.annotate(
        mine=Case(
            When(referent_id=tenant.user_id, then=Value(0)), default=Value(1), output_field=IntegerField()
        )
    )
    return list(qs.order_by("mine", "dispositif__name", "number")[:limit])


def open_actions(tenant, *, limit=50):
    """Home page of an OF user: its open actions, by planned start."""
    return list(
        orders_with_hours(tenant).filter(status=OrderStatus.OPEN).order_by("planned_start", "number")[:limit]
    )


def order_amendments(order):
    """The order's avenants, n° 1 first, with who passed them (ADR 0020)."""
    return order.amendments.select_related("created_by").order_by("number")

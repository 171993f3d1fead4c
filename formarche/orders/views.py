"""Pages of orders: the list of actions, an action's summary and opening, the Région's orders and set-up."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from formarche.accounts.models import Role
from formarche.accounts.tenancy import region_required, tenant_required
from formarche.orders import perms, selectors, services
from formarche.orders.action_menu import action_menu
from formarche.orders.forms import (
    ChorusForm,
    DispositifForm,
    LotForm,
    MarketForm,
    OpeningForm,
    OrderCreateForm,
    OrderFilterForm,
)
from formarche.orders.nsf import NSF_LABELS

PAGE_SIZE = 25
# the fields of the order form passed to services.order_create
ORDER_CREATE_FIELDS = (
    "number",
    "title",
    "lot",
    "dispositif",
    "provider",
    "provider_role",
    "unit_price",
    "amount",
    "planned_start",
    "planned_end",
    "duration_months",
    "planned_headcount",
    "advance_paid",
    "referent",
    "components",
)
region_manager_required = tenant_required(Role.REGION_MANAGER)


def _action_context(request, order, nav, **extra):
    return {
        "order": order,
        "action_menu": action_menu(order, request.tenant),
        "action_nav": nav,
        "nav": "actions",
        **extra,
    }


@tenant_required()
def action_list(request):
    """OF: its actions; Région: the orders it placed, with filters. One query for the rows, whatever their number."""
    tenant = request.tenant
    choices = selectors.filter_choices(tenant)
    form = OrderFilterForm(request.GET or None, choices=choices, tenant=tenant)
    orders = selectors.order_list(tenant, **form.filters())
    page = Paginator(orders, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "orders/action_list.html",
        {"nav": "actions", "form": form, "page": page, "query": query.urlencode(), "tenant": tenant},
    )


@tenant_required()
def action_detail(request, order_id):
    order = selectors.order_with_hours(request.tenant, order_id)
    context = _action_context(
        request,
        order,
        "detail",
        components=selectors.order_components(order),
        nsf_label=NSF_LABELS.get(order.nsf_code, ""),
        amendments=list(selectors.order_amendments(order)),
        may_amend=perms.can_amend_order(request.tenant, order),
    )
    return render(request, "orders/action_detail.html", context)


@tenant_required()
@require_http_methods(["GET", "POST"])
def chorus(request, order_id):
    """Références Chorus Pro of an order: the Région sets them; the OF reads them."""
    tenant = request.tenant
    order = selectors.order_with_labels(tenant, order_id)
    can_edit = perms.can_edit_chorus(tenant, order)
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied(
                "Seuls les gestionnaires de la Région modifient les références Chorus Pro."
            )
        form = ChorusForm(request.POST)
        if form.is_valid():
            try:
                services.order_chorus_update(order=order, by=request.user, **form.cleaned_data)
            except services.OrderError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, "Les références Chorus Pro de l'action sont enregistrées.")
                return redirect("orders:chorus", order_id=order.pk)
    else:
        form = ChorusForm(
            initial={
                "billing_frame": order.chorus_billing_frame,
                "commitment_number": order.chorus_commitment_number,
                "service_code": order.chorus_service_code,
            }
        )
    context = _action_context(request, order, "detail", form=form, can_edit=can_edit)
    return render(request, "orders/chorus.html", context)


def _opening_initial(order) -> dict:
    return {
        "actual_start": order.actual_start or order.planned_start,
        "place": order.place,
        "certification_type": order.certification_type,
        "certification_code": order.certification_code,
        "certification_level": order.certification_level,
        "nsf_code": order.nsf_code,
        "training_kind": order.training_kind,
        "distance_part": order.distance_part,
    }


@tenant_required()
@require_http_methods(["GET", "POST"])
def opening(request, order_id):
    """Ouverture de l'action: the OF confirms it; the Région reads it."""
    tenant = request.tenant
    order = selectors.order_with_labels(tenant, order_id)
    can_edit = perms.can_open_action(tenant, order)
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied("Seul l'organisme de formation ouvre une action ouverte.")
        form = OpeningForm(request.POST)
        if form.is_valid():
            try:
                services.order_open(order=order, by=request.user, **form.cleaned_data)
            except services.OrderError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, "L'ouverture de l'action est enregistrée.")
                return redirect("orders:opening", order_id=order.pk)
    else:
        form = OpeningForm(initial=_opening_initial(order))
    context = _action_context(
        request, order, "opening", form=form, can_edit=can_edit, nsf_label=NSF_LABELS.get(order.nsf_code, "")
    )
    return render(request, "orders/opening.html", context)


@region_required
@require_http_methods(["GET", "POST"])
def order_create(request):
    tenant = request.tenant
    form = OrderCreateForm(request.POST or None, tenant=tenant)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        fields = {name: data[name] for name in ORDER_CREATE_FIELDS}
        try:
            order = services.order_create(region=request.membership.organisation, by=request.user, **fields)
        except services.OrderError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"Le bon de commande {order.number} est créé.")
            return redirect("orders:action_detail", order_id=order.pk)
    known_providers = selectors.known_providers(tenant)
    return render(
        request,
        "orders/order_create.html",
        {"nav": "actions", "form": form, "known_providers": known_providers},
    )


@region_required
def setup(request):
    """The Région's markets, lots and dispositifs (with links to create them, for managers)."""
    tenant = request.tenant
    context = {
        "nav": "actions",
        "markets": selectors.setup_markets(tenant),
        "dispositifs": selectors.tenant_dispositifs(tenant),
        "can_manage": perms.can_manage_setup(tenant),
    }
    return render(request, "orders/setup.html", context)


def _setup_form(request, form_class, title, create, **form_kwargs):
    form = form_class(request.POST or None, **form_kwargs)
    if request.method == "POST" and form.is_valid():
        try:
            obj = create(form.cleaned_data)
        except services.OrderError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"« {obj} » est créé.")
            return redirect("orders:setup")
    return render(request, "orders/setup_form.html", {"nav": "actions", "form": form, "title": title})


@region_manager_required
@require_http_methods(["GET", "POST"])
def market_create(request):
    region = request.membership.organisation
    return _setup_form(
        request, MarketForm, "Nouveau marché", lambda data: services.market_create(region=region, **data)
    )


@region_manager_required
@require_http_methods(["GET", "POST"])
def lot_create(request):
    region = request.membership.organisation
    return _setup_form(
        request,
        LotForm,
        "Nouveau lot",
        lambda data: services.lot_create(region=region, **data),
        tenant=request.tenant,
    )


@region_manager_required
@require_http_methods(["GET", "POST"])
def dispositif_create(request):
    region = request.membership.organisation
    return _setup_form(
        request,
        DispositifForm,
        "Nouveau dispositif",
        lambda data: services.dispositif_create(region=region, by=request.user, **data),
    )

"""Fermeture / archivage de l'action, and the outcomes (Région and OF)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from formarche.accounts.tenancy import tenant_required
from formarche.closing import outcome_charts, outcome_exports, outcomes, perms, selectors, services
from formarche.closing.forms import RealEndForm, ReopenForm
from formarche.closing.views._common import action_context, archiver_required, reopener_required
from formarche.orders.models import OrderStatus
from formarche.utils.dbrouter import reads_from_replica

CLOSE_REFUSED = "Seul l'organisme de formation ferme une action ouverte."
NOT_YET = "L'action ne peut pas encore être fermée : complétez les points listés."


def _closing_context(request, order, form, **extra):
    return action_context(
        request,
        order,
        "closing",
        status=selectors.closing_status(order),
        form=form,
        closing_history=selectors.closing_history(order),
        OrderStatus=OrderStatus,
        can_archive=perms.can_archive(request.tenant, order),
        can_reopen=perms.can_reopen(request.tenant, order),
        pending_reopening=selectors.pending_reopening(order),
        pending_end_date=selectors.pending_end_date_request(order),
        **extra,
    )


@tenant_required()
@require_http_methods(["GET", "POST"])
def close(request, order_id):
    """Fermeture / archivage de l'action: the checklist, the real end date, « Valider la fermeture »."""
    order = selectors.order_for_page(request.tenant, order_id)
    errors = []
    if request.method == "POST":
        if not perms.can_edit_closing(request.tenant, order):
            raise PermissionDenied(CLOSE_REFUSED)
        form = RealEndForm(request.POST)
        if form.is_valid():
            try:
                order = services.order_real_end_set(
                    order=order, real_end=form.cleaned_data["real_end"], by=request.user
                )
            except services.ClosingError as exc:
                form.add_error("real_end", exc.message)
            else:
                status = selectors.closing_status(order)
                if status.can_close:
                    return redirect("closing:close_confirm", order_id=order.pk)
                errors = status.missing
                messages.error(request, NOT_YET)
                order = selectors.order_for_page(request.tenant, order_id)
    else:
        form = RealEndForm(initial={"real_end": order.real_end})
    context = _closing_context(request, order, form, errors=errors)
    return render(request, "closing/close.html", context)


@tenant_required()
@require_http_methods(["GET", "POST"])
def close_confirm(request, order_id):
    """« Souhaitez-vous vraiment fermer l'action ? » — Annuler / Poursuivre."""
    order = selectors.order_for_page(request.tenant, order_id)
    if not perms.can_edit_closing(request.tenant, order):
        raise PermissionDenied(CLOSE_REFUSED)
    if request.method == "POST":
        try:
            services.order_close(order=order, by=request.user)
        except services.ClosingError as exc:
            messages.error(request, " ".join([exc.message, *exc.errors]))
        else:
            messages.success(request, "L'action a été fermée. Un mail a été envoyé.")
        return redirect("closing:close", order_id=order.pk)
    status = selectors.closing_status(order)
    if not status.can_close:
        messages.error(request, NOT_YET)
        return redirect("closing:close", order_id=order.pk)
    return render(
        request, "closing/close_confirm.html", action_context(request, order, "closing", status=status)
    )


@archiver_required
@require_POST
def archive(request, order_id):
    order = selectors.order_for_page(request.tenant, order_id)
    try:
        services.order_archive(order=order, by=request.user)
    except services.ClosingError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "L'action est archivée.")
    return redirect("closing:close", order_id=order.pk)


@reopener_required
@require_http_methods(["GET", "POST"])
def reopen(request, order_id):
    """« Rouvrir l'action » (Région): the reason, the consequences, Annuler / Poursuivre (ADR 0021)."""
    order = selectors.order_for_page(request.tenant, order_id)
    refusal = selectors.reopen_refusal(order)
    if request.method == "POST":
        form = ReopenForm(request.POST)
        if form.is_valid():
            try:
                services.order_reopen(order=order, by=request.user, reason=form.cleaned_data["reason"])
            except services.ClosingError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, "L'action a été rouverte. Un mail a été envoyé à l'organisme.")
            return redirect("closing:close", order_id=order.pk)
    else:
        form = ReopenForm()
    if refusal and request.method == "GET":
        messages.error(request, refusal)
        return redirect("closing:close", order_id=order.pk)
    context = action_context(
        request, order, "closing", form=form, solde_issued=selectors.order_solde_issued(order)
    )
    return render(request, "closing/reopen.html", context)


def _outcomes(request):
    """What the outcomes page, its CSV and its XLSX show: the same figures for the same filters."""
    tenant = request.tenant
    dimension = outcomes.with_dimension_default(request.GET.get("par", "dispositif"), tenant)
    filters = outcomes.OutcomeFilters.from_query(request.GET, tenant)
    choices = outcomes.filter_choices(tenant)
    rows = outcomes.outcome_rows(tenant, dimension, filters)
    label = outcomes.DIMENSIONS[dimension][0]
    return {
        "dimension": dimension,
        "dimension_label": label,
        "dimensions": [(k, v[0]) for k, v in outcomes.dimensions_for(tenant).items()],
        "filters": filters,
        "choices": choices,
        "described_filters": choices.described(filters),
        "rows": rows,
        "total": outcomes.total_row(rows),
        "charts": outcome_charts.charts(rows, label, outcomes.distributions(tenant, filters)),
    }


def _export_name(data, ext: str) -> str:
    suffix = "-filtre" if not data["filters"].is_empty else ""
    return f"resultats-par-{data['dimension']}{suffix}.{ext}"


@tenant_required()
@reads_from_replica()
def outcomes_page(request):
    """Résultats des actions: the Région's orders, or the OF's own actions (tenancy.scoped)."""
    data = _outcomes(request)
    query = data["filters"].as_query()
    data.update(
        nav="outcomes",
        export_query=f"par={data['dimension']}" + (f"&{query}" if query else ""),
        is_region=request.tenant.is_region,
    )
    return render(request, "closing/outcomes.html", data)


@tenant_required()
@reads_from_replica()
def outcomes_export(request):
    data = _outcomes(request)
    response = HttpResponse(
        "\ufeff" + outcome_exports.outcomes_csv(data["rows"], data["dimension"]),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="{_export_name(data, "csv")}"'
    return response


@tenant_required()
@reads_from_replica()
def outcomes_export_xlsx(request):
    data = _outcomes(request)
    content = outcome_exports.outcomes_xlsx(
        data["rows"], data["dimension"], data["charts"], data["described_filters"]
    )
    response = HttpResponse(
        content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="{_export_name(data, "xlsx")}"'
    return response

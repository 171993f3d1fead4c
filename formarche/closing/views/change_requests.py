"""Demandes de modification de données: the action's requests, the form, the list, one request
and the Région's decision."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from formarche.accounts.tenancy import region_required, tenant_required
from formarche.closing import perms, selectors, services
from formarche.closing.forms import ChangeRequestForm, DecisionForm
from formarche.closing.models import ChangeKind, ChangeStatus
from formarche.closing.views._common import action_context, of_writer_required

VALUE_LABELS = {
    "planned_end": "Date de fin prévue",
    "real_end": "Date de fin réelle",
    "end_date": "Date de fin (prévue et réelle)",
    "volume_hours": "Volume (heures stagiaires)",
    "unit_price": "Prix unitaire HT",
    "amount": "Montant HT de la commande",
    "last_name": "Nom",
    "first_name": "Prénom",
    "birth_date": "Date de naissance",
}
DATE_KEYS = ("planned_end", "real_end", "end_date", "birth_date")


@tenant_required()
def order_change_requests(request, order_id):
    order = selectors.order_for_page(request.tenant, order_id)
    requests = list(selectors.change_requests_for(request.tenant).filter(order=order))
    context = action_context(request, order, "change_requests", change_requests=requests)
    context["can_request"] = perms.can_request_change(request.tenant, order)
    return render(request, "closing/order_change_requests.html", context)


def _initial(request, order) -> dict:
    """« ?objet=end_date »: the kind, and for an end date the last exit with its reason."""
    initial = {}
    kind = request.GET.get("objet")
    if kind in ChangeKind.values:
        initial["kind"] = kind
    if kind == ChangeKind.END_DATE:
        status = selectors.closing_status(order)
        if status.last_exit:
            initial["end_date"] = status.last_exit
            initial["reason"] = (
                "La sortie du dernier stagiaire a eu lieu le "
                f"{status.last_exit:%d/%m/%Y} : la date de fin réelle doit lui correspondre."
            )
    return initial


@of_writer_required
@require_http_methods(["GET", "POST"])
def change_request_create(request, order_id):
    order = selectors.order_for_page(request.tenant, order_id)
    # after the closing only a trainee's identity may be corrected, after the archiving nothing: the
    # page says so and offers only what the service accepts (which still refuses anything else)
    if perms.change_requests_closed(order):
        refusal = order.write_refusal("aucune demande de modification n'est plus possible.")
        context = action_context(request, order, "change_requests", form=None, refusal=refusal)
        return render(request, "closing/change_request_form.html", context)
    identity_only = perms.change_request_identity_only(order)
    enrolments = selectors.enrolments_by_last_name(order)
    initial = _initial(request, order) if request.method == "GET" and not identity_only else {}
    form = ChangeRequestForm(
        request.POST or None, initial=initial, enrolments=enrolments, identity_only=identity_only
    )
    if request.method == "POST" and form.is_valid():
        by_pk = {e.pk: e for e in enrolments}
        try:
            cr = services.change_request_create(
                order=order,
                kind=form.cleaned_data["kind"],
                new_values=form.new_values(),
                reason=form.cleaned_data["reason"],
                enrolment=by_pk.get(form.cleaned_data.get("enrolment")),
                by=request.user,
            )
        except services.ClosingError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, f"La demande de modification n° {cr.pk} est transmise à la Région.")
            return redirect("closing:change_request", change_request_id=cr.pk)
    notice = (
        order.write_refusal("seule l'identité d'un stagiaire peut encore être corrigée.")
        if identity_only
        else None
    )
    context = action_context(request, order, "change_requests", form=form, notice=notice)
    return render(request, "closing/change_request_form.html", context)


@tenant_required()
def change_request_list(request):
    status = request.GET.get("statut", "")
    qs = selectors.change_requests_for(request.tenant)
    if status in ChangeStatus.values:
        qs = qs.filter(status=status)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    context = {
        "nav": "actions",
        "page": page,
        "status": status,
        "statuses": ChangeStatus.choices,
        "tenant": request.tenant,
    }
    return render(request, "closing/change_request_list.html", context)


def _show(key, value) -> str:
    if value in (None, ""):
        return "—"
    if key in DATE_KEYS:
        return dt.date.fromisoformat(value).strftime("%d/%m/%Y")
    return str(value)


def _value_rows(cr) -> list[dict]:
    keys = list(dict.fromkeys([*cr.old_values, *cr.new_values]))
    return [
        {
            "label": VALUE_LABELS.get(k, k),
            "old": _show(k, cr.old_values.get(k)),
            "new": _show(k, cr.new_values.get(k)) if k in cr.new_values else "",
        }
        for k in keys
    ]


@tenant_required()
def change_request_detail(request, change_request_id):
    cr = selectors.change_request_for_page(request.tenant, change_request_id)
    context = {
        "nav": "actions",
        "cr": cr,
        "values": _value_rows(cr),
        "history": selectors.change_request_history(cr),
        "order_history": selectors.change_request_order_history(cr),
        "form": DecisionForm() if perms.can_decide_change_request(request.tenant, cr) else None,
        "tenant": request.tenant,
    }
    return render(request, "closing/change_request_detail.html", context)


@region_required
@require_POST
def change_request_decide(request, change_request_id):
    cr = selectors.change_request_to_decide(request.tenant, change_request_id)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choisissez Accepter ou Refuser.")
        return redirect("closing:change_request", change_request_id=cr.pk)
    try:
        if form.cleaned_data["decision"] == "approve":
            services.change_request_approve(
                change_request=cr, by=request.user, comment=form.cleaned_data["comment"]
            )
            messages.success(request, "La demande est acceptée : la modification est appliquée.")
        else:
            services.change_request_refuse(
                change_request=cr, by=request.user, comment=form.cleaned_data["comment"]
            )
            messages.success(request, "La demande est refusée.")
    except services.ClosingError as exc:
        messages.error(request, exc.message)
    return redirect("closing:change_request", change_request_id=cr.pk)

"""Groupement (ADR 0018): the group of an order, each member's part, each member's invoices."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from formarche.accounts.tenancy import get_scoped_or_404, tenant_required
from formarche.billing import perms, selectors, services
from formarche.billing.forms import GroupForm
from formarche.billing.views._common import action_context, month_or_404, show_error


def group_order_or_404(request, order_id):
    """The order, for the Région and every member of its group (the co-traitants included)."""
    return get_scoped_or_404(selectors.orders_with_labels(), request.tenant, pk=order_id)


@tenant_required()
def group(request, order_id):
    order = group_order_or_404(request, order_id)
    tenant = request.tenant
    members = selectors.order_members(order)
    periods = selectors.validated_periods_with_statements(order)
    may_setup = perms.can_set_up_group(tenant, order) and not periods
    candidates = selectors.group_candidates(order) if may_setup else []
    form = None
    if may_setup:
        initial = {}
        for index, member in enumerate([m for m in members if not m.is_mandataire], start=1):
            initial[f"cotraitant_{index}"] = str(member.organisation_id)
            initial[f"part_{index}"] = member.amount
        form = GroupForm(request.POST or None, organisations=candidates, initial=initial)
        if request.method == "POST":
            if form.is_valid():
                by_pk = {o.pk: o for o in candidates}
                try:
                    rows = [(by_pk[pk], amount) for pk, amount in form.cleaned_data["rows"]]
                    services.group_members_set(order=order, user=request.user, co_members=rows)
                except KeyError:
                    messages.error(
                        request, "Organisme inconnu : choisissez un organisme de formation de la liste."
                    )
                except services.BillingError as exc:
                    show_error(request, exc)
                else:
                    messages.success(request, "Le groupement de l'action est enregistré.")
                    return redirect("billing:group", order_id=order.pk)
            else:
                messages.error(
                    request, "Le groupement n'a pas été enregistré : corrigez les champs signalés."
                )
    elif request.method == "POST":
        messages.error(
            request,
            "Seule la Région qui a passé la commande constitue son groupement, tant que l'action est ouverte.",
        )
        return redirect("billing:group", order_id=order.pk)
    whole = perms.sees_whole_group(tenant, order)
    parts = selectors.group_parts(order, members, organisation_id=None if whole else tenant.organisation_id)
    for part in parts:
        part.may_issue = perms.can_issue_member_invoice(tenant, order, part.member)
    context = action_context(request, order, "group")
    context.update(
        members=members,
        parts=parts,
        sees_whole_group=whole,
        is_co_traitant=perms.is_co_traitant(tenant, order),
        group_periods=periods if whole and members else [],
        setup_locked=tenant.is_region and bool(periods),
        form=form,
        mandataire_amount=next((m.amount for m in members if m.is_mandataire), order.amount),
    )
    return render(request, "billing/group.html", context)


@tenant_required()
@require_POST
def group_issue(request, order_id, period):
    """A member issues the invoice of its part of a validated period."""
    order = group_order_or_404(request, order_id)
    month = month_or_404(period)
    period_obj = selectors.order_period(order, month)
    member = next(
        (m for m in selectors.order_members(order) if m.organisation_id == request.tenant.organisation_id),
        None,
    )
    if (
        period_obj is None
        or member is None
        or not perms.can_issue_member_invoice(request.tenant, order, member)
    ):
        messages.error(
            request,
            "Aucune facture à émettre : la période n'est pas validée ou vous n'êtes pas membre du groupement.",
        )
        return redirect("billing:group", order_id=order.pk)
    try:
        invoice = services.invoice_member_issue(
            period=period_obj, organisation=member.organisation, user=request.user
        )
    except services.BillingError as exc:
        show_error(request, exc)
    else:
        messages.success(request, f"La facture {invoice.number} de {period_obj.label} a été validée.")
    return redirect("billing:group", order_id=order.pk)

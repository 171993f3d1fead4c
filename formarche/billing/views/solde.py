"""Pénalités / Bonus and VSF / Solde (issue #6): the Région's penalties and bonuses, the solde the
OF issues, the titre de reversement the Région records as received."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from formarche.accounts.tenancy import (
    get_scoped_or_404,
    of_required,
    region_required,
    scoped,
    tenant_required,
)
from formarche.billing import perms, selectors, services
from formarche.billing.forms import AdjustmentForm, RepaymentForm
from formarche.billing.models import Adjustment, AdjustmentKind
from formarche.billing.views._common import action_context, file_response, order_or_404, show_error
from formarche.utils.money import ZERO


@tenant_required()
def penalties(request, order_id, form=None):
    order = order_or_404(request, order_id)
    adjustments = selectors.order_adjustments_shown(scoped(Adjustment, request.tenant), order)
    solde_issued = selectors.solde_issued(order)
    editable = perms.can_edit_adjustments(request.tenant, order, solde_issued=solde_issued)
    bonus = sum((a.amount for a in adjustments if a.kind == AdjustmentKind.BONUS), ZERO)
    penalty_total = sum((a.amount for a in adjustments if a.kind == AdjustmentKind.PENALTY), ZERO)
    context = action_context(request, order, "penalties")
    context.update(
        adjustments=adjustments,
        bonus=bonus,
        penalty_total=penalty_total,
        net=bonus - penalty_total,
        solde_issued=solde_issued,
        editable=editable,
        form=(form or AdjustmentForm()) if editable else None,
    )
    return render(request, "billing/penalties.html", context, status=400 if form is not None else 200)


@region_required
@require_POST
def penalty_add(request, order_id):
    order = order_or_404(request, order_id)
    form = AdjustmentForm(request.POST)
    if not form.is_valid():
        messages.error(
            request, "La pénalité ou le bonus n'a pas été enregistré : vérifiez les champs signalés."
        )
        return penalties(request, order_id, form=form)
    try:
        item = services.adjustment_add(order=order, user=request.user, **form.cleaned_data)
    except services.BillingError as exc:
        show_error(request, exc)
        return redirect("billing:penalties", order_id=order.pk)
    messages.success(request, f"{item.get_kind_display()} « {item.label} » enregistré(e).")
    return redirect("billing:penalties", order_id=order.pk)


@region_required
@require_POST
def penalty_remove(request, order_id, penalty_id):
    order = order_or_404(request, order_id)
    item = get_scoped_or_404(selectors.order_adjustments_queryset(order), request.tenant, pk=penalty_id)
    try:
        services.adjustment_remove(adjustment=item, user=request.user)
    except services.BillingError as exc:
        show_error(request, exc)
    else:
        messages.success(request, f"{item.get_kind_display()} « {item.label} » supprimé(e).")
    return redirect("billing:penalties", order_id=order.pk)


def _solde_figures(order, frozen):
    """``(figures, final, missing, invoices, adjustments)``: frozen once issued, else computed today."""
    if frozen is not None:
        return (
            frozen.as_engine(),
            frozen.final_period,
            [],
            selectors.solde_invoices(frozen),
            selectors.adjustment_rows(frozen.data.get("adjustments", [])),
        )
    figures, final, _cref, missing = selectors.solde_compute(order)
    return figures, final, missing, [], selectors.adjustment_rows(selectors.order_adjustments(order))


@tenant_required()
def solde(request, order_id):
    order = order_or_404(request, order_id)
    tenant = request.tenant
    frozen = selectors.order_solde(order, with_users=True)
    # annulé by a reopening (ADR 0021): shown as computed today, its rejected invoice listed
    voided = frozen if frozen is not None and frozen.is_voided else None
    frozen = None if voided else frozen
    context = action_context(request, order, "solde")
    figures, final, missing, invoices, adjustments = _solde_figures(order, frozen)
    if voided is not None:
        invoices = selectors.solde_invoices(voided)
    live_invoice = next((i for i in invoices if not i.is_rejected), None)
    can_issue = perms.can_issue_solde(
        tenant, order, frozen=frozen, missing=missing, live_invoice=live_invoice
    )
    context.update(
        figures=figures,
        frozen=frozen,
        missing=missing,
        final=final,
        invoices=invoices,
        live_invoice=live_invoice,
        expected_filename=selectors.invoice_expected_filename(live_invoice) if live_invoice else "",
        may_upload_signed=live_invoice is not None and perms.can_upload_signed(tenant, live_invoice),
        adjustments=adjustments,
        can_issue=can_issue,
        reissue=frozen is not None and can_issue,
        voided=voided,
        repayment_form=RepaymentForm(initial={"date": timezone.localdate()})
        if perms.can_record_repayment(tenant, order, frozen)
        else None,
    )
    return render(request, "billing/solde.html", context)


@of_required
@require_POST
def solde_issue(request, order_id):
    order = order_or_404(request, order_id)
    try:
        row = services.solde_issue(order=order, user=request.user)
    except services.BillingError as exc:
        show_error(request, exc)
        return redirect("billing:solde", order_id=order.pk)
    if row.balance_ttc > 0:
        messages.success(request, "Le solde a été émis : la facture du solde est à signer et à déposer.")
    elif row.is_repayment_order:
        messages.success(
            request, "Le solde a été émis : il est négatif, un titre de reversement a été établi."
        )
    else:
        messages.success(request, "Le solde a été émis : il est nul, rien n'est dû de part et d'autre.")
    return redirect("billing:solde", order_id=order.pk)


@tenant_required()
def repayment_pdf(request, order_id):
    order = order_or_404(request, order_id)
    frozen = selectors.order_solde(order)
    if frozen is None or not frozen.repayment_document:
        messages.info(request, "Aucun titre de reversement n'a été établi pour cette action.")
        return redirect("billing:solde", order_id=order.pk)
    return file_response(request, frozen.repayment_document, f"Titre_de_reversement_{order.number}.pdf")


@region_required
@require_POST
def repayment_received(request, order_id):
    order = order_or_404(request, order_id)
    frozen = selectors.order_solde(order)
    form = RepaymentForm(request.POST)
    if frozen is None:
        messages.error(request, "Le solde n'est pas émis.")
    elif not form.is_valid():
        messages.error(request, "Reversement non enregistré : indiquez la date de réception.")
    else:
        try:
            services.solde_repayment_record(
                solde=frozen,
                user=request.user,
                date=form.cleaned_data["date"],
                reference=form.cleaned_data["reference"],
            )
            messages.success(request, "Le reversement a été enregistré comme reçu.")
        except services.BillingError as exc:
            show_error(request, exc)
    return redirect("billing:solde", order_id=order.pk)

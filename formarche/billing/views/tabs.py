"""Validation / Facturation: the seed's four tabs, validating a period, the statement, issuing."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from formarche.accounts.tenancy import of_required, region_required, tenant_required
from formarche.billing import perms, selectors, services
from formarche.billing.closing_gate import closing_missing
from formarche.billing.forms import PaymentForm, ValidatePeriodForm
from formarche.billing.pdf import render_statement_pdf
from formarche.billing.views._common import month_or_404, order_or_404, show_error, tab_context
from formarche.utils.formatting import format_month


@tenant_required()
def validations(request, order_id):
    order = order_or_404(request, order_id)
    context = tab_context(request, order, "validations")
    rows = selectors.validation_rows(order)
    final_done = any(row.period and row.period.is_validated and row.period.is_final for row in rows)
    context.update(
        rows=rows,
        final_done=final_done,
        final_missing=[] if final_done else closing_missing(order),
        is_closed=perms.is_closed(order),
        may_validate=perms.can_validate_period(request.tenant, order),
        may_sync=perms.can_sync_attendance(request.tenant, order),
        form=ValidatePeriodForm(),
        audit=selectors.order_audit(order)[:30],
    )
    return render(request, "billing/tab_validations.html", context)


@tenant_required()
def to_issue(request, order_id):
    order = order_or_404(request, order_id)
    context = tab_context(request, order, "to_issue")
    periods = selectors.periods_to_invoice(order)
    rejected = selectors.period_rejected_invoices(order)
    context.update(
        periods=[{"period": p, "statement": p.statement, "rejected": rejected.get(p.pk)} for p in periods],
        total_ht=sum((p.statement.billable for p in periods), 0),
        total_ttc=sum((p.statement.billed_ttc for p in periods), 0),
        may_issue=perms.can_issue_invoice(request.tenant, order),
    )
    return render(request, "billing/tab_to_issue.html", context)


@tenant_required()
def invoices_tab(request, order_id):
    order = order_or_404(request, order_id)
    context = tab_context(request, order, "invoices")
    lines = selectors.invoice_lines(selectors.order_invoices(order))
    for line in lines:
        line.can_upload_signed = perms.can_upload_signed(request.tenant, line.invoice)
    live = [line for line in lines if not line.invoice.is_rejected]
    context.update(
        lines=lines,
        total_ht=sum((line.invoice.billed_ht for line in live), 0),
        total_ttc=sum((line.invoice.billed_ttc for line in live), 0),
        total_payable=sum((line.invoice.payable_ttc for line in live), 0),
    )
    return render(request, "billing/tab_invoices.html", context)


@tenant_required()
def payments(request, order_id):
    order = order_or_404(request, order_id)
    context = tab_context(request, order, "payments")
    lines = [
        line
        for line in selectors.invoice_lines(selectors.order_invoices(order))
        if not line.invoice.is_rejected
    ]
    for line in lines:
        line.offers_payment = perms.offers_payment_link(request.tenant, line.invoice, line.remaining)
    advance = selectors.order_advance(order)
    expected = selectors.advance_expected(order)
    context.update(
        lines=lines,
        advance=advance,
        expected_advance=expected,
        advance_form=PaymentForm(initial={"amount": expected}) if not advance else None,
        may_record_advance=perms.can_record_advance(request.tenant, order),
        total_paid=sum((line.paid for line in lines), 0) + (advance.amount if advance else 0),
    )
    return render(request, "billing/tab_payments.html", context)


@region_required
@require_POST
def advance(request, order_id):
    order = order_or_404(request, order_id)
    form = PaymentForm(request.POST)
    if form.is_valid():
        try:
            services.advance_record(
                order=order,
                user=request.user,
                date=form.cleaned_data["date"],
                amount=form.cleaned_data["amount"],
                reference=form.cleaned_data["reference"],
            )
            messages.success(request, "Le paiement de l'avance a été enregistré.")
        except services.BillingError as exc:
            show_error(request, exc)
    else:
        messages.error(request, "Paiement de l'avance non enregistré : vérifiez la date et le montant.")
    return redirect("billing:payments", order_id=order.pk)


@of_required
@require_POST
def validate_period(request, order_id, period):
    order = order_or_404(request, order_id)
    month = month_or_404(period)
    form = ValidatePeriodForm(request.POST)
    is_final = form.is_valid() and form.cleaned_data["is_final"]
    try:
        services.period_validate(order=order, month=month, user=request.user, is_final=is_final)
    except services.BillingError as exc:
        show_error(request, exc)
        return redirect("billing:validations", order_id=order.pk)
    messages.success(request, f"La période {format_month(month)} a été validée : la facture est à émettre.")
    return redirect("billing:to_issue", order_id=order.pk)


@tenant_required()
def statement(request, order_id, period):
    order = order_or_404(request, order_id)
    month = month_or_404(period)
    context = tab_context(request, order, "validations")
    context.update(selectors.statement_context(order, month))
    return render(request, "billing/statement.html", context)


@tenant_required()
def statement_pdf(request, order_id, period):
    order = order_or_404(request, order_id)
    month = month_or_404(period)
    context = selectors.statement_context(order, month)
    if context["preview"] or context["st"] is None:
        messages.info(request, "Le relevé PDF est disponible une fois la période validée.")
        return redirect("billing:statement", order_id=order.pk, period=period)
    pdf = render_statement_pdf(context)
    name = f"{order.number}_{context['st'].kind}_{period}.pdf".replace(" ", "_")
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{name}"'
    return response


@of_required
def issue(request, order_id, period):
    order = order_or_404(request, order_id)
    month = month_or_404(period)
    period_obj = selectors.order_period(order, month)
    if period_obj is None or not period_obj.is_validated:
        messages.error(request, f"La période {format_month(month)} n'est pas validée.")
        return redirect("billing:validations", order_id=order.pk)
    if request.method == "POST":
        try:
            services.invoice_issue(period=period_obj, user=request.user)
        except services.BillingError as exc:
            show_error(request, exc)
            return redirect("billing:to_issue", order_id=order.pk)
        messages.success(request, "La facture a été validée.")
        return redirect("billing:to_issue", order_id=order.pk)
    live = selectors.period_live_invoice(period_obj)
    if live:
        messages.info(
            request, f"La facture de la période {period_obj.label} est déjà émise (n° {live.number})."
        )
        return redirect("billing:invoices_tab", order_id=order.pk)
    context = tab_context(request, order, "to_issue")
    context.update(period=period_obj)
    return render(request, "billing/issue_confirm.html", context)

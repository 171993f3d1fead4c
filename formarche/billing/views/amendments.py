"""Avenants (ADR 0020): the Région's form. The history is on the action's page (orders)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from formarche.accounts.tenancy import tenant_required
from formarche.billing import services
from formarche.billing.forms import AmendmentForm
from formarche.billing.selectors.amendments import amendment_summary
from formarche.billing.views._common import action_context, order_or_404
from formarche.orders.perms import can_amend_order
from formarche.orders.selectors import order_amendments


@tenant_required()
@require_http_methods(["GET", "POST"])
def amendment_create(request, order_id):
    order = order_or_404(request, order_id)
    if not can_amend_order(request.tenant, order):
        raise PermissionDenied("Un avenant est passé par la Région, sur une action non archivée.")
    form = AmendmentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            amendment = services.amendment_create(order=order, user=request.user, **form.cleaned_data)
        except services.BillingError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, amendment_summary(amendment) + ".")
            return redirect("orders:action_detail", order_id=order.pk)
    context = action_context(request, order, "detail")
    context.update(form=form, amendments=list(order_amendments(order)))
    return render(request, "billing/amendment_form.html", context)

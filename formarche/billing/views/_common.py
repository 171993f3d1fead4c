"""What the billing pages share: the action reached through the tenancy helpers, the period in
the URL, the tabs of Validation / Facturation, the refusal message, the file responses."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import reverse

from formarche.accounts.tenancy import get_scoped_or_404
from formarche.billing import perms, selectors
from formarche.billing.services import BillingError
from formarche.orders.action_menu import action_menu
from formarche.orders.models import Order
from formarche.ui.files import stored_file_response
from formarche.utils.dates import parse_period

TABS = [
    ("validations", "Suivi des validations", "billing:validations"),
    ("to_issue", "A facturer", "billing:to_issue"),
    ("invoices", "Suivi des factures", "billing:invoices_tab"),
    ("payments", "Suivi des paiements", "billing:payments"),
]


def order_or_404(request, order_id) -> Order:
    """The order of the billing pages: the Région's, the titulaire's or the group's mandataire's.
    A co-traitant's billing is its own part on the « Groupement » page (ADR 0018): the group's
    periods, invoices and payments tabs are not its own."""
    order = get_scoped_or_404(selectors.orders_with_labels(), request.tenant, pk=order_id)
    if perms.is_co_traitant(request.tenant, order):
        raise PermissionDenied(
            "Vous êtes co-traitant de cette action : votre part (relevés, factures, solde) est sur la page "
            "« Groupement » de l'action."
        )
    return order


def invoice_or_404(request, invoice_id):
    return get_scoped_or_404(selectors.invoice_for_tenant(), request.tenant, pk=invoice_id)


def month_or_404(period: str):
    try:
        return parse_period(period)
    except ValueError as exc:
        raise Http404("Période inconnue.") from exc


def tab_context(request, order, active: str) -> dict:
    return {
        "order": order,
        "action_menu": action_menu(order, request.tenant),
        "action_nav": "billing",
        "tabs": [
            {
                "key": key,
                "label": label,
                "url": reverse(name, kwargs={"order_id": order.pk}),
                "active": key == active,
            }
            for key, label, name in TABS
        ],
        "tenant": request.tenant,
    }


def action_context(request, order, nav: str) -> dict:
    return {
        "order": order,
        "action_menu": action_menu(order, request.tenant),
        "action_nav": nav,
        "tenant": request.tenant,
        "is_archived": perms.is_archived(order),
    }


def show_error(request, exc: BillingError) -> None:
    messages.error(request, " ".join([str(exc)] + [e for e in exc.errors if e != str(exc)]))


def file_response(request, field, filename):
    """A stored PDF of an invoice or solde the caller reached through the tenancy helpers, streamed
    (never a storage URL); a missing file or an unreachable storage gives a French page."""
    if not field:
        raise Http404("Fichier absent.")
    return stored_file_response(request, field, filename=filename, content_type="application/pdf")

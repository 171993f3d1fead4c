"""What the closing pages share: the decorators, the action's context and the state badges."""

from __future__ import annotations

from formarche.accounts.tenancy import tenant_required
from formarche.closing import perms
from formarche.closing.models import AssessmentState
from formarche.orders.action_menu import action_menu

of_writer_required = tenant_required(*perms.OF_WRITER_ROLES)
archiver_required = tenant_required(*perms.ARCHIVER_ROLES)
reopener_required = tenant_required(*perms.REOPENER_ROLES)

STATE_ICONS = {
    AssessmentState.TO_ENTER: "○",
    AssessmentState.DRAFT: "◐",
    AssessmentState.VALIDATED: "✔",
}
STATE_CLASSES = {
    AssessmentState.TO_ENTER: "text-bg-light border",
    AssessmentState.DRAFT: "text-bg-warning",
    AssessmentState.VALIDATED: "text-bg-success",
}


def action_context(request, order, nav, **extra):
    """The context of a page of the action (menu, tab, and ``can_edit`` for the closing's writes)."""
    return {
        "order": order,
        "action_menu": action_menu(order, request.tenant),
        "action_nav": nav,
        "nav": "actions",
        "tenant": request.tenant,
        "can_edit": perms.can_edit_closing(request.tenant, order),
        **extra,
    }


def is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


def state_badge(state: str, label: str) -> dict:
    return {"icon": STATE_ICONS[state], "css": STATE_CLASSES[state], "label": label, "state": state}

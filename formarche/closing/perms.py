"""Who may do what in the closing area: one function per rule, used by the views (which refuse)
and passed to the templates as booleans (which show or hide the forms and buttons).

The services still refuse on their own (a closed or archived action, a decided request): these
rules decide what a page offers.
"""

from __future__ import annotations

from formarche.accounts.models import Role
from formarche.orders.models import OrderStatus

# Who may archive a closed action: the OF's manager, or the Région.
ARCHIVER_ROLES = (Role.OF_MANAGER, Role.REGION_OFFICER, Role.REGION_MANAGER)
OF_WRITER_ROLES = (Role.OF_STAFF, Role.OF_MANAGER)


def can_edit_closing(tenant, order) -> bool:
    """Exits, bilans, the real end date and the closing: the OF, while the action is open."""
    return tenant.is_of and order.status == OrderStatus.OPEN


def can_enter_followups(tenant, order) -> bool:
    """Questionnaires de suivi follow the closing: the OF, until the action is archived."""
    return tenant.is_of and order.status != OrderStatus.ARCHIVED


def can_edit_followup(tenant, order, questionnaire) -> bool:
    """A questionnaire the trainee answered through a link is no longer the OF's to change."""
    answered_by_trainee = questionnaire.is_validated and questionnaire.is_answered_by_trainee
    return can_enter_followups(tenant, order) and not answered_by_trainee


def can_open_followups(tenant) -> bool:
    """The list of questionnaires due links each one to its form: for the OF only."""
    return tenant.is_of


def can_request_change(tenant, order) -> bool:
    """Change requests: the OF, until the action is archived."""
    return tenant.is_of and order.status != OrderStatus.ARCHIVED


def change_request_identity_only(order) -> bool:
    """After the closing only a trainee's identity may still be corrected."""
    return order.status == OrderStatus.CLOSED


def change_requests_closed(order) -> bool:
    """After the archiving no change request at all."""
    return order.status == OrderStatus.ARCHIVED


def can_decide_change_request(tenant, change_request) -> bool:
    """The Région decides a pending request."""
    return tenant.is_region and change_request.is_pending


def can_archive(tenant, order) -> bool:
    """A closed action is archived by the OF's manager or the Région."""
    return order.status == OrderStatus.CLOSED and tenant.role in ARCHIVER_ROLES


# Who may reopen a closed action: the Région (ADR 0021).
REOPENER_ROLES = (Role.REGION_OFFICER, Role.REGION_MANAGER)


def can_reopen(tenant, order) -> bool:
    """A closed action is reopened by the Région's officers (the service also refuses a paid solde)."""
    return tenant.is_region and tenant.role in REOPENER_ROLES and order.status == OrderStatus.CLOSED


def followup_is_closed(order) -> bool:
    """The trainee's public questionnaire is closed (410) once the action is archived."""
    return order.status == OrderStatus.ARCHIVED

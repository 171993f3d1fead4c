"""Who may do what on the émargement pages: one function per rule, used by the views and passed
to the templates as booleans. The services still refuse on their own (a closed or archived
action refuses every émargement write)."""

from __future__ import annotations

from formarche.signing.services import SCHEDULE_REFUSED, SIGNING_REFUSED


def signing_refusal(order) -> str | None:
    """« L'action est fermée|archivée : l'émargement n'est plus possible. », or None on an open action.

    A closed or archived action refuses every émargement write: its pages then show this sentence
    instead of forms and buttons that would only be refused; its public page answers 410.
    """
    return order.write_refusal(SIGNING_REFUSED)


def schedule_refusal(order) -> str | None:
    """The sentence the schedule page shows instead of its form on a closed or archived action."""
    return order.write_refusal(SCHEDULE_REFUSED)


def can_sign(tenant, order) -> bool:
    """Schedule, open, links, sign here, confirm, « Appliquer »: the OF, on an open action."""
    return tenant.is_of and not signing_refusal(order)


def can_sync(tenant) -> bool:
    """Only the OF writes the month's hours from the émargement."""
    return tenant.is_of

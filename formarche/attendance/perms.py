"""Who may do what with hours: one function per rule, used by the views (booleans for templates)."""

from __future__ import annotations


def can_edit_hours(tenant, order) -> bool:
    """The OF edits the hours of its open actions; a Région reads them; a closed action is read-only.

    A validated month stays editable: a change there is a rectificatif (``services``).
    """
    return bool(tenant is not None and tenant.is_of and order.is_open)

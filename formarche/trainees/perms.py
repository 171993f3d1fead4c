"""Who may do what with trainees and enrolments: one function per rule, used by the views."""

from __future__ import annotations


def can_edit_trainees(tenant) -> bool:
    """The OF keeps its registry and its enrolments; a Région reads them (the services refuse
    writes on a closed or archived action)."""
    return bool(tenant is not None and tenant.is_of)

"""Who may do what in the imports (the views decide with these, the templates get booleans)."""

from __future__ import annotations


def can_upload(tenant) -> bool:
    """Trainees and hours files are the training organisations' (a Région sees the templates)."""
    return bool(tenant.is_of)

"""Who may export or import the interchange document from the organisation's page."""

from __future__ import annotations


def can_transfer(tenant) -> bool:
    """The manager of a training organisation (the document is an OF's whole data)."""
    return tenant is not None and tenant.is_of and tenant.is_manager

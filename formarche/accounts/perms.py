"""Who may do what in accounts (one function per rule; views pass the answers to templates)."""

from __future__ import annotations

from formarche.accounts.models import Membership, Role
from formarche.accounts.tenancy import Tenant

MANAGER_ROLES = (Role.OF_MANAGER, Role.REGION_MANAGER)


def can_edit_organisation(tenant: Tenant) -> bool:
    """The identity of the organisation (Gestion organisme) is edited by its managers."""
    return tenant.is_manager


def can_manage_members(tenant: Tenant) -> bool:
    """Managers add users to their organisation and withdraw their access."""
    return tenant.is_manager


def can_deactivate_member(tenant: Tenant, membership: Membership) -> bool:
    """An active membership other than the user's own (nobody withdraws their own access)."""
    return can_manage_members(tenant) and membership.is_active and membership.user_id != tenant.user_id


def can_read_journal(tenant: Tenant | None) -> bool:
    """The Journal (who did what): OF managers (their organisation and actions), Région officers
    and managers (the orders they follow). OF staff do not read who did what."""
    return bool(tenant) and (tenant.is_manager or tenant.is_region)


def sees_audience(tenant: Tenant, audience: str) -> bool:
    """A menu entry meant for ``"all"``, ``"of"``, ``"region"`` or ``"journal"`` users (the
    Journal's readers): does this user see it?"""
    if audience == "journal":
        return can_read_journal(tenant)
    if audience == "of":
        return tenant.is_of
    if audience == "region":
        return tenant.is_region
    return True

"""Who may unlock a login and read the Journal. One function per rule; views pass booleans on."""

from formarche.accounts.models import Membership, Role
from formarche.accounts.perms import can_read_journal
from formarche.accounts.tenancy import Tenant

__all__ = ["can_read_journal", "can_see_platform_status", "can_unlock"]


def can_unlock(tenant: Tenant | None, membership: Membership) -> bool:
    """A manager (OF or Région) unlocks the members of their own organisation only."""
    return bool(tenant and tenant.is_manager and membership.organisation_id == tenant.organisation_id)


def can_see_platform_status(user, tenant: Tenant | None) -> bool:
    """« État de la plateforme » (database, replica lag): platform staff and Région managers."""
    return bool(user.is_authenticated and (user.is_staff or (tenant and tenant.role == Role.REGION_MANAGER)))

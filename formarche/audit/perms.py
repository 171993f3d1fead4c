"""Who may unlock a login and read the Journal. One function per rule; views pass booleans on."""

from formarche.accounts.models import Membership
from formarche.accounts.tenancy import Tenant


def can_unlock(tenant: Tenant | None, membership: Membership) -> bool:
    """A manager (OF or Région) unlocks the members of their own organisation only."""
    return bool(tenant and tenant.is_manager and membership.organisation_id == tenant.organisation_id)


def can_read_journal(tenant: Tenant | None) -> bool:
    """OF managers (their organisation and actions), Région officers and managers (the orders they
    follow). OF staff do not read who did what."""
    if tenant is None:
        return False
    return tenant.is_manager or tenant.is_region

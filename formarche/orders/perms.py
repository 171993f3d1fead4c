"""Who may do what on orders (one function per rule; views pass the answers to templates)."""

from __future__ import annotations

from formarche.accounts.perms import sees_audience
from formarche.accounts.tenancy import Tenant
from formarche.orders.models import Order, OrderStatus


def can_open_action(tenant: Tenant, order: Order) -> bool:
    """Ouverture de l'action: the OF records it while the order is open; the Région reads it."""
    return tenant.is_of and order.is_open


def can_manage_setup(tenant: Tenant) -> bool:
    """Markets, lots and dispositifs are created by the Région's managers."""
    return tenant.is_region and tenant.is_manager


def can_see_menu_entry(tenant: Tenant, audience: str) -> bool:
    """An entry of the action's menu meant for ``"all"``, ``"of"`` or ``"region"`` users."""
    return sees_audience(tenant, audience)


def can_edit_chorus(tenant: Tenant, order: Order) -> bool:
    """The Chorus Pro fields (cadre de facturation, engagement juridique, code service) are the
    Région's: its users set them (as they place orders) while the action is not archived; the OF
    reads them."""
    return tenant.is_region and not order.is_archived


def can_amend_order(tenant: Tenant, order: Order) -> bool:
    """Avenants (ADR 0020): the Région passes them, until the action is archived; the OF reads
    them (it asks for one through a change request, or its référent)."""
    return tenant.is_region and order.status != OrderStatus.ARCHIVED

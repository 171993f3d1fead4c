"""Reads of accounts: the active organisation, its members, the Région's users."""

from __future__ import annotations

from formarche.accounts.models import REGION_ROLES, Membership, User
from formarche.accounts.tenancy import Tenant, get_scoped_or_404, scoped
from formarche.organisations.models import Organisation


def own_organisation(tenant: Tenant) -> Organisation:
    """The tenant's organisation (404 if it cannot be seen)."""
    return get_scoped_or_404(Organisation, tenant, pk=tenant.organisation_id)


def organisation_members(tenant: Tenant):
    """Members of the tenant's organisation, active first, by last name."""
    return scoped(Membership, tenant).select_related("user").order_by("-is_active", "user__last_name")


def member_of_tenant(tenant: Tenant, membership_id) -> Membership:
    """One membership of the tenant's organisation (404 for another organisation's)."""
    return get_scoped_or_404(Membership, tenant, pk=membership_id)


def region_memberships(tenant: Tenant):
    """Active memberships of the tenant's Région (référent choices)."""
    return (
        scoped(Membership, tenant).active().select_related("user").order_by("user__last_name", "user__email")
    )


def region_users(tenant: Tenant):
    """Users of the tenant's Région, by name (the référent field of an order)."""
    return User.objects.filter(pk__in=region_memberships(tenant).values("user_id")).order_by(
        "last_name", "email"
    )


def is_active_region_member(*, user, region: Organisation) -> bool:
    """Whether ``user`` works for ``region`` with a Région role (an order's référent must)."""
    return Membership.objects.filter(
        user=user, organisation=region, role__in=REGION_ROLES, is_active=True
    ).exists()

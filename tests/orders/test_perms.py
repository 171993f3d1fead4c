"""The rules of orders/perms.py and accounts/perms.py, one by one (no database)."""

import pytest

from formarche.accounts import perms as account_perms
from formarche.accounts.models import Membership, Role
from formarche.accounts.tenancy import Tenant
from formarche.orders import perms
from formarche.orders.models import Order, OrderStatus


def tenant(role, user_id=1):
    return Tenant(membership_id=1, organisation_id=1, role=role, user_id=user_id)


@pytest.mark.parametrize(
    ("role", "status", "expected"),
    [
        (Role.OF_STAFF, OrderStatus.OPEN, True),
        (Role.OF_MANAGER, OrderStatus.OPEN, True),
        (Role.OF_STAFF, OrderStatus.CLOSED, False),
        (Role.OF_STAFF, OrderStatus.ARCHIVED, False),
        (Role.REGION_OFFICER, OrderStatus.OPEN, False),
        (Role.REGION_MANAGER, OrderStatus.OPEN, False),
    ],
)
def test_only_the_of_opens_an_open_action(role, status, expected):
    assert perms.can_open_action(tenant(role), Order(status=status)) is expected


@pytest.mark.parametrize(
    ("role", "expected"),
    [(Role.REGION_MANAGER, True), (Role.REGION_OFFICER, False), (Role.OF_MANAGER, False)],
)
def test_only_region_managers_manage_the_setup(role, expected):
    assert perms.can_manage_setup(tenant(role)) is expected


@pytest.mark.parametrize(
    ("role", "audience", "expected"),
    [
        (Role.OF_STAFF, "all", True),
        (Role.OF_STAFF, "of", True),
        (Role.OF_STAFF, "region", False),
        (Role.REGION_OFFICER, "all", True),
        (Role.REGION_OFFICER, "of", False),
        (Role.REGION_OFFICER, "region", True),
    ],
)
def test_menu_audiences(role, audience, expected):
    assert perms.can_see_menu_entry(tenant(role), audience) is expected
    assert account_perms.sees_audience(tenant(role), audience) is expected


@pytest.mark.parametrize(
    ("role", "member_user", "active", "expected"),
    [
        (Role.OF_MANAGER, 2, True, True),
        (Role.OF_MANAGER, 1, True, False),  # one's own access
        (Role.OF_MANAGER, 2, False, False),  # already withdrawn
        (Role.OF_STAFF, 2, True, False),  # not a manager
    ],
)
def test_who_may_withdraw_a_members_access(role, member_user, active, expected):
    membership = Membership(user_id=member_user, is_active=active)
    assert account_perms.can_deactivate_member(tenant(role, user_id=1), membership) is expected


def test_managers_edit_the_organisation_and_its_members():
    assert account_perms.can_edit_organisation(tenant(Role.REGION_MANAGER))
    assert account_perms.can_manage_members(tenant(Role.OF_MANAGER))
    assert not account_perms.can_edit_organisation(tenant(Role.OF_STAFF))
    assert not account_perms.can_manage_members(tenant(Role.REGION_OFFICER))

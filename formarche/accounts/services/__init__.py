"""Writes of accounts, one module per entity (keyword-only ``<entity>_<action>``, atomic)."""

from formarche.accounts.services.membership import MembershipError, membership_create, membership_deactivate

__all__ = ["MembershipError", "membership_create", "membership_deactivate"]

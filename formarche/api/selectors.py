"""Reads of the API views that are not a scoped queryset of a model."""

from __future__ import annotations

from django.db.models import Prefetch

from formarche.orders.models import Component, OrderMember
from formarche.organisations.models import Organisation


def components_prefetch() -> Prefetch:
    """An order's components, by code (one query for the whole page)."""
    return Prefetch("components", queryset=Component.objects.order_by("code"))


def members_prefetch() -> Prefetch:
    """The members of a group order (ADR 0018), with their organisation (one query per page)."""
    return Prefetch(
        "members",
        queryset=OrderMember.objects.select_related("organisation").order_by("role", "organisation__name"),
    )


def tenant_organisation(tenant) -> Organisation:
    return Organisation.objects.get(pk=tenant.organisation_id)

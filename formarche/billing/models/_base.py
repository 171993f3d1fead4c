"""Field sizes and the tenancy scope every billing QuerySet shares."""

from __future__ import annotations

HOURS = {"max_digits": 12, "decimal_places": 2}
MONEY = {"max_digits": 14, "decimal_places": 2}


def _order_scope(queryset, tenant, prefix="order"):
    """OF: its own orders (``order__provider``); Région: the orders it placed (``order__region``)."""
    if tenant is None:
        return queryset.none()
    if tenant.is_region:
        return queryset.filter(**{f"{prefix}__region_id": tenant.organisation_id})
    return queryset.filter(**{f"{prefix}__provider_id": tenant.organisation_id})

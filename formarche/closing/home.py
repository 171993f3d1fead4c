"""Home page block: what the closing area asks of this user (questionnaires due, requests to decide)."""

from django.utils import timezone

from formarche.closing import selectors


def closing_block(request):
    tenant = getattr(request, "tenant", None)
    if tenant is None:
        return None
    return {
        "template": "closing/home_block.html",
        "pending_requests": selectors.pending_change_requests_count(tenant),
        "overdue": selectors.followups_overdue_count(tenant, timezone.localdate()),
        "is_region": tenant.is_region,
    }

"""Home page block: what the closing area asks of this user (questionnaires due, requests to decide)."""

from django.utils import timezone

from formarche.accounts.tenancy import scoped
from formarche.closing.models import ChangeRequest, FollowUpQuestionnaire


def closing_block(request):
    tenant = getattr(request, "tenant", None)
    if tenant is None:
        return None
    today = timezone.localdate()
    pending_requests = scoped(ChangeRequest, tenant).pending().count()
    overdue = scoped(FollowUpQuestionnaire, tenant).overdue(today).count()
    return {
        "template": "closing/home_block.html",
        "pending_requests": pending_requests,
        "overdue": overdue,
        "is_region": tenant.is_region,
    }

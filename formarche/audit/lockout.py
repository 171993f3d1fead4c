"""Login lockout (django-axes): how attempts are keyed, the French lockout page, and the unlock.

Axes counts failed logins per (e-mail, address) — ``AXES_LOCKOUT_PARAMETERS`` — in the database,
so every server sees the same attempts. The e-mail is normalised (trimmed, lower case) so that
« Alice@X.fr » and « alice@x.fr » share one counter.
"""

from __future__ import annotations

from axes.models import AccessAttempt
from axes.utils import reset
from django.conf import settings
from django.shortcuts import render
from django.utils import timezone

from formarche.accounts.models import Membership


def normalise_email(value) -> str:
    return str(value or "").strip().lower()


def attempted_email(request, credentials) -> str:
    """AXES_USERNAME_CALLABLE: the e-mail typed in the login form (or given to ``authenticate``)."""
    credentials = credentials or {}
    value = credentials.get("username") or credentials.get("email")
    if value is None and request is not None:
        value = request.POST.get("username", "")
    return normalise_email(value)


def lockout_minutes() -> int:
    cooloff = settings.AXES_COOLOFF_TIME
    return max(1, int(cooloff.total_seconds() // 60)) if cooloff else 0


def lockout_response(request, original_response=None, credentials=None):
    """AXES_LOCKOUT_CALLABLE: a French page, status 429, saying why and what to do."""
    context = {"minutes": lockout_minutes(), "failure_limit": settings.AXES_FAILURE_LIMIT}
    return render(request, "audit/locked_out.html", context, status=429)


def locked_emails(emails) -> set[str]:
    """Which of ``emails`` are locked out now, from at least one address (one query)."""
    wanted = {normalise_email(e) for e in emails}
    if not wanted:
        return set()
    attempts = AccessAttempt.objects.filter(
        username__in=wanted, failures_since_start__gte=settings.AXES_FAILURE_LIMIT
    )
    if settings.AXES_COOLOFF_TIME:
        attempts = attempts.filter(attempt_time__gte=timezone.now() - settings.AXES_COOLOFF_TIME)
    return set(attempts.values_list("username", flat=True))


def lockout_unlock(*, membership: Membership) -> int:
    """Lift every lockout of this member's e-mail (from every address); the number of records removed.

    The caller checks :func:`formarche.audit.perms.can_unlock` first."""
    return reset(username=normalise_email(membership.user.email))

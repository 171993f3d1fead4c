"""One-time links for the trainee's questionnaire de suivi: the token is returned once, only its
SHA-256 is stored (see :func:`formarche.closing.selectors.followup_link_check` for the read side)."""

from __future__ import annotations

import datetime as dt
import secrets

from django.db import transaction
from django.utils import timezone

from formarche.closing import notifications
from formarche.closing.errors import ClosingError
from formarche.closing.models import FollowUpLink, FollowUpQuestionnaire
from formarche.closing.selectors import hash_token
from formarche.closing.services._common import require_not_archived

LINK_VALIDITY_DAYS = 30


@transaction.atomic
def followup_link_create(
    *,
    questionnaire: FollowUpQuestionnaire,
    by=None,
    now: dt.datetime | None = None,
    valid_days: int = LINK_VALIDITY_DAYS,
    send_to: str = "",
) -> tuple[FollowUpLink, str]:
    """A one-time link for the trainee. Returns ``(link, raw_token)``: the token is never stored
    (only its SHA-256) and cannot be shown again. With ``send_to``, the link is e-mailed there."""
    now = now or timezone.now()
    questionnaire = (
        FollowUpQuestionnaire.objects.select_for_update()
        .select_related("enrolment__order", "enrolment__trainee")
        .get(pk=questionnaire.pk)
    )
    require_not_archived(
        questionnaire.enrolment.order_id, "aucun lien de questionnaire de suivi ne peut plus être créé."
    )
    if questionnaire.is_validated:
        raise ClosingError("Ce questionnaire est déjà rempli.")
    if not 1 <= valid_days <= 90:
        raise ClosingError("Un lien reste valable entre 1 et 90 jours.")
    token = secrets.token_urlsafe(32)
    link = FollowUpLink.objects.create(
        questionnaire=questionnaire,
        token_hash=hash_token(token),
        created_at=now,
        expires_at=now + dt.timedelta(days=valid_days),
        created_by=by,
        sent_to=send_to,
    )
    if send_to:
        transaction.on_commit(lambda: notifications.followup_link_sent(link, token, send_to))
    return link, token

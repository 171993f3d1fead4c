"""Writes of the closing area: keyword-only, atomic, refusing with a French message.

Every function raises :class:`ClosingError` (``str(error)`` is the message, ``errors`` the details)
and changes nothing when it refuses. One module per entity:

- ``exits``: the trainees' exits per component (and the enrolment's exit, the questionnaire's due date);
- ``situations``: bilans de situation and questionnaires de suivi (draft, validation, the trainee's answer);
- ``followup_links``: the trainee's one-time links;
- ``change_requests``: demandes de modification (create, approve, refuse);
- ``orders``: the action's real end date, closing, reopening (by the Région) and archiving.

The reads (``closing_status`` among them) are in :mod:`formarche.closing.selectors`.
"""

from formarche.closing.errors import ClosingError, FollowUpLinkInvalid
from formarche.closing.services.change_requests import (
    change_request_approve,
    change_request_create,
    change_request_refuse,
)
from formarche.closing.services.exits import (
    ExitEntry,
    component_exit_set,
    enrolment_exit_sync,
    exits_set_for_all_components,
    trainee_exits_set,
)
from formarche.closing.services.followup_links import LINK_VALIDITY_DAYS, followup_link_create
from formarche.closing.services.orders import (
    order_archive,
    order_close,
    order_real_end_set,
    order_reopen,
)
from formarche.closing.services.situations import (
    DRAFT,
    VALIDATE,
    assessment_save,
    followup_answer_by_token,
    followup_save,
)

__all__ = [
    "DRAFT",
    "LINK_VALIDITY_DAYS",
    "VALIDATE",
    "ClosingError",
    "ExitEntry",
    "FollowUpLinkInvalid",
    "assessment_save",
    "change_request_approve",
    "change_request_create",
    "change_request_refuse",
    "component_exit_set",
    "enrolment_exit_sync",
    "exits_set_for_all_components",
    "followup_answer_by_token",
    "followup_link_create",
    "followup_save",
    "order_archive",
    "order_close",
    "order_real_end_set",
    "order_reopen",
    "trainee_exits_set",
]

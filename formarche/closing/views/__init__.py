"""Pages of the closing area (issue #6), one module per area: ``exits``, ``situations`` (bilans,
questionnaires de suivi, their links, the questionnaires due), ``public`` (the trainee's
questionnaire page), ``change_requests``, ``closing`` (fermeture, archivage, the Région's outcomes).

Every order, enrolment or request named by the URL is fetched through ``get_scoped_or_404``
(in :mod:`formarche.closing.selectors`); who may write is decided in :mod:`formarche.closing.perms`.
"""

from formarche.closing.views.change_requests import (
    change_request_create,
    change_request_decide,
    change_request_detail,
    change_request_list,
    order_change_requests,
)
from formarche.closing.views.closing import (
    archive,
    close,
    close_confirm,
    outcomes_export,
    outcomes_export_xlsx,
    outcomes_page,
    reopen,
)
from formarche.closing.views.exits import exit_edit, exits
from formarche.closing.views.public import followup_public
from formarche.closing.views.situations import (
    assessment_edit,
    assessments,
    followup_due,
    followup_edit,
    followup_link,
    followups,
)

__all__ = [
    "archive",
    "assessment_edit",
    "assessments",
    "change_request_create",
    "change_request_decide",
    "change_request_detail",
    "change_request_list",
    "close",
    "close_confirm",
    "exit_edit",
    "exits",
    "followup_due",
    "reopen",
    "followup_edit",
    "followup_link",
    "followup_public",
    "followups",
    "order_change_requests",
    "outcomes_export",
    "outcomes_export_xlsx",
    "outcomes_page",
]

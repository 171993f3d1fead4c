"""Bilans de situation (at exit) and questionnaires de suivi (six months later).

Both records share the situation fields and the same two steps: a draft (``action="draft"``),
which may be incomplete, then a validation (``"validate"``), which needs a situation (and for an
employment, the job title and the employer's postcode). A validated record can be corrected and
validated again, never put back to draft.
"""

from __future__ import annotations

import datetime as dt
import re

from django.db import transaction
from django.utils import timezone

from formarche.closing import selectors
from formarche.closing.errors import ClosingError, FollowUpLinkInvalid
from formarche.closing.models import (
    JOB_SITUATIONS,
    AnsweredBy,
    AssessmentState,
    ExitAssessment,
    FollowUpLink,
    FollowUpQuestionnaire,
    Situation,
)
from formarche.closing.services._common import as_author, require_not_archived, require_open
from formarche.orders.models import Order
from formarche.trainees.models import Enrolment

DRAFT = "draft"
VALIDATE = "validate"
POSTCODE = re.compile(r"^[0-9]{5}$")


def _situation_fields(
    *, situation: str, job_title: str, employer_postcode: str, comment: str, validate: bool
):
    """The situation fields, cleaned and checked (completely when ``validate``)."""
    situation = situation or ""
    job_title = (job_title or "").strip()
    employer_postcode = (employer_postcode or "").strip()
    comment = (comment or "").strip()
    if situation and situation not in Situation.values:
        raise ClosingError("Situation inconnue.")
    if employer_postcode and not POSTCODE.match(employer_postcode):
        raise ClosingError("Le code postal de l'employeur compte 5 chiffres.")
    if validate:
        if not situation:
            raise ClosingError("Indiquez la situation du stagiaire pour valider.")
        if situation in JOB_SITUATIONS and (not job_title or not employer_postcode):
            raise ClosingError(
                "Pour une situation d'emploi, indiquez l'intitulé du poste et le code postal de l'employeur."
            )
    return {
        "situation": situation,
        "job_title": job_title,
        "employer_postcode": employer_postcode,
        "comment": comment,
    }


def _check_action(action: str) -> None:
    if action not in (DRAFT, VALIDATE):
        raise ClosingError("Action inconnue : enregistrer en brouillon ou valider.")


def _refuse_draft_of_validated(record, action: str, noun: str) -> None:
    if action == DRAFT and record.is_validated:
        raise ClosingError(f"{noun} est validé : corrigez-le puis validez-le de nouveau.")


def _situation_record(record, *, values: dict, validated: dict | None, by, reason: str | None = None):
    """Write ``values`` on ``record``; validated (with the ``validated`` fields) or a draft."""
    for k, v in values.items():
        setattr(record, k, v)
    if validated is not None:
        record.state = AssessmentState.VALIDATED
        for k, v in validated.items():
            setattr(record, k, v)
    else:
        record.state = AssessmentState.DRAFT
    as_author(record, by, reason).save()
    return record


@transaction.atomic
def assessment_save(
    *,
    enrolment: Enrolment,
    action: str,
    situation: str = "",
    job_title: str = "",
    employer_postcode: str = "",
    comment: str = "",
    by=None,
    now: dt.datetime | None = None,
) -> ExitAssessment:
    """Save the bilan de situation as a draft (``action="draft"``) or validate it (``"validate"``)."""
    _check_action(action)
    now = now or timezone.now()
    order = Order.objects.select_for_update().get(pk=enrolment.order_id)
    require_open(order, "les bilans ne sont plus modifiables.")
    enrolment = Enrolment.objects.select_related("trainee").get(pk=enrolment.pk)
    values = _situation_fields(
        situation=situation,
        job_title=job_title,
        employer_postcode=employer_postcode,
        comment=comment,
        validate=action == VALIDATE,
    )
    assessment = ExitAssessment.objects.select_for_update().filter(enrolment=enrolment).first()
    if assessment is None:
        assessment = ExitAssessment(enrolment=enrolment)
    _refuse_draft_of_validated(assessment, action, "Ce bilan")
    if action == VALIDATE and enrolment.exit_date is None:
        raise ClosingError(
            f"{enrolment.trainee} n'a pas encore de date de sortie (sur toutes les composantes) : "
            "le bilan à la sortie se valide après la sortie."
        )
    validated = {"validated_at": now, "validated_by": by} if action == VALIDATE else None
    return _situation_record(assessment, values=values, validated=validated, by=by)


@transaction.atomic
def followup_save(
    *,
    questionnaire: FollowUpQuestionnaire,
    action: str,
    situation: str = "",
    job_title: str = "",
    employer_postcode: str = "",
    comment: str = "",
    by=None,
    now: dt.datetime | None = None,
) -> FollowUpQuestionnaire:
    """The OF enters the questionnaire de suivi (draft or validated), e.g. after a phone call."""
    _check_action(action)
    now = now or timezone.now()
    require_not_archived(
        Enrolment.objects.values_list("order_id", flat=True).get(pk=questionnaire.enrolment_id),
        "le questionnaire de suivi n'est plus modifiable.",
    )
    questionnaire = FollowUpQuestionnaire.objects.select_for_update().get(pk=questionnaire.pk)
    if questionnaire.is_validated and questionnaire.answered_by == AnsweredBy.TRAINEE:
        raise ClosingError(
            "Le stagiaire a déjà répondu à ce questionnaire : sa réponse n'est pas modifiable."
        )
    _refuse_draft_of_validated(questionnaire, action, "Ce questionnaire")
    values = _situation_fields(
        situation=situation,
        job_title=job_title,
        employer_postcode=employer_postcode,
        comment=comment,
        validate=action == VALIDATE,
    )
    validated = None
    if action == VALIDATE:
        validated = {"answered_by": AnsweredBy.OF, "answered_at": now}
        FollowUpLink.objects.filter(questionnaire=questionnaire, used_at__isnull=True).update(used_at=now)
    return _situation_record(questionnaire, values=values, validated=validated, by=by)


@transaction.atomic
def followup_answer_by_token(
    *,
    token: str,
    situation: str,
    job_title: str = "",
    employer_postcode: str = "",
    comment: str = "",
    now: dt.datetime | None = None,
) -> FollowUpQuestionnaire:
    """The trainee answers through the link: the questionnaire is validated and the link used up."""
    now = now or timezone.now()
    link = selectors.followup_link_check(token, now=now)
    require_not_archived(
        link.questionnaire.enrolment.order_id, "le questionnaire de suivi ne peut plus être rempli."
    )
    link = FollowUpLink.objects.select_for_update().get(pk=link.pk)
    if not link.is_usable(now):  # answered in another tab meanwhile
        raise FollowUpLinkInvalid(selectors.LINK_INVALID)
    values = _situation_fields(
        situation=situation,
        job_title=job_title,
        employer_postcode=employer_postcode,
        comment=comment,
        validate=True,
    )
    questionnaire = FollowUpQuestionnaire.objects.select_for_update().get(pk=link.questionnaire_id)
    validated = {"answered_by": AnsweredBy.TRAINEE, "answered_at": now}
    _situation_record(
        questionnaire, values=values, validated=validated, by=None, reason="Réponse du stagiaire par lien"
    )
    FollowUpLink.objects.filter(questionnaire=questionnaire, used_at__isnull=True).update(used_at=now)
    return questionnaire

"""Writes of the closing area: keyword-only, atomic, refusing with a French message.

Every function raises :class:`ClosingError` (``str(error)`` is the message, ``errors`` the details)
and changes nothing when it refuses. :func:`closing_status` is the read side other apps call (the
billing engineer before a CRE final).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.utils import timezone

from formarche.closing import notifications
from formarche.closing.models import (
    JOB_SITUATIONS,
    REASONS_WITH_DETAIL,
    AnsweredBy,
    AssessmentState,
    CertificationResult,
    ChangeKind,
    ChangeRequest,
    ChangeStatus,
    ComponentExit,
    ExitAssessment,
    ExitOutcome,
    FollowUpLink,
    FollowUpQuestionnaire,
    Situation,
)
from formarche.orders.models import Component, Order, OrderStatus, write_refusal
from formarche.trainees.models import Enrolment, ExitReason
from formarche.utils.formatting import format_date
from formarche.utils.money import round_cents

FOLLOWUP_DELAY_MONTHS = 6
LINK_VALIDITY_DAYS = 30
POSTCODE = re.compile(r"^[0-9]{5}$")


class ClosingError(Exception):
    """A refused write; ``str(error)`` is the French message, ``errors`` its details."""

    def __init__(self, message: str, *, errors: list[str] | None = None):
        super().__init__(message)
        self.message = message
        self.errors = list(errors or [])


class FollowUpLinkInvalid(ClosingError):
    """Unknown, used or expired link: the public page answers 403 and says nothing more."""


def _as(instance, user, reason: str | None = None):
    """Name the author (and the reason) in the history row, also outside a web request."""
    if user is not None:
        instance._history_user = user
    if reason:
        instance._change_reason = reason
    return instance


def add_months_to_day(day: dt.date, months: int) -> dt.date:
    """Same day ``months`` later, clamped to the end of a shorter month (31/08 + 6 → 28/02)."""
    import calendar

    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def followup_due_date(exit_date: dt.date) -> dt.date:
    return add_months_to_day(exit_date, FOLLOWUP_DELAY_MONTHS)


def _names(enrolments) -> str:
    return ", ".join(str(e.trainee) for e in enrolments)


def _plural(count: int, singular: str, plural: str) -> str:
    return singular if count == 1 else plural


# --------------------------------------------------------------------------------------------
# The read side: what is missing before the action can be closed
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ClosingCondition:
    """One of the seed's three conditions, with what is missing (empty when it holds)."""

    key: str
    label: str
    missing: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.missing


@dataclass(frozen=True)
class ClosingStatus:
    """``missing``: one French sentence per missing item, in the order of the seed's conditions."""

    missing: list[str]
    can_close: bool
    last_exit: dt.date | None
    is_closed: bool = False
    conditions: list[ClosingCondition] = field(default_factory=list)
    real_end: dt.date | None = None


def _approved_end_dates(order) -> set[dt.date]:
    dates = set()
    for values in (
        ChangeRequest.objects.filter(order=order, kind=ChangeKind.END_DATE)
        .approved()
        .values_list("new_values", flat=True)
    ):
        try:
            dates.add(dt.date.fromisoformat(values["end_date"]))
        except (KeyError, TypeError, ValueError):
            continue
    return dates


def order_exit_table(order):
    """(enrolments with trainees, components, {(enrolment_id, component_id): ComponentExit}). Three queries."""
    enrolments = list(
        Enrolment.objects.filter(order=order)
        .select_related("trainee")
        .order_by("trainee__last_name", "trainee__first_name", "pk")
    )
    components = list(Component.objects.filter(order=order).order_by("code"))
    exits = {
        (x.enrolment_id, x.component_id): x for x in ComponentExit.objects.filter(enrolment__order=order)
    }
    return enrolments, components, exits


def closing_status(order: Order, *, real_end: dt.date | None = None) -> ClosingStatus:
    """What is missing among the seed's three conditions to close ``order`` (a constant number of queries).

    1. every trainee has an exit date on every component (on the enrolment when the action has
       no component);
    2. every bilan à la sortie is validated;
    3. a real end date (``real_end`` if given, else the order's), equal to the last exit and to the
       planned end — unless an approved change request set that date.

    ``can_close`` is true when nothing is missing and the order is still open; ``is_closed`` when
    it is closed or archived (billing: a CRE final needs ``not missing and is_closed``).
    """
    enrolments, components, exits = order_exit_table(order)
    # 1. exits
    exit_missing = []
    if components:
        for component in components:
            without = [e for e in enrolments if (e.pk, component.pk) not in exits]
            if without:
                n = len(without)
                exit_missing.append(
                    f"{n} {_plural(n, 'stagiaire', 'stagiaires')} sans date de sortie sur la composante "
                    f"{component.code} : {_names(without)}"
                )
        exit_dates = [x.exit_date for x in exits.values()]
    else:
        without = [e for e in enrolments if e.exit_date is None]
        if without:
            n = len(without)
            exit_missing.append(
                f"{n} {_plural(n, 'stagiaire', 'stagiaires')} sans date de sortie : {_names(without)}"
            )
        exit_dates = [e.exit_date for e in enrolments if e.exit_date]
    last_exit = max(exit_dates) if exit_dates else None
    # 2. bilans
    states = dict(ExitAssessment.objects.filter(enrolment__order=order).values_list("enrolment_id", "state"))
    not_validated = [e for e in enrolments if states.get(e.pk) != AssessmentState.VALIDATED]
    assessment_missing = []
    if not_validated:
        n = len(not_validated)
        details = ", ".join(
            f"{e.trainee} ({AssessmentState(states.get(e.pk, AssessmentState.TO_ENTER)).label.lower()})"
            for e in not_validated
        )
        assessment_missing.append(f"{n} {_plural(n, 'bilan non validé', 'bilans non validés')} : {details}")
    # 3. real end date
    end = real_end if real_end is not None else order.real_end
    approved = _approved_end_dates(order)
    end_missing = []
    if end is None:
        end_missing.append("Date de fin réelle manquante")
        if last_exit and last_exit != order.planned_end and last_exit not in approved:
            verb = "précède" if last_exit < order.planned_end else "suit"
            end_missing.append(
                f"La dernière sortie ({format_date(last_exit)}) {verb} la date de fin prévue "
                f"({format_date(order.planned_end)}) : déposez une demande de modification de la date de fin"
            )
    elif end not in approved:
        if last_exit and end != last_exit:
            end_missing.append(
                f"La date de fin réelle ({format_date(end)}) diffère de la dernière sortie "
                f"({format_date(last_exit)}) : déposez une demande de modification"
            )
        elif end != order.planned_end:
            end_missing.append(
                f"La date de fin réelle ({format_date(end)}) diffère de la date de fin prévue "
                f"({format_date(order.planned_end)}) : déposez une demande de modification de la date de fin"
            )
    conditions = [
        ClosingCondition(
            "exits",
            "Une date de sortie pour tous les stagiaires sur l'ensemble des composantes",
            exit_missing,
        ),
        ClosingCondition("assessments", "Les bilans à la sortie saisis et validés", assessment_missing),
        ClosingCondition("end_date", "Une date de fin réelle de l'action", end_missing),
    ]
    missing = exit_missing + assessment_missing + end_missing
    is_closed = order.status in (OrderStatus.CLOSED, OrderStatus.ARCHIVED)
    return ClosingStatus(
        missing=missing,
        can_close=not missing and order.status == OrderStatus.OPEN,
        last_exit=last_exit,
        is_closed=is_closed,
        conditions=conditions,
        real_end=end,
    )


# --------------------------------------------------------------------------------------------
# 1. Sortie des stagiaires
# --------------------------------------------------------------------------------------------


def _require_open(order, what: str):
    """What closing freezes: refused on a closed or archived action."""
    refusal = order.write_refusal(what)
    if refusal:
        raise ClosingError(refusal)


def _require_not_archived(order_id: int, what: str) -> None:
    """What follows the closing (questionnaires, change requests): refused on an archived action only.

    Locks the action (call inside ``transaction.atomic``) so that an archiving waits for the write.
    """
    status = (
        Order.objects.select_for_update(no_key=True)
        .filter(pk=order_id)
        .values_list("status", flat=True)
        .get()
    )
    refusal = write_refusal(status, what, allow_closed=True)
    if refusal:
        raise ClosingError(refusal)


@dataclass(frozen=True)
class ExitEntry:
    """One component's exit as a form gives it (``exit_date`` None clears the exit)."""

    exit_date: dt.date | None
    reason: str = ""
    reason_detail: str = ""


def _check_entry(enrolment, component, entry: ExitEntry, today: dt.date) -> None:
    where = f"{enrolment.trainee}, composante {component.code}"
    if entry.exit_date is None:
        return
    if entry.reason not in ExitReason.values:
        raise ClosingError(f"{where} : indiquez le motif de sortie.")
    if entry.reason in REASONS_WITH_DETAIL and not entry.reason_detail.strip():
        what = "la raison de l'abandon" if entry.reason == ExitReason.DROPOUT else "le motif « Autre »"
        raise ClosingError(f"{where} : précisez {what}.")
    if entry.exit_date < enrolment.entry_date:
        raise ClosingError(
            f"{where} : la date de sortie ({format_date(entry.exit_date)}) précède la date d'entrée "
            f"({format_date(enrolment.entry_date)})."
        )
    if entry.exit_date > today:
        raise ClosingError(f"{where} : la date de sortie ({format_date(entry.exit_date)}) est dans le futur.")


def _days_with_hours_after(enrolment, day: dt.date) -> list[dt.date]:
    """Days carrying hours after ``day`` (a month total counts when its month starts after ``day``)."""
    from formarche.attendance.models import Attendance

    return list(
        Attendance.objects.filter(enrolment=enrolment, day__gt=day)
        .exclude(realised_hours=0, counted_unrealised_hours=0)
        .order_by("day")
        .values_list("day", flat=True)
    )


def enrolment_exit_sync(*, enrolment: Enrolment, by=None) -> Enrolment:
    """Keep ``Enrolment.exit_date/exit_reason`` equal to the latest component exit.

    Set when every component has an exit (the trainee has left the action), cleared otherwise.
    The six-month questionnaire follows: created or re-dated with the exit, removed with it
    (unless it is already answered).
    """
    components = list(Component.objects.filter(order_id=enrolment.order_id).values_list("pk", flat=True))
    if not components:
        return enrolment  # no component: the enrolment's own exit (trainees app) is the exit
    exits = list(ComponentExit.objects.filter(enrolment=enrolment).order_by("-exit_date", "component__code"))
    complete = {x.component_id for x in exits} >= set(components)
    latest = exits[0] if complete and exits else None
    fields = {
        "exit_date": latest.exit_date if latest else None,
        "exit_reason": latest.reason if latest else "",
        "exit_reason_detail": latest.reason_detail if latest else "",
    }
    if any(getattr(enrolment, k) != v for k, v in fields.items()):
        for k, v in fields.items():
            setattr(enrolment, k, v)
        _as(enrolment, by, "Sortie des stagiaires (dernière sortie des composantes)").save(
            update_fields=list(fields)
        )
    _followup_sync(enrolment)
    return enrolment


def _followup_sync(enrolment: Enrolment) -> None:
    questionnaire = FollowUpQuestionnaire.objects.filter(enrolment=enrolment).first()
    if enrolment.exit_date is None:
        if questionnaire and not questionnaire.is_validated:
            questionnaire.delete()
        return
    due = followup_due_date(enrolment.exit_date)
    if questionnaire is None:
        FollowUpQuestionnaire.objects.create(enrolment=enrolment, due_date=due)
    elif questionnaire.due_date != due and not questionnaire.is_validated:
        questionnaire.due_date = due
        questionnaire.save(update_fields=["due_date", "updated_at"])


def component_exit_set(
    *,
    enrolment: Enrolment,
    component: Component,
    exit_date: dt.date | None,
    reason: str = "",
    reason_detail: str = "",
    by=None,
    today: dt.date | None = None,
) -> ComponentExit | None:
    """Record (or clear, with ``exit_date=None``) one trainee's exit from one component."""
    return trainee_exits_set(
        enrolment=enrolment,
        exits={component: ExitEntry(exit_date, reason, reason_detail)},
        by=by,
        today=today,
    ).get(component.pk)


@transaction.atomic
def trainee_exits_set(
    *,
    enrolment: Enrolment,
    exits: dict[Component, ExitEntry],
    certification_result: str | None = None,
    by=None,
    today: dt.date | None = None,
) -> dict[int, ComponentExit]:
    """Record a trainee's exits on several components (and the certification result), all or nothing.

    Refused: a closed action, a component of another action, a missing reason or detail, an exit
    before the entry or in the future, and hours recorded after the trainee's exit from the action.
    """
    today = today or timezone.localdate()
    order = Order.objects.select_for_update().get(pk=enrolment.order_id)
    _require_open(order, "les sorties ne sont plus modifiables.")
    enrolment = (
        Enrolment.objects.select_related("trainee").select_for_update(of=("self",)).get(pk=enrolment.pk)
    )
    for component, entry in exits.items():
        if component.order_id != enrolment.order_id:
            raise ClosingError("Cette composante n'appartient pas à l'action du stagiaire.")
        _check_entry(enrolment, component, entry, today)
    if certification_result is not None and certification_result not in ("", *CertificationResult.values):
        raise ClosingError("Résultat de certification inconnu.")
    saved: dict[int, ComponentExit] = {}
    for component, entry in exits.items():
        current = ComponentExit.objects.filter(enrolment=enrolment, component=component).first()
        if entry.exit_date is None:
            if current:
                _as(current, by, "Sortie effacée").delete()
            continue
        row = current or ComponentExit(enrolment=enrolment, component=component)
        row.exit_date = entry.exit_date
        row.reason = entry.reason
        row.reason_detail = entry.reason_detail.strip()
        row.updated_by = by
        _as(row, by).save()
        saved[component.pk] = row
    all_exits = list(
        ComponentExit.objects.filter(enrolment=enrolment).values_list("component_id", "exit_date")
    )
    components = set(Component.objects.filter(order=order).values_list("pk", flat=True))
    if components and {c for c, _ in all_exits} >= components:
        last = max(d for _, d in all_exits)
        late = _days_with_hours_after(enrolment, last)
        if late:
            raise ClosingError(
                f"{enrolment.trainee} : des heures sont enregistrées après la sortie du "
                f"{format_date(last)} ({', '.join(format_date(d) for d in late[:10])}"
                f"{' …' if len(late) > 10 else ''}). Supprimez-les ou choisissez une date de sortie plus tardive.",
            )
    enrolment_exit_sync(enrolment=enrolment, by=by)
    if certification_result is not None:
        outcome, _ = ExitOutcome.objects.get_or_create(enrolment=enrolment)
        if outcome.certification_result != certification_result:
            outcome.certification_result = certification_result
            _as(outcome, by).save()
    return saved


def exits_set_for_all_components(
    *, enrolment: Enrolment, entry: ExitEntry, certification_result: str | None = None, by=None, today=None
) -> dict[int, ComponentExit]:
    """« Même sortie sur toutes les composantes »."""
    components = list(Component.objects.filter(order_id=enrolment.order_id))
    if not components:
        raise ClosingError("L'action n'a aucune composante : indiquez la sortie sur la fiche d'inscription.")
    return trainee_exits_set(
        enrolment=enrolment,
        exits={c: entry for c in components},
        certification_result=certification_result,
        by=by,
        today=today,
    )


# --------------------------------------------------------------------------------------------
# 2. Bilans de situation and questionnaires de suivi
# --------------------------------------------------------------------------------------------


DRAFT = "draft"
VALIDATE = "validate"


def _situation_fields(
    *, situation: str, job_title: str, employer_postcode: str, comment: str, validate: bool
):
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
    if action not in (DRAFT, VALIDATE):
        raise ClosingError("Action inconnue : enregistrer en brouillon ou valider.")
    now = now or timezone.now()
    order = Order.objects.select_for_update().get(pk=enrolment.order_id)
    _require_open(order, "les bilans ne sont plus modifiables.")
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
    if action == DRAFT and assessment.is_validated:
        raise ClosingError("Ce bilan est validé : corrigez-le puis validez-le de nouveau.")
    if action == VALIDATE and enrolment.exit_date is None:
        raise ClosingError(
            f"{enrolment.trainee} n'a pas encore de date de sortie (sur toutes les composantes) : "
            "le bilan à la sortie se valide après la sortie."
        )
    for k, v in values.items():
        setattr(assessment, k, v)
    if action == VALIDATE:
        assessment.state = AssessmentState.VALIDATED
        assessment.validated_at = now
        assessment.validated_by = by
    else:
        assessment.state = AssessmentState.DRAFT
    _as(assessment, by).save()
    return assessment


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
    if action not in (DRAFT, VALIDATE):
        raise ClosingError("Action inconnue : enregistrer en brouillon ou valider.")
    now = now or timezone.now()
    _require_not_archived(
        Enrolment.objects.values_list("order_id", flat=True).get(pk=questionnaire.enrolment_id),
        "le questionnaire de suivi n'est plus modifiable.",
    )
    questionnaire = FollowUpQuestionnaire.objects.select_for_update().get(pk=questionnaire.pk)
    if questionnaire.is_validated and questionnaire.answered_by == AnsweredBy.TRAINEE:
        raise ClosingError(
            "Le stagiaire a déjà répondu à ce questionnaire : sa réponse n'est pas modifiable."
        )
    if action == DRAFT and questionnaire.is_validated:
        raise ClosingError("Ce questionnaire est validé : corrigez-le puis validez-le de nouveau.")
    values = _situation_fields(
        situation=situation,
        job_title=job_title,
        employer_postcode=employer_postcode,
        comment=comment,
        validate=action == VALIDATE,
    )
    for k, v in values.items():
        setattr(questionnaire, k, v)
    if action == VALIDATE:
        questionnaire.state = AssessmentState.VALIDATED
        questionnaire.answered_by = AnsweredBy.OF
        questionnaire.answered_at = now
        FollowUpLink.objects.filter(questionnaire=questionnaire, used_at__isnull=True).update(used_at=now)
    else:
        questionnaire.state = AssessmentState.DRAFT
    _as(questionnaire, by).save()
    return questionnaire


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


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
    _require_not_archived(
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


def followup_link_check(token: str, *, now: dt.datetime | None = None) -> FollowUpLink:
    """The usable link for ``token``, or :class:`FollowUpLinkInvalid` (unknown, used or expired alike)."""
    now = now or timezone.now()
    if not token or len(token) > 200:
        raise FollowUpLinkInvalid("Ce lien n'est pas valide ou a expiré.")
    link = (
        FollowUpLink.objects.select_related(
            "questionnaire__enrolment__order", "questionnaire__enrolment__trainee"
        )
        .filter(token_hash=hash_token(token))
        .first()
    )
    if link is None or not link.is_usable(now) or link.questionnaire.is_validated:
        raise FollowUpLinkInvalid("Ce lien n'est pas valide ou a expiré.")
    return link


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
    link = followup_link_check(token, now=now)
    _require_not_archived(
        link.questionnaire.enrolment.order_id, "le questionnaire de suivi ne peut plus être rempli."
    )
    link = FollowUpLink.objects.select_for_update().get(pk=link.pk)
    if not link.is_usable(now):  # answered in another tab meanwhile
        raise FollowUpLinkInvalid("Ce lien n'est pas valide ou a expiré.")
    values = _situation_fields(
        situation=situation,
        job_title=job_title,
        employer_postcode=employer_postcode,
        comment=comment,
        validate=True,
    )
    questionnaire = FollowUpQuestionnaire.objects.select_for_update().get(pk=link.questionnaire_id)
    for k, v in values.items():
        setattr(questionnaire, k, v)
    questionnaire.state = AssessmentState.VALIDATED
    questionnaire.answered_by = AnsweredBy.TRAINEE
    questionnaire.answered_at = now
    _as(questionnaire, None, "Réponse du stagiaire par lien").save()
    FollowUpLink.objects.filter(questionnaire=questionnaire, used_at__isnull=True).update(used_at=now)
    return questionnaire


# --------------------------------------------------------------------------------------------
# 3. Demandes de modification de données
# --------------------------------------------------------------------------------------------


def _has_validated_periods(order) -> bool:
    from formarche.billing.models import Period, PeriodStatus

    return Period.objects.filter(order=order, status=PeriodStatus.VALIDATED).exists()


def _decimal(value, what: str, places: int) -> Decimal:
    try:
        number = Decimal(str(value).replace(",", ".").replace(" ", "").replace("\u202f", ""))
    except (InvalidOperation, ValueError) as exc:
        raise ClosingError(f"{what} : nombre attendu.") from exc
    if not number.is_finite() or number <= 0:
        raise ClosingError(f"{what} : un nombre positif est attendu.")
    if number != number.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP):
        raise ClosingError(f"{what} : {places} décimales au plus.")
    return number


def _iso(value):
    return value.isoformat() if value else None


def _change_values(order, kind, new_values: dict, enrolment) -> tuple[dict, dict]:
    """(old, new) for the request, checked and normalised (JSON-friendly strings)."""
    if kind == ChangeKind.END_DATE:
        end = new_values.get("end_date")
        if isinstance(end, str):
            try:
                end = dt.date.fromisoformat(end)
            except ValueError as exc:
                raise ClosingError("Date de fin : date attendue.") from exc
        if not isinstance(end, dt.date):
            raise ClosingError("Indiquez la nouvelle date de fin.")
        if end < order.planned_start:
            raise ClosingError(
                f"La date de fin ({format_date(end)}) précède le début de l'action ({format_date(order.planned_start)})."
            )
        if end == order.planned_end and end == order.real_end:
            raise ClosingError("La date de fin de l'action est déjà celle-ci.")
        return {"planned_end": _iso(order.planned_end), "real_end": _iso(order.real_end)}, {
            "end_date": _iso(end)
        }
    if kind in (ChangeKind.VOLUME, ChangeKind.UNIT_PRICE):
        if _has_validated_periods(order):
            raise ClosingError(
                "Des périodes sont déjà validées (facturées) : le volume et le prix ne sont plus modifiables "
                "par une demande en ligne. Contactez votre référent à la Région."
            )
        volume = order.contracted_hours
        old = {"volume_hours": str(volume), "unit_price": str(order.unit_price), "amount": str(order.amount)}
        if kind == ChangeKind.VOLUME:
            new_volume = _decimal(new_values.get("volume_hours"), "Volume", 2)
            amount = round_cents(new_volume * order.unit_price)
            new = {"volume_hours": str(new_volume), "amount": str(amount)}
        else:
            price = _decimal(new_values.get("unit_price"), "Prix unitaire", 4)
            amount = round_cents(volume * price)
            new = {"unit_price": str(price), "amount": str(amount)}
        if Decimal(new["amount"]) == order.amount and kind == ChangeKind.VOLUME:
            raise ClosingError("Le volume demandé est celui de la commande.")
        if kind == ChangeKind.UNIT_PRICE and Decimal(new["unit_price"]) == order.unit_price:
            raise ClosingError("Le prix demandé est celui de la commande.")
        return old, new
    if kind == ChangeKind.TRAINEE_IDENTITY:
        if enrolment is None or enrolment.order_id != order.pk:
            raise ClosingError("Choisissez un stagiaire inscrit sur cette action.")
        trainee = enrolment.trainee
        old = {
            "last_name": trainee.last_name,
            "first_name": trainee.first_name,
            "birth_date": _iso(trainee.birth_date),
        }
        new = {}
        for key in ("last_name", "first_name"):
            value = (new_values.get(key) or "").strip()
            if value and value != old[key]:
                new[key] = value
        birth = new_values.get("birth_date")
        if isinstance(birth, str) and birth:
            try:
                birth = dt.date.fromisoformat(birth)
            except ValueError as exc:
                raise ClosingError("Date de naissance : date attendue.") from exc
        if isinstance(birth, dt.date) and birth.isoformat() != old["birth_date"]:
            new["birth_date"] = birth.isoformat()
        if not new:
            raise ClosingError("Indiquez au moins une donnée d'identité à corriger.")
        return old, new
    raise ClosingError("Objet de demande inconnu.")


@transaction.atomic
def change_request_create(
    *,
    order: Order,
    kind: str,
    new_values: dict,
    reason: str,
    by=None,
    enrolment: Enrolment | None = None,
    now: dt.datetime | None = None,
) -> ChangeRequest:
    """The OF asks the Région to change contractual data, with a reason."""
    now = now or timezone.now()
    order = Order.objects.select_for_update().get(pk=order.pk)
    if kind not in ChangeKind.values:
        raise ClosingError("Objet de demande inconnu.")
    # after the closing, only a trainee's identity may still be corrected
    refusal = order.write_refusal(
        "cette demande de modification n'est plus possible.",
        allow_closed=kind == ChangeKind.TRAINEE_IDENTITY,
    )
    if refusal:
        raise ClosingError(refusal)
    reason = (reason or "").strip()
    if not reason:
        raise ClosingError("Indiquez le motif de la demande.")
    if kind != ChangeKind.TRAINEE_IDENTITY:
        enrolment = None
    elif enrolment is not None:
        enrolment = Enrolment.objects.select_related("trainee").get(pk=enrolment.pk)
    old, new = _change_values(order, kind, new_values, enrolment)
    request = ChangeRequest(
        order=order,
        kind=kind,
        enrolment=enrolment,
        old_values=old,
        new_values=new,
        reason=reason,
        requested_at=now,
        requested_by=by,
    )
    try:
        with transaction.atomic():
            _as(request, by).save()
    except IntegrityError as exc:
        raise ClosingError(
            "Une demande du même type est déjà en attente de décision pour cette action"
            + (" et ce stagiaire." if enrolment else ".")
        ) from exc
    transaction.on_commit(lambda: notifications.change_request_filed(request))
    return request


def _decide(change_request, status, by, comment, now) -> ChangeRequest:
    change_request.status = status
    change_request.decided_at = now
    change_request.decided_by = by
    change_request.decision_comment = comment
    _as(change_request, by).save()
    transaction.on_commit(lambda: notifications.change_request_decided(change_request))
    return change_request


@transaction.atomic
def change_request_approve(
    *, change_request: ChangeRequest, by=None, comment: str = "", now: dt.datetime | None = None
) -> ChangeRequest:
    """The Région approves: the change is applied to the order (or trainee) in the same transaction,
    and the order's history names the request."""
    now = now or timezone.now()
    cr = ChangeRequest.objects.select_for_update().get(pk=change_request.pk)
    if not cr.is_pending:
        raise ClosingError(f"Cette demande est déjà {cr.get_status_display().lower()}.")
    order = Order.objects.select_for_update().get(pk=cr.order_id)
    reason = f"Demande de modification n° {cr.pk} acceptée"
    new = cr.new_values
    if cr.kind == ChangeKind.TRAINEE_IDENTITY:
        refusal = order.write_refusal("la demande ne peut plus être appliquée.", allow_closed=True)
        if refusal:
            raise ClosingError(refusal)
        from formarche.trainees.models import Trainee
        from formarche.trainees.services import TraineeError, trainee_update

        trainee = Enrolment.objects.get(pk=cr.enrolment_id).trainee
        fields = {k: v for k, v in new.items() if k in ("last_name", "first_name")}
        if "birth_date" in new:
            fields["birth_date"] = dt.date.fromisoformat(new["birth_date"])
        try:
            trainee_update(trainee=trainee, allow_closed=True, **fields)
        except TraineeError as exc:
            raise ClosingError(exc.message) from exc
        trainee = Trainee.objects.get(pk=trainee.pk)
    else:
        _require_open(order, "la demande ne peut plus être appliquée.")
        if cr.kind == ChangeKind.END_DATE:
            end = dt.date.fromisoformat(new["end_date"])
            if end < order.planned_start:
                raise ClosingError("La date de fin demandée précède le début de l'action.")
            order.planned_end = end
            order.real_end = end
            _as(order, by, reason).save(update_fields=["planned_end", "real_end"])
        else:
            if _has_validated_periods(order):
                raise ClosingError(
                    "Des périodes ont été validées depuis la demande : le volume et le prix ne sont plus modifiables."
                )
            if cr.kind == ChangeKind.UNIT_PRICE:
                order.unit_price = Decimal(new["unit_price"])
            order.amount = Decimal(new["amount"])
            _as(order, by, reason).save(update_fields=["unit_price", "amount"])
    return _decide(cr, ChangeStatus.APPROVED, by, (comment or "").strip(), now)


@transaction.atomic
def change_request_refuse(
    *, change_request: ChangeRequest, by=None, comment: str, now: dt.datetime | None = None
) -> ChangeRequest:
    """The Région refuses, saying why."""
    now = now or timezone.now()
    comment = (comment or "").strip()
    if not comment:
        raise ClosingError("Un refus est motivé : indiquez un commentaire.")
    cr = ChangeRequest.objects.select_for_update().get(pk=change_request.pk)
    if not cr.is_pending:
        raise ClosingError(f"Cette demande est déjà {cr.get_status_display().lower()}.")
    _require_not_archived(cr.order_id, "la demande ne peut plus être refusée.")
    return _decide(cr, ChangeStatus.REFUSED, by, comment, now)


# --------------------------------------------------------------------------------------------
# 4. Fermeture and archivage
# --------------------------------------------------------------------------------------------


@transaction.atomic
def order_real_end_set(*, order: Order, real_end: dt.date | None, by=None) -> Order:
    """Record the action's real end date (while it is open)."""
    order = Order.objects.select_for_update().get(pk=order.pk)
    _require_open(order, "sa date de fin réelle n'est plus modifiable.")
    if real_end is not None and real_end < order.planned_start:
        raise ClosingError(
            f"La date de fin réelle ({format_date(real_end)}) précède le début de l'action "
            f"({format_date(order.planned_start)})."
        )
    if order.real_end != real_end:
        order.real_end = real_end
        _as(order, by, "Date de fin réelle").save(update_fields=["real_end"])
    return order


@transaction.atomic
def order_close(*, order: Order, by=None, real_end: dt.date | None = None) -> Order:
    """Close the action once the three conditions hold; e-mail the OF's members and the référent.

    ``real_end``, when given, is recorded first (the seed's « Date de fin réelle* » field).
    """
    order = Order.objects.select_for_update().get(pk=order.pk)
    if order.status != OrderStatus.OPEN:
        raise ClosingError(f"L'action est déjà {order.get_status_display().lower()}.")
    if real_end is not None:
        order = order_real_end_set(order=order, real_end=real_end, by=by)
    status = closing_status(order)
    if status.missing:
        raise ClosingError("L'action ne peut pas encore être fermée.", errors=status.missing)
    order.status = OrderStatus.CLOSED
    _as(order, by, "Fermeture de l'action").save(update_fields=["status"])
    transaction.on_commit(lambda: notifications.order_closed(order, by))
    return order


@transaction.atomic
def order_archive(*, order: Order, by=None) -> Order:
    """Archive a closed action (Région, or the OF's manager)."""
    order = Order.objects.select_for_update().get(pk=order.pk)
    if order.status != OrderStatus.CLOSED:
        raise ClosingError("Seule une action fermée peut être archivée.")
    order.status = OrderStatus.ARCHIVED
    _as(order, by, "Archivage de l'action").save(update_fields=["status"])
    return order

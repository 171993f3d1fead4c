"""Reads of the closing area: what the pages show and what other apps ask.

:func:`closing_status` is the read side other apps call (billing before a CRE final); the other
functions are the queries of the closing pages (no ``.objects`` in ``views.py``).
"""

from __future__ import annotations

import calendar
import datetime as dt
import hashlib
from dataclasses import dataclass, field

from django.utils import timezone

from formarche.accounts.tenancy import get_scoped_or_404, scoped
from formarche.attendance.models import Attendance
from formarche.billing.models import Period, PeriodStatus, Solde
from formarche.billing.selectors import solde_payment_refusal
from formarche.closing.errors import FollowUpLinkInvalid
from formarche.closing.models import (
    AssessmentState,
    CertificationResult,
    ChangeKind,
    ChangeRequest,
    ComponentExit,
    ExitAssessment,
    ExitOutcome,
    FollowUpLink,
    FollowUpQuestionnaire,
)
from formarche.orders.models import Component, Order, OrderStatus
from formarche.trainees.models import Enrolment
from formarche.utils.formatting import format_date

FOLLOWUP_DELAY_MONTHS = 6
LINK_INVALID = "Ce lien n'est pas valide ou a expiré."
TRAINEE_ORDER = ("trainee__last_name", "trainee__first_name", "pk")


def _names(enrolments) -> str:
    return ", ".join(str(e.trainee) for e in enrolments)


def _plural(count: int, singular: str, plural: str) -> str:
    return singular if count == 1 else plural


# --------------------------------------------------------------------------------------------
# What is missing before the action can be closed
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

    @property
    def is_exits(self) -> bool:
        return self.key == "exits"

    @property
    def is_assessments(self) -> bool:
        return self.key == "assessments"


@dataclass(frozen=True)
class ClosingStatus:
    """``missing``: one French sentence per missing item, in the order of the seed's conditions."""

    missing: list[str]
    can_close: bool
    last_exit: dt.date | None
    is_closed: bool = False
    conditions: list[ClosingCondition] = field(default_factory=list)
    real_end: dt.date | None = None


def approved_end_dates(order) -> set[dt.date]:
    """The end dates set by the approved end-date change requests of ``order``."""
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
        Enrolment.objects.filter(order=order).select_related("trainee").order_by(*TRAINEE_ORDER)
    )
    components = order_components(order)
    exits = {
        (x.enrolment_id, x.component_id): x for x in ComponentExit.objects.filter(enrolment__order=order)
    }
    return enrolments, components, exits


def _exit_condition(enrolments, components, exits) -> tuple[list[str], dt.date | None]:
    """Condition 1 (every trainee has an exit on every component) and the last exit."""
    missing = []
    if components:
        for component in components:
            without = [e for e in enrolments if (e.pk, component.pk) not in exits]
            if without:
                n = len(without)
                missing.append(
                    f"{n} {_plural(n, 'stagiaire', 'stagiaires')} sans date de sortie sur la composante "
                    f"{component.code} : {_names(without)}"
                )
        exit_dates = [x.exit_date for x in exits.values()]
    else:
        without = [e for e in enrolments if e.exit_date is None]
        if without:
            n = len(without)
            missing.append(
                f"{n} {_plural(n, 'stagiaire', 'stagiaires')} sans date de sortie : {_names(without)}"
            )
        exit_dates = [e.exit_date for e in enrolments if e.exit_date]
    return missing, (max(exit_dates) if exit_dates else None)


def _assessment_condition(order, enrolments) -> list[str]:
    """Condition 2: every bilan à la sortie is validated."""
    states = dict(ExitAssessment.objects.filter(enrolment__order=order).values_list("enrolment_id", "state"))
    not_validated = [e for e in enrolments if states.get(e.pk) != AssessmentState.VALIDATED]
    if not not_validated:
        return []
    n = len(not_validated)
    details = ", ".join(
        f"{e.trainee} ({AssessmentState(states.get(e.pk, AssessmentState.TO_ENTER)).label.lower()})"
        for e in not_validated
    )
    return [f"{n} {_plural(n, 'bilan non validé', 'bilans non validés')} : {details}"]


def _end_date_condition(order, end: dt.date | None, last_exit: dt.date | None) -> list[str]:
    """Condition 3: a real end date, equal to the last exit and to the planned end (unless approved)."""
    approved = approved_end_dates(order)
    missing = []
    if end is None:
        missing.append("Date de fin réelle manquante")
        if last_exit and last_exit != order.planned_end and last_exit not in approved:
            verb = "précède" if last_exit < order.planned_end else "suit"
            missing.append(
                f"La dernière sortie ({format_date(last_exit)}) {verb} la date de fin prévue "
                f"({format_date(order.planned_end)}) : déposez une demande de modification de la date de fin"
            )
    elif end not in approved:
        if last_exit and end != last_exit:
            missing.append(
                f"La date de fin réelle ({format_date(end)}) diffère de la dernière sortie "
                f"({format_date(last_exit)}) : déposez une demande de modification"
            )
        elif end != order.planned_end:
            missing.append(
                f"La date de fin réelle ({format_date(end)}) diffère de la date de fin prévue "
                f"({format_date(order.planned_end)}) : déposez une demande de modification de la date de fin"
            )
    return missing


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
    exit_missing, last_exit = _exit_condition(enrolments, components, exits)
    assessment_missing = _assessment_condition(order, enrolments)
    end = real_end if real_end is not None else order.real_end
    end_missing = _end_date_condition(order, end, last_exit)
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
    return ClosingStatus(
        missing=missing,
        can_close=not missing and order.status == OrderStatus.OPEN,
        last_exit=last_exit,
        is_closed=order.status in (OrderStatus.CLOSED, OrderStatus.ARCHIVED),
        conditions=conditions,
        real_end=end,
    )


# --------------------------------------------------------------------------------------------
# Reads of the services
# --------------------------------------------------------------------------------------------


def add_months_to_day(day: dt.date, months: int) -> dt.date:
    """Same day ``months`` later, clamped to the end of a shorter month (31/08 + 6 → 28/02)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def followup_due_date(exit_date: dt.date) -> dt.date:
    """The questionnaire de suivi is due six months after the exit."""
    return add_months_to_day(exit_date, FOLLOWUP_DELAY_MONTHS)


def order_components(order) -> list[Component]:
    return list(Component.objects.filter(order=order).order_by("code"))


def days_with_hours_after(enrolment, day: dt.date) -> list[dt.date]:
    """Days carrying hours after ``day`` (a month total counts when its month starts after ``day``)."""
    return list(
        Attendance.objects.filter(enrolment=enrolment, day__gt=day)
        .exclude(realised_hours=0, counted_unrealised_hours=0)
        .order_by("day")
        .values_list("day", flat=True)
    )


def has_validated_periods(order) -> bool:
    return Period.objects.filter(order=order, status=PeriodStatus.VALIDATED).exists()


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def followup_link_check(token: str, *, now: dt.datetime | None = None) -> FollowUpLink:
    """The usable link for ``token``, or :class:`FollowUpLinkInvalid` (unknown, used or expired alike)."""
    now = now or timezone.now()
    if not token or len(token) > 200:
        raise FollowUpLinkInvalid(LINK_INVALID)
    link = (
        FollowUpLink.objects.select_related(
            "questionnaire__enrolment__order", "questionnaire__enrolment__trainee"
        )
        .filter(token_hash=hash_token(token))
        .first()
    )
    if link is None or not link.is_usable(now) or link.questionnaire.is_validated:
        raise FollowUpLinkInvalid(LINK_INVALID)
    return link


# --------------------------------------------------------------------------------------------
# Reads of the pages
# --------------------------------------------------------------------------------------------


def order_for_page(tenant, order_id) -> Order:
    return get_scoped_or_404(Order.objects.with_labels(), tenant, pk=order_id)


def enrolment_for_page(tenant, order, enrolment_id) -> Enrolment:
    return get_scoped_or_404(
        Enrolment.objects.select_related("trainee").filter(order=order), tenant, pk=enrolment_id
    )


def enrolments_with(order, *related: str) -> list[Enrolment]:
    """The trainees of ``order`` by name, with ``related`` (e.g. their bilan or questionnaire)."""
    return list(
        Enrolment.objects.filter(order=order).select_related("trainee", *related).order_by(*TRAINEE_ORDER)
    )


def enrolments_by_last_name(order) -> list[Enrolment]:
    return list(
        Enrolment.objects.filter(order=order).select_related("trainee").order_by("trainee__last_name")
    )


def certification_labels(order) -> dict[int, str]:
    """{enrolment_id: the label of its certification result} ("Non renseigné" when missing)."""
    results = dict(
        ExitOutcome.objects.filter(enrolment__order=order).values_list("enrolment_id", "certification_result")
    )
    labels = dict(CertificationResult.choices)
    return {enrolment_id: labels.get(result, "Non renseigné") for enrolment_id, result in results.items()}


def exit_outcome(enrolment) -> ExitOutcome | None:
    return ExitOutcome.objects.filter(enrolment=enrolment).first()


def assessment_of(enrolment) -> ExitAssessment | None:
    return ExitAssessment.objects.filter(enrolment=enrolment).first()


def followup_of(enrolment) -> FollowUpQuestionnaire | None:
    return FollowUpQuestionnaire.objects.filter(enrolment=enrolment).first()


def followups_due(tenant, horizon: dt.date):
    """The questionnaires still to fill in, due by ``horizon``, earliest first."""
    return (
        scoped(FollowUpQuestionnaire, tenant)
        .pending()
        .filter(due_date__lte=horizon)
        .select_related("enrolment__trainee", "enrolment__order")
        .order_by("due_date", "pk")
    )


def followups_overdue_count(tenant, today: dt.date) -> int:
    return scoped(FollowUpQuestionnaire, tenant).overdue(today).count()


def order_is_archived(order_id: int) -> bool:
    return Order.objects.filter(pk=order_id, status=OrderStatus.ARCHIVED).exists()


def change_requests_for(tenant):
    return scoped(ChangeRequest, tenant).select_related(
        "order", "enrolment__trainee", "requested_by", "decided_by"
    )


def change_request_for_page(tenant, change_request_id) -> ChangeRequest:
    return get_scoped_or_404(change_requests_for(tenant), tenant, pk=change_request_id)


def change_request_to_decide(tenant, change_request_id) -> ChangeRequest:
    return get_scoped_or_404(ChangeRequest, tenant, pk=change_request_id)


def change_request_history(change_request) -> list:
    """The request's history rows, oldest first; ``is_creation`` on the row of its filing."""
    rows = list(change_request.history.select_related("history_user").order_by("history_date"))
    for row in rows:
        row.is_creation = row.history_type == "+"
    return rows


def change_request_order_history(change_request) -> list:
    """The order's history rows written by the approval of the request."""
    return list(
        change_request.order.history.filter(
            history_change_reason=f"Demande de modification n° {change_request.pk} acceptée"
        ).select_related("history_user")
    )


@dataclass(frozen=True)
class ClosingEvent:
    """One step of the action's closing history: fermée, rouverte (with the Région's reason),
    fermée de nouveau, archivée — who and when."""

    label: str
    at: dt.datetime
    by: str
    reason: str = ""
    is_reopening: bool = False


def _who(user) -> str:
    return (user.get_full_name() or user.email) if user is not None else "—"


def closing_history(order) -> list[ClosingEvent]:
    """Closed → reopened → closed again → archived, oldest first (two queries): the status changes
    of the order's history, the reopenings' reasons (ADR 0021)."""
    reopenings = list(order.reopenings.select_related("reopened_by").order_by("reopened_at", "pk"))
    rows = order.history.only("status", "history_date", "history_user").select_related("history_user")
    events, previous, reopened = [], None, iter(reopenings)
    for row in rows.order_by("history_date", "history_id"):
        if row.status != previous:
            if row.status == OrderStatus.CLOSED:
                label = "Fermée de nouveau" if previous == OrderStatus.OPEN and events else "Fermée"
                events.append(ClosingEvent(label, row.history_date, _who(row.history_user)))
            elif row.status == OrderStatus.ARCHIVED:
                events.append(ClosingEvent("Archivée", row.history_date, _who(row.history_user)))
            elif previous == OrderStatus.CLOSED:
                reopening = next(reopened, None)
                events.append(
                    ClosingEvent(
                        "Rouverte par la Région",
                        reopening.reopened_at if reopening else row.history_date,
                        _who(reopening.reopened_by if reopening else row.history_user),
                        reopening.reason if reopening else "",
                        is_reopening=True,
                    )
                )
        previous = row.status
    return events


def order_solde_issued(order) -> bool:
    """An issued solde (not annulled) that a reopening would annul."""
    return Solde.objects.filter(order=order, voided_at__isnull=True).exists()


def pending_reopening(order):
    """The reopening the OF has yet to close again (None when the action was not reopened)."""
    return order.reopenings.filter(reclosed_at__isnull=True).select_related("reopened_by").first()


def reopen_refusal(order: Order) -> str | None:
    """Why ``order`` cannot be reopened now (French), or None: only a closed action whose solde
    is not paid (ADR 0021). Reads ``order.status`` as loaded: lock the row first to act on it."""
    if order.status == OrderStatus.OPEN:
        return "L'action est ouverte : il n'y a rien à rouvrir."
    if order.status == OrderStatus.ARCHIVED:
        return "L'action est archivée : elle ne peut plus être rouverte."
    refusal = solde_payment_refusal(order)
    if refusal:
        return f"{refusal} L'action ne peut plus être rouverte."
    return None


def pending_end_date_request(order) -> ChangeRequest | None:
    return ChangeRequest.objects.filter(order=order, kind=ChangeKind.END_DATE).pending().first()


def pending_change_requests_count(tenant) -> int:
    return scoped(ChangeRequest, tenant).pending().count()

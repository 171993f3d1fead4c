"""Sortie des stagiaires: one exit per enrolment and component, kept in step with the enrolment.

``trainee_exits_set`` records them all or nothing; ``enrolment_exit_sync`` then sets the
enrolment's exit to the latest component exit and creates or re-dates the six-month questionnaire.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from formarche.closing import selectors
from formarche.closing.errors import ClosingError
from formarche.closing.models import (
    REASONS_WITH_DETAIL,
    CertificationResult,
    ComponentExit,
    ExitOutcome,
    FollowUpQuestionnaire,
)
from formarche.closing.services._common import as_author, require_open
from formarche.orders.models import Component, Order
from formarche.trainees.models import Enrolment, ExitReason
from formarche.utils.formatting import format_date


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
        as_author(enrolment, by, "Sortie des stagiaires (dernière sortie des composantes)").save(
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
    due = selectors.followup_due_date(enrolment.exit_date)
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


def _exits_write(enrolment, exits: dict[Component, ExitEntry], by) -> dict[int, ComponentExit]:
    """Create, update or delete the component exits as given."""
    saved: dict[int, ComponentExit] = {}
    for component, entry in exits.items():
        current = ComponentExit.objects.filter(enrolment=enrolment, component=component).first()
        if entry.exit_date is None:
            if current:
                as_author(current, by, "Sortie effacée").delete()
            continue
        row = current or ComponentExit(enrolment=enrolment, component=component)
        row.exit_date = entry.exit_date
        row.reason = entry.reason
        row.reason_detail = entry.reason_detail.strip()
        row.updated_by = by
        as_author(row, by).save()
        saved[component.pk] = row
    return saved


def _refuse_hours_after_exit(order, enrolment) -> None:
    """Once every component has an exit, no hours may be recorded after the latest one."""
    all_exits = list(
        ComponentExit.objects.filter(enrolment=enrolment).values_list("component_id", "exit_date")
    )
    components = set(Component.objects.filter(order=order).values_list("pk", flat=True))
    if not components or not {c for c, _ in all_exits} >= components:
        return
    last = max(d for _, d in all_exits)
    late = selectors.days_with_hours_after(enrolment, last)
    if late:
        raise ClosingError(
            f"{enrolment.trainee} : des heures sont enregistrées après la sortie du "
            f"{format_date(last)} ({', '.join(format_date(d) for d in late[:10])}"
            f"{' …' if len(late) > 10 else ''}). Supprimez-les ou choisissez une date de sortie plus tardive.",
        )


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
    require_open(order, "les sorties ne sont plus modifiables.")
    enrolment = (
        Enrolment.objects.select_related("trainee").select_for_update(of=("self",)).get(pk=enrolment.pk)
    )
    for component, entry in exits.items():
        if component.order_id != enrolment.order_id:
            raise ClosingError("Cette composante n'appartient pas à l'action du stagiaire.")
        _check_entry(enrolment, component, entry, today)
    if certification_result is not None and certification_result not in ("", *CertificationResult.values):
        raise ClosingError("Résultat de certification inconnu.")
    saved = _exits_write(enrolment, exits, by)
    _refuse_hours_after_exit(order, enrolment)
    enrolment_exit_sync(enrolment=enrolment, by=by)
    if certification_result is not None:
        outcome, _ = ExitOutcome.objects.get_or_create(enrolment=enrolment)
        if outcome.certification_result != certification_result:
            outcome.certification_result = certification_result
            as_author(outcome, by).save()
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

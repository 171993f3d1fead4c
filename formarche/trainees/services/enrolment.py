"""Writes on enrolments: enrol, change the entry, record the exit, change the payer or scheme."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db import IntegrityError, transaction

from formarche.orders.models import Order
from formarche.trainees.models import Enrolment, ExitReason, Payer, Trainee
from formarche.trainees.selectors import headcount_confirmation_label
from formarche.trainees.services.common import (
    HeadcountExceeded,
    TraineeError,
    _require_enrolment_writable,
)
from formarche.trainees.services.funding import _check_principal_against_co_fundings
from formarche.utils.formatting import format_date


def enrolment_create(
    *,
    order: Order,
    trainee: Trainee,
    entry_date: date | None = None,
    planned_hours: Decimal,
    payer: str = Payer.REGION,
    scheme: str = "",
    confirm_over_headcount: bool = False,
) -> Enrolment:
    """Enrol a trainee on an action.

    Refused: another OF's trainee, a closed action, a double enrolment, an entry date outside the
    action, negative hours; beyond the planned headcount without ``confirm_over_headcount``
    (:class:`HeadcountExceeded`).
    """
    entry_date = entry_date or order.actual_start or order.planned_start
    if trainee.organisation_id != order.provider_id and not (
        order.members.filter(organisation_id=trainee.organisation_id).exists()
    ):
        raise TraineeError("Ce stagiaire n'appartient pas au registre de l'organisme qui réalise l'action.")
    refusal = order.write_refusal("on ne peut plus y inscrire de stagiaire.")
    if refusal:
        raise TraineeError(refusal, code="action_fermee")
    if planned_hours is None or planned_hours < 0:
        raise TraineeError("Les heures prévues ne peuvent pas être négatives.")
    if payer not in Payer.values:
        raise TraineeError("Financeur inconnu.")
    end = order.real_end or order.planned_end
    if entry_date < order.planned_start or entry_date > end:
        raise TraineeError(
            f"La date d'entrée doit être comprise entre le début ({format_date(order.planned_start)}) "
            f"et la fin ({format_date(end)}) de l'action."
        )
    with transaction.atomic():
        # Lock the order so that two enrolments at once cannot both pass the headcount check.
        order = Order.objects.select_for_update().get(pk=order.pk)
        if Enrolment.objects.filter(order=order, trainee=trainee).exists():
            raise TraineeError(f"{trainee} est déjà inscrit(e) sur cette action.", code="deja_inscrit")
        count = Enrolment.objects.filter(order=order).count()
        if order.planned_headcount and count >= order.planned_headcount and not confirm_over_headcount:
            raise HeadcountExceeded(
                f"L'effectif prévu de l'action ({order.planned_headcount}) est atteint ({count} inscrits). "
                f"Cochez « {headcount_confirmation_label(order)} » pour inscrire quand même.",
                code="effectif",
            )
        try:
            with transaction.atomic():
                return Enrolment.objects.create(
                    order=order,
                    trainee=trainee,
                    entry_date=entry_date,
                    planned_hours=planned_hours,
                    payer=payer,
                    scheme=scheme.strip(),
                )
        except IntegrityError as exc:  # a concurrent enrolment of the same trainee
            raise TraineeError(
                f"{trainee} est déjà inscrit(e) sur cette action.", code="deja_inscrit"
            ) from exc


def enrolment_create_many(
    *,
    order: Order,
    trainees: list[Trainee],
    entry_date: date | None = None,
    planned_hours: Decimal,
    payer: str = Payer.REGION,
    scheme: str = "",
    confirm_over_headcount: bool = False,
) -> list[Enrolment]:
    """Enrol several trainees at once: all of them, or none (the first refusal is raised)."""
    if not trainees:
        raise TraineeError("Choisissez au moins un stagiaire.")
    with transaction.atomic():
        return [
            enrolment_create(
                order=order,
                trainee=trainee,
                entry_date=entry_date,
                planned_hours=planned_hours,
                payer=payer,
                scheme=scheme,
                confirm_over_headcount=confirm_over_headcount,
            )
            for trainee in trainees
        ]


def enrolment_update(
    *,
    enrolment: Enrolment,
    entry_date: date,
    planned_hours: Decimal,
    payer: str,
    scheme: str = "",
) -> Enrolment:
    """Change the entry date, planned hours or payer. No hours may fall before the new entry date.

    Refused on a closed or archived action."""
    if planned_hours is None or planned_hours < 0:
        raise TraineeError("Les heures prévues ne peuvent pas être négatives.")
    if payer not in Payer.values:
        raise TraineeError("Financeur inconnu.")
    with transaction.atomic():
        _require_enrolment_writable(enrolment.order_id, "les inscriptions ne sont plus modifiables.")
        enrolment = Enrolment.objects.select_for_update().select_related("order").get(pk=enrolment.pk)
        _check_principal_against_co_fundings(enrolment, payer=payer, planned_hours=planned_hours)
        if enrolment.exit_date and entry_date > enrolment.exit_date:
            raise TraineeError("La date d'entrée ne peut pas suivre la date de sortie.")
        early = _days_with_hours(enrolment, before=entry_date)
        if early:
            raise TraineeError(
                "Des heures sont enregistrées avant cette date d'entrée : "
                + ", ".join(format_date(d) for d in early)
                + ".",
                days=early,
            )
        enrolment.entry_date = entry_date
        enrolment.planned_hours = planned_hours
        enrolment.payer = payer
        enrolment.scheme = scheme.strip()
        enrolment.save()
        return enrolment


def _days_with_hours(
    enrolment: Enrolment, *, before: date | None = None, after: date | None = None
) -> list[date]:
    """Days (or months, for monthly totals) carrying hours outside the given bound."""
    rows = enrolment.attendances.exclude(realised_hours=0, counted_unrealised_hours=0)  # reverse relation
    days = []
    for row in rows.only("day", "kind").order_by("day"):
        first, last = row.span  # the day, or the month of a month total
        if after is not None and first > after:
            days.append(row.day)
        elif before is not None and last < before:
            days.append(row.day)
    return days


def enrolment_update_exit(
    *,
    enrolment: Enrolment,
    exit_date: date | None,
    exit_reason: str = "",
    exit_reason_detail: str = "",
) -> Enrolment:
    """Record (or clear) the exit of a trainee.

    Refused: a closed or archived action, exit before entry, an exit date without a reason, a
    reason "Autre" without detail, and hours recorded after the exit date (the message lists the days).
    """
    exit_reason = exit_reason or ""
    if exit_reason and exit_reason not in ExitReason.values:
        raise TraineeError("Motif de sortie inconnu.")
    with transaction.atomic():
        _require_enrolment_writable(enrolment.order_id, "les sorties ne sont plus modifiables.")
        enrolment = Enrolment.objects.select_for_update().get(pk=enrolment.pk)
        if exit_date is None:
            enrolment.exit_date = None
            enrolment.exit_reason = ""
            enrolment.exit_reason_detail = ""
            enrolment.save()
            return enrolment
        if exit_date < enrolment.entry_date:
            raise TraineeError(
                f"La date de sortie ({format_date(exit_date)}) précède la date d'entrée "
                f"({format_date(enrolment.entry_date)})."
            )
        if not exit_reason:
            raise TraineeError("Indiquez le motif de sortie.")
        if exit_reason == ExitReason.OTHER and not exit_reason_detail.strip():
            raise TraineeError("Précisez le motif de sortie « Autre ».")
        late = _days_with_hours(enrolment, after=exit_date)
        if late:
            raise TraineeError(
                f"Des heures sont enregistrées après le {format_date(exit_date)} : "
                + ", ".join(format_date(d) for d in late)
                + ". Supprimez-les ou choisissez une date de sortie plus tardive.",
                days=late,
            )
        enrolment.exit_date = exit_date
        enrolment.exit_reason = exit_reason
        enrolment.exit_reason_detail = exit_reason_detail.strip()
        enrolment.save()
        return enrolment


def enrolment_change(
    *,
    enrolment: Enrolment,
    entry_date: date,
    planned_hours: Decimal,
    payer: str,
    scheme: str = "",
    exit_date: date | None = None,
    exit_reason: str = "",
    exit_reason_detail: str = "",
) -> Enrolment:
    """The enrolment page's one form: entry, planned hours, payer and exit, all or nothing.

    Refused on a closed or archived action (before any other check)."""
    with transaction.atomic():
        _require_enrolment_writable(enrolment.order_id, "les inscriptions ne sont plus modifiables.")
        if exit_date is not None and exit_date < entry_date:
            raise TraineeError(
                f"La date de sortie ({format_date(exit_date)}) précède la date d'entrée ({format_date(entry_date)})."
            )
        if enrolment.exit_date is not None and entry_date > enrolment.exit_date:
            # the new entry date follows the old exit: record the new exit first
            enrolment = enrolment_update_exit(
                enrolment=enrolment,
                exit_date=exit_date,
                exit_reason=exit_reason,
                exit_reason_detail=exit_reason_detail,
            )
            return enrolment_update(
                enrolment=enrolment,
                entry_date=entry_date,
                planned_hours=planned_hours,
                payer=payer,
                scheme=scheme,
            )
        enrolment = enrolment_update(
            enrolment=enrolment,
            entry_date=entry_date,
            planned_hours=planned_hours,
            payer=payer,
            scheme=scheme,
        )
        return enrolment_update_exit(
            enrolment=enrolment,
            exit_date=exit_date,
            exit_reason=exit_reason if exit_date else "",
            exit_reason_detail=exit_reason_detail if exit_date else "",
        )

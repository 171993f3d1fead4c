"""Writes on trainers (cadre E): create, add a status period, add hours."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db import transaction

from formarche.bpf.errors import BpfError
from formarche.bpf.models import Trainer, TrainerHours, TrainerStatusPeriod


def trainer_create(*, organisation, last_name: str, first_name: str = "", email: str = "") -> Trainer:
    if not last_name.strip():
        raise BpfError("Indiquez le nom du formateur.")
    with transaction.atomic():
        return Trainer.objects.create(
            organisation=organisation, last_name=last_name.strip(), first_name=first_name.strip(), email=email
        )


def trainer_status_add(
    *, trainer: Trainer, start: date, end: date | None, status: str
) -> TrainerStatusPeriod:
    if end is not None and end < start:
        raise BpfError("La fin de la période précède son début.")
    with transaction.atomic():
        for period in trainer.status_periods.select_for_update():
            if (period.end is None or period.end >= start) and (end is None or end >= period.start):
                raise BpfError(
                    f"Cette période chevauche le statut « {period.get_status_display()} » "
                    f"commencé le {period.start:%d/%m/%Y} : une date n'a qu'un statut."
                )
        return TrainerStatusPeriod.objects.create(trainer=trainer, start=start, end=end, status=status)


def trainer_hours_add(
    *, trainer: Trainer, day: date, hours: Decimal, kind: str = "jour", order=None
) -> TrainerHours:
    if hours < 0:
        raise BpfError("Un nombre d'heures ne peut pas être négatif.")
    if kind == "mois":
        day = day.replace(day=1)
    elif hours > 24:
        raise BpfError("Une journée ne compte pas plus de 24 heures.")
    if order is not None and order.provider_id != trainer.organisation_id:
        raise BpfError("Cette action n'est pas réalisée par votre organisme.")
    with transaction.atomic():
        return TrainerHours.objects.create(trainer=trainer, day=day, hours=hours, kind=kind, order=order)

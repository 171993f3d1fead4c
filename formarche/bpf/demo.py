"""Demo world, BPF: the 2023 fiscal year of OF IN1331, with its accounts and two trainers.

Everything else the BPF needs (actions, trainees, hours, payers) is already in the demo world.
"""

from datetime import date
from decimal import Decimal

from formarche.bpf.models import (
    FiscalYear,
    Trainer,
    TrainerHours,
    TrainerHoursKind,
    TrainerStatus,
    TrainerStatusPeriod,
)
from formarche.orders.demo import AUDE_ORDER, SEED_ORDER


def populate(world):
    of1 = world.of1
    FiscalYear.objects.get_or_create(
        organisation=of1,
        start=date(2023, 1, 1),
        defaults={
            "end": date(2023, 12, 31),
            "total_turnover": Decimal("182400.00"),
            "training_charges": Decimal("131250.00"),
            "trainer_salaries": Decimal("74800.00"),
            "training_purchases": Decimal("6300.00"),
            "accounts_source": "Saisie manuelle (démonstration)",
        },
    )
    trainers = [
        (
            "Fabre",
            "Nicolas",
            TrainerStatus.CDI,
            SEED_ORDER,
            [(date(2023, 3, 1), 70), (date(2023, 4, 1), 140)],
        ),
        (
            "Vidal",
            "Anne",
            TrainerStatus.EXTERNAL,
            AUDE_ORDER,
            [(date(2023, 9, 1), 84), (date(2023, 10, 1), 98)],
        ),
    ]
    for last, first, status, order_number, months in trainers:
        trainer, created = Trainer.objects.get_or_create(
            organisation=of1,
            last_name=last,
            first_name=first,
            defaults={"email": f"{first.lower()}@fat.example"},
        )
        if not created:
            continue
        TrainerStatusPeriod.objects.create(trainer=trainer, start=date(2023, 1, 1), status=status)
        for month, hours in months:
            TrainerHours.objects.create(
                trainer=trainer,
                order=world.orders[order_number],
                day=month,
                kind=TrainerHoursKind.MONTH,
                hours=Decimal(hours),
            )

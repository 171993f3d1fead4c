"""Demo world, trainees and hours.

Order 23Q00030612_1 gets 20 trainees whose daily hours add up exactly to the seed's figures:
1 662,00 h before April 2023 (March 2023) and 3 000,00 h in April 2023, nothing counted-unrealised.
"""

from datetime import date, timedelta
from decimal import Decimal

from formarche.attendance.models import Attendance
from formarche.orders.demo import AUDE_ORDER, OF2_ORDER, SEED_ORDER
from formarche.trainees.models import Civility, Enrolment, EntryStatus, Payer, Trainee

FIRST_NAMES = [
    "Léa",
    "Hugo",
    "Chloé",
    "Lucas",
    "Manon",
    "Nathan",
    "Inès",
    "Louis",
    "Camille",
    "Théo",
    "Sarah",
    "Enzo",
    "Jade",
    "Noah",
    "Zoé",
    "Rayan",
    "Lina",
    "Tom",
    "Emma",
    "Yanis",
]
LAST_NAMES = [
    "Garcia",
    "Martinez",
    "Lopez",
    "Bernard",
    "Dubois",
    "Moreau",
    "Laurent",
    "Simon",
    "Michel",
    "Lefebvre",
    "Leroy",
    "Roux",
    "David",
    "Bertrand",
    "Morel",
    "Fournier",
    "Girard",
    "Bonnet",
    "Dupont",
    "Lambert",
]
STATUSES = [EntryStatus.JOB_SEEKER] * 4 + [EntryStatus.EMPLOYEE, EntryStatus.OTHER]
# French public holidays falling on weekdays in the demo's months
HOLIDAYS = {date(2023, 4, 10), date(2023, 11, 1), date(2023, 11, 10), date(2023, 12, 25)}


def working_days(first: date, last: date) -> list[date]:
    days, current = [], first
    while current <= last:
        if current.weekday() < 5 and current not in HOLIDAYS:
            days.append(current)
        current += timedelta(days=1)
    return days


def spread(total: Decimal, days: list[date]) -> dict[date, Decimal]:
    """Whole days of 7 h (8 h when the month is short), the remainder on the next day: sums exactly to ``total``."""
    per_day = Decimal("7") if total <= 7 * len(days) else Decimal("8")
    result, left = {}, total
    for day in days:
        if left <= 0:
            break
        hours = min(per_day, left)
        result[day] = hours
        left -= hours
    if left > 0:
        raise ValueError(f"{total} h ne tiennent pas sur {len(days)} jours à {per_day} h")
    return result


def _trainees(world, organisation, prefix: str, count: int, birth_year: int):
    trainees = []
    for i in range(count):
        trainee, _ = Trainee.objects.get_or_create(
            organisation=organisation,
            external_ref=f"{prefix}-{i + 1:03d}",
            defaults={
                "civility": Civility.MADAME if i % 2 == 0 else Civility.MONSIEUR,
                "first_name": FIRST_NAMES[i % len(FIRST_NAMES)],
                "last_name": LAST_NAMES[(i * 7 + len(prefix)) % len(LAST_NAMES)],
                "birth_date": date(birth_year + i % 15, 1 + i % 12, 1 + (i * 3) % 28),
                "email": f"stagiaire{i + 1}.{prefix.lower()}@exemple.fr",
                "city": organisation.city,
                "entry_status": STATUSES[i % len(STATUSES)],
            },
        )
        trainees.append(trainee)
    return trainees


def _enrol_and_fill(order, trainees, months: list[tuple[date, date, list[Decimal]]], payer=Payer.REGION):
    if Attendance.objects.filter(enrolment__order=order).exists():
        return  # idempotent: hours are only created once
    rows = []
    # planned hours per trainee: the contracted volume shared by the planned headcount (4 900 / 20 = 245 h)
    planned = order.contracted_hours / max(order.planned_headcount, len(trainees))
    for index, trainee in enumerate(trainees):
        enrolment, _ = Enrolment.objects.get_or_create(
            trainee=trainee,
            order=order,
            defaults={
                "entry_date": order.planned_start,
                # demo data, not money: whole hours, ties to even as Python's round() (OF2: 262.5 → 262)
                "planned_hours": Decimal(round(planned)),
                "payer": payer,
            },
        )
        for first, last, per_trainee in months:
            for day, hours in spread(per_trainee[index], working_days(first, last)).items():
                rows.append(Attendance(enrolment=enrolment, day=day, realised_hours=hours))
    Attendance.objects.bulk_create(rows)


def populate(world):
    orders = world.orders
    # 20 trainees; March 2023: 18 × 83 h + 2 × 84 h = 1 662 h; April 2023: 20 × 150 h = 3 000 h.
    seed_trainees = _trainees(world, world.of1, "TARN", 20, 1985)
    _enrol_and_fill(
        orders[SEED_ORDER],
        seed_trainees,
        [
            (date(2023, 3, 13), date(2023, 3, 31), [Decimal(83)] * 18 + [Decimal(84)] * 2),
            (date(2023, 4, 1), date(2023, 4, 30), [Decimal(150)] * 20),
        ],
    )
    aude = _trainees(world, world.of1, "AUDE", 10, 1990)
    _enrol_and_fill(
        orders[AUDE_ORDER],
        aude,
        [
            (date(2023, 9, 4), date(2023, 9, 30), [Decimal(119)] * 10),
            (date(2023, 10, 1), date(2023, 10, 31), [Decimal(126)] * 10),
            (date(2023, 11, 1), date(2023, 11, 30), [Decimal("101.5")] * 10),
        ],
    )
    of2 = _trainees(world, world.of2, "WEB", 6, 1995)
    _enrol_and_fill(
        orders[OF2_ORDER],
        of2,
        [(date(2023, 10, 2), date(2023, 10, 31), [Decimal(98)] * 6)],
    )

"""One table of dates for the rule of the date of an hour (issue #17), run against every write path.

Each case builds an action of OF 1 (Région A) with GARCIA Léa enrolled from 06/03/2023, then
tries 7 h on ``day``. ``expected`` is the refusal phrase (lower case), or ``None`` when accepted.
``today`` cases are relative to the current date (the rule compares with the server's day).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from formarche.utils.formatting import format_date
from tests.attendance.conftest import validated_period
from tests.factories import EnrolmentFactory, OrderFactory, TraineeFactory

ENTRY = dt.date(2023, 3, 6)
EXIT = dt.date(2023, 4, 20)
REAL_END = dt.date(2023, 6, 30)
PLANNED_END = dt.date(2024, 8, 31)  # the factory's


def _today() -> dt.date:
    return timezone.localdate()


@dataclass(frozen=True)
class Case:
    name: str
    day: object  # a date, or a callable of today
    expected: object = None  # a phrase, a callable of today, or None (accepted)
    exit: dt.date | None = None
    real_end: dt.date | None = None
    planned_end: object = PLANNED_END  # a date or a callable of today
    validated: bool = False  # the month of ``day`` has a validated period: accepted as rectificatif

    def resolved(self):
        today = _today()
        day = self.day(today) if callable(self.day) else self.day
        end = self.planned_end(today) if callable(self.planned_end) else self.planned_end
        expected = self.expected(today) if callable(self.expected) else self.expected
        return day, end, expected


CASES = [
    Case(
        "avant l'entrée",
        dt.date(2023, 3, 3),
        "le 03/03/2023 est avant l'entrée en formation de GARCIA Léa (le 06/03/2023)",
    ),
    Case("le jour de l'entrée", ENTRY),
    Case(
        "après la sortie",
        dt.date(2023, 4, 21),
        "le 21/04/2023 est après la sortie de GARCIA Léa (le 20/04/2023)",
        exit=EXIT,
    ),
    Case("le jour de la sortie", EXIT, exit=EXIT),
    Case(
        "après la fin réelle",
        dt.date(2023, 7, 3),
        "le 03/07/2023 est après la fin réelle de l'action (30/06/2023)",
        real_end=REAL_END,
    ),
    Case("le jour de la fin réelle", REAL_END, real_end=REAL_END),
    Case(
        "après la fin prévue (issue #17)",
        dt.date(2031, 3, 14),
        "le 14/03/2031 est après la fin prévue de l'action (31/08/2024)",
    ),
    Case("le jour de la fin prévue", PLANNED_END),
    Case(
        "dans le futur",
        lambda today: today + dt.timedelta(days=1),
        lambda today: (
            f"le {format_date(today + dt.timedelta(days=1))} est dans le futur "
            f"(nous sommes le {format_date(today)})"
        ),
        planned_end=lambda today: today + dt.timedelta(days=400),
    ),
    Case("aujourd'hui", lambda today: today, planned_end=lambda today: today + dt.timedelta(days=400)),
    Case("dans un mois validé : rectificatif", dt.date(2023, 3, 8), validated=True),
]
IDS = [case.name for case in CASES]


def build(world, case: Case):
    """The enrolment of the case (GARCIA Léa, external ref T-1, OF 1) and ``(day, expected)``."""
    day, planned_end, expected = case.resolved()
    order = OrderFactory(
        region=world.region_a,
        provider=world.of1,
        planned_start=dt.date(2023, 3, 1),
        planned_end=planned_end,
        real_end=case.real_end,
    )
    enrolment = EnrolmentFactory(
        order=order,
        trainee=TraineeFactory(
            organisation=world.of1, last_name="Garcia", first_name="Léa", external_ref="T-1"
        ),
        entry_date=ENTRY,
        exit_date=case.exit,
        exit_reason="fin_formation" if case.exit else "",
    )
    if case.validated:
        validated_period(order, day.replace(day=1))
    return enrolment, day, expected


def sentence(phrase: str) -> str:
    return phrase[:1].upper() + phrase[1:] + "."

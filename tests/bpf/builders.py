"""Readable builders for BPF engine inputs (no Django)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from formarche.bpf.inputs import (
    AccountsInput,
    ActionInput,
    AttendanceInput,
    BpfInputs,
    CLine,
    EnrolmentInput,
    FiscalYear,
    Funding,
    Granularity,
    Objective,
    OrganisationIdentity,
    TraineeStatus,
)

D = Decimal

ORGANISATION = OrganisationIdentity(
    nda="11755555575",
    siret="73282932000074",
    naf="8559A",
    legal_form="SAS",
    name="Formations du Littoral",
    address="1 quai de la Fosse, 44000 Nantes",
    address_public=True,
    phone="0240000000",
    email="contact@example.org",
)

CALENDAR_2024 = FiscalYear(date(2024, 1, 1), date(2024, 12, 31))


def action(id, objective=Objective.OTHER, nsf="314", **kw) -> ActionInput:
    return ActionInput(id=id, objective=objective, nsf_code=nsf, **kw)


def enrolment(
    id, action_id, status=TraineeStatus.EMPLOYEE, trainee=None, fundings=(), **kw
) -> EnrolmentInput:
    return EnrolmentInput(
        id=id,
        trainee_id=trainee if trainee is not None else id,
        action_id=action_id,
        status=status,
        fundings=tuple(fundings),
        **kw,
    )


def day(enrolment_id, on, hours, unrealised="0", **kw) -> AttendanceInput:
    return AttendanceInput(
        enrolment_id=enrolment_id,
        realised_hours=D(str(hours)),
        counted_unrealised_hours=D(unrealised),
        on=on,
        **kw,
    )


def month(enrolment_id, on, hours, unrealised="0") -> AttendanceInput:
    return AttendanceInput(
        enrolment_id=enrolment_id,
        realised_hours=D(str(hours)),
        counted_unrealised_hours=D(unrealised),
        on=on,
        granularity=Granularity.MONTH,
    )


def hourly(line: str, rate) -> Funding:
    return Funding(c_line=CLine(line), hourly_rate=D(str(rate)))


def flat(line: str, amount) -> Funding:
    return Funding(c_line=CLine(line), amount=D(str(amount)))


def accounts(turnover="100000", charges="5000", salaries="1000", purchases="500", **kw) -> AccountsInput:
    return AccountsInput(
        total_turnover=D(turnover),
        training_charges=D(charges),
        trainer_salaries=D(salaries),
        training_purchases=D(purchases),
        **kw,
    )


def inputs(fiscal_year=CALENDAR_2024, **kw) -> BpfInputs:
    kw.setdefault("organisation", ORGANISATION)
    for key in ("actions", "enrolments", "attendance", "products", "invoices", "trainers"):
        if key in kw:
            kw[key] = tuple(kw[key])
    return BpfInputs(fiscal_year=fiscal_year, **kw)

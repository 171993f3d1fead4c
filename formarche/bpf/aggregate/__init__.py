"""One pass over the inputs → edition-neutral facts (pure, no Django).

Each Cerfa edition then lays these facts out in its own cells
(`formarche.bpf.cerfa.*`). Everything here is linear in the number of rows
(dicts, no nested loops over trainees × rows).

Rules applied here (see docs/bpf.md):
- only hours inside the fiscal year count; a monthly total must lie inside it;
- trainee-hours are realised hours; counted-unrealised hours are billed
  (products) but are not trainee-hours;
- one unit = one trainee in one action, with one category: a trainee who pays
  part of their own training (a funding on line 9) is a *particulier*, before
  employee, job-seeker or other; otherwise the status at the first entry;
- products are accrued: billable hours of the year × hourly rate, or a flat
  amount pro rata of the planned hours, cumulatively over the enrolment's
  fiscal years (`funding_product`); advances are never products.

The steps: `_attendance_totals` (hours per enrolment), `_units_and_products` (units and the
products of the fundings), then the records' products, the trainers and the accounts
(`record_checks`, `trainer_facts`), and `_round_unit_hours`.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from formarche.bpf.aggregate.accrual import default_funding, flat_accrual, funding_product, pays_own_share
from formarche.bpf.aggregate.facts import (
    DETAIL_JOB_SEEKER,
    DETAIL_PRO,
    LINE_PENALTY,
    Bucket,
    Facts,
    TrainerLine,
    Unit,
    in_fiscal_year,
)
from formarche.bpf.aggregate.record_checks import (
    AttendanceFindings,
    CheckList,
    EnrolmentFindings,
    action_checks,
    attendance_checks,
    enrolment_checks,
    invoice_checks,
    products_from_records,
)
from formarche.bpf.aggregate.trainers import account_charges, trainer_lines
from formarche.bpf.inputs import ZERO, ActionInput, BpfInputs, CLine, EnrolmentInput, Id, TraineeStatus
from formarche.bpf.report import Exclusion, SourceRef
from formarche.utils.money import round_places

__all__ = [
    "DETAIL_JOB_SEEKER",
    "DETAIL_PRO",
    "LINE_PENALTY",
    "Bucket",
    "Facts",
    "TrainerLine",
    "Unit",
    "aggregate",
    "flat_accrual",
    "funding_product",
]

UnitKey = tuple[Id, Id]  # (trainee, action)
ProductKey = tuple[str, str | None]  # (line, detail)


@dataclass(slots=True)
class _Hours:
    """Hours of the fiscal year per enrolment."""

    realised: dict[Id, Decimal] = field(default_factory=lambda: defaultdict(Decimal))
    unrealised: dict[Id, Decimal] = field(default_factory=lambda: defaultdict(Decimal))
    by_subcontractor: dict[Id, Decimal] = field(default_factory=lambda: defaultdict(Decimal))


def aggregate(inputs: BpfInputs) -> Facts:
    fy = inputs.fiscal_year
    checks = CheckList()
    excluded: list[Exclusion] = []
    actions: dict[Id, ActionInput] = {action.id: action for action in inputs.actions}
    enrolments: dict[Id, EnrolmentInput] = {enrolment.id: enrolment for enrolment in inputs.enrolments}

    action_checks(actions, checks)
    hours = _attendance_totals(inputs, enrolments, checks)
    units, products = _units_and_products(inputs, actions, hours, checks)
    invoice_checks(inputs, fy, {action_id for (_, action_id) in units}, checks)
    products_from_records(inputs, fy, products, checks, excluded)
    trainers = trainer_lines(inputs, fy, checks)
    charges, by_account, accounts_ref = account_charges(inputs)
    _round_unit_hours(units)

    return Facts(
        fiscal_year=fy,
        units=[u for u in units.values() if u.hours > 0],
        products=dict(products),
        trainers=trainers,
        charges=charges,
        charges_by_account=by_account,
        accounts_ref=accounts_ref,
        checks=checks.items,
        excluded=excluded,
    )


def _attendance_totals(inputs: BpfInputs, enrolments: dict[Id, EnrolmentInput], checks: CheckList) -> _Hours:
    """One pass over the attendance rows: the hours of the fiscal year per enrolment."""
    fy = inputs.fiscal_year
    hours = _Hours()
    found = AttendanceFindings()
    for row in inputs.attendance:
        eid = row.enrolment_id
        if eid not in enrolments:
            found.unknown_enrolments.add(eid)
            continue
        inside = in_fiscal_year(fy, row.on, row.granularity)
        if inside is None:
            found.straddling.append(SourceRef("enrolment", eid))
            continue
        if not inside:
            continue
        if row.realised_hours < 0 or row.counted_unrealised_hours < 0:
            found.negative.append(SourceRef("enrolment", eid))
            continue
        hours.realised[eid] += row.realised_hours
        if row.counted_unrealised_hours:
            hours.unrealised[eid] += row.counted_unrealised_hours
        if row.by_subcontractor:
            hours.by_subcontractor[eid] += row.realised_hours
    attendance_checks(found, checks)
    return hours


def _units_and_products(
    inputs: BpfInputs, actions: dict[Id, ActionInput], hours: _Hours, checks: CheckList
) -> tuple[dict[UnitKey, Unit], dict[ProductKey, Bucket]]:
    """One pass over the enrolments: each joins its unit (trainee × action) and adds its fundings'
    products of the year to their buckets."""
    units: dict[UnitKey, Unit] = {}
    first_entry: dict[UnitKey, tuple[date, int]] = {}
    products: dict[ProductKey, Bucket] = defaultdict(Bucket)
    found = EnrolmentFindings()
    for order, enrolment in enumerate(inputs.enrolments):
        action = actions.get(enrolment.action_id)
        ref = SourceRef("enrolment", enrolment.id)
        if action is None:
            found.unknown_actions.append(ref)
            continue
        realised = hours.realised.get(enrolment.id, ZERO)
        billable = realised + hours.unrealised.get(enrolment.id, ZERO)
        pays_own = pays_own_share(enrolment)
        if pays_own and enrolment.status is TraineeStatus.APPRENTICE:
            found.apprentice_paying.append(ref)
        if realised > 0:
            subcontracted = hours.by_subcontractor.get(enrolment.id, ZERO)
            _join_unit(units, first_entry, enrolment, action, (realised, subcontracted), pays_own, order)
        if billable > 0:
            _add_products(products, found, enrolment, action, billable, pays_own)
    enrolment_checks(found, checks)
    return units, products


def _join_unit(
    units: dict[UnitKey, Unit],
    first_entry: dict[UnitKey, tuple[date, int]],
    enrolment: EnrolmentInput,
    action: ActionInput,
    hours: tuple[Decimal, Decimal],
    pays_own: bool,
    order: int,
) -> None:
    """Add an enrolment's (realised, subcontracted) hours to its unit and settle the unit's
    category: a particulier first, else the status at the first entry (then the input order)."""
    key = (enrolment.trainee_id, action.id)
    unit = units.get(key)
    if unit is None:
        unit = units[key] = Unit(trainee_id=enrolment.trainee_id, action=action)
    unit.hours += hours[0]
    unit.subcontracted_hours += hours[1]
    unit.enrolment_ids.append(enrolment.id)
    unit.professionalisation = unit.professionalisation or enrolment.professionalisation_contract
    status = enrolment.status
    entry = (enrolment.entered_on or date.max, order)
    if pays_own and status is not TraineeStatus.APPRENTICE:
        unit.category = TraineeStatus.INDIVIDUAL
        first_entry[key] = (date.min, -1)  # precedence: nothing overrides it
    elif key not in first_entry or entry < first_entry[key]:
        first_entry[key] = entry
        unit.category = status


def _add_products(
    products: dict[ProductKey, Bucket],
    found: EnrolmentFindings,
    enrolment: EnrolmentInput,
    action: ActionInput,
    billable: Decimal,
    pays_own: bool,
) -> None:
    """The product of the year of each funding of an enrolment (the action's line and rate when
    it has no funding), in the bucket of its line and detail."""
    ref = SourceRef("enrolment", enrolment.id)
    fundings = enrolment.fundings
    if not fundings:
        if action.c_line is None or action.hourly_rate is None:
            found.no_price.append(ref)
            return
        fundings = (default_funding(action),)
    category = TraineeStatus.INDIVIDUAL if pays_own else enrolment.status
    planned = enrolment.planned_hours or action.planned_hours
    for funding in fundings:
        amount = funding_product(funding, billable, planned, enrolment.billable_hours_before)
        if amount is None:
            found.no_price.append(ref)
            continue
        if funding.hourly_rate is None and not planned:
            found.flat_without_plan.append(ref)
        line = funding.c_line
        if action.received_from_other_of and line is not CLine.OTHER_TRAINING_ORGANISATION:
            found.g_wrong_line.append(ref)
        if line is CLine.OTHER_TRAINING_ORGANISATION and not action.received_from_other_of:
            found.c10_not_g.append(ref)
        detail = None
        if line is CLine.EMPLOYER:
            if enrolment.professionalisation_contract:
                detail = DETAIL_PRO
            elif category is TraineeStatus.JOB_SEEKER:
                detail = DETAIL_JOB_SEEKER
        bucket = products[(line.value, detail)]
        bucket.amount += amount
        bucket.sources.append(ref)


def _round_unit_hours(units: dict[UnitKey, Unit]) -> None:
    """Hours per trainee per action, to two places (minutes give endless decimals): every sum
    of the report is then exact, and F-1 = F-3 = F-4 holds to the cent of an hour."""
    for unit in units.values():
        unit.hours = round_places(unit.hours, 2)
        unit.subcontracted_hours = min(round_places(unit.subcontracted_hours, 2), unit.hours)

"""Database rows → the engine's inputs (`formarche.bpf.inputs`): the selector of the BPF engine.

    inputs = bpf_inputs(fiscal_year)          # a handful of queries, whatever the volume
    report = compute_bpf(None, inputs)

`formarche.bpf.selectors` re-exports `bpf_inputs` and `account_figures` with the pages' reads.

The sums are pushed to SQL: attendance is read as one grouped query per enrolment over the
fiscal year (realised and counted-unrealised hours), handed to the engine with
``granularity=FISCAL_YEAR``. Monthly totals whose month straddles the fiscal year's first or last
day are handed over one by one, so that the engine raises its blocking check on them.

Mapping (documented in docs/bpf.md, "Saisie et sources"):
- an enrolment's payer (``Enrolment.payer``) is its principal funding: its C line, priced at the
  order's unit price per billable hour (realised + counted-unrealised); its co-fundings
  (``EnrolmentFunding``, one query for the whole year) follow, each on its own C line, at its
  hourly rate or as a flat amount accrued pro rata of billable / planned hours, cumulatively over
  the enrolment's years (the billable hours before the year of the enrolments with a flat
  co-funding: one more grouped query); a funding on "c9" (principal or co-funding) makes the
  trainee a *particulier*;
- an action received from another OF (``Subcontracting`` « reçue », or an order where the OF is
  « sous-traitant ») goes to G, its products to C-10 whoever the final buyer is;
- objective: training kind (bilan, VAE) first, then certification type and level;
- invoices of the fiscal year (issue date) feed the checks only (products are accrued).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

from django.apps import apps
from django.db.models import Exists, OuterRef, Q, Sum

from formarche.attendance.models import Attendance, AttendanceKind
from formarche.bpf import inputs as bi
from formarche.bpf.models import (
    FiscalYear,
    OtherProduct,
    Subcontracting,
    SubcontractingDirection,
    Trainer,
    TrainerHours,
    TrainerHoursKind,
    TrainerStatusPeriod,
)
from formarche.orders.models import CertificationType, Order, ProviderRole, TrainingKind
from formarche.trainees.models import Enrolment, EnrolmentFunding, EntryStatus
from formarche.utils.dates import month_bounds

ZERO = Decimal("0")

PAYER_TO_CLINE: dict[str, bi.CLine] = {
    "c1": bi.CLine.EMPLOYER,
    **{f"c2{k}": bi.CLine(k) for k in "abcdefgh"},
    **{f"c{k}": bi.CLine(str(k)) for k in range(3, 11)},
}
CLINE_TO_PAYER = {v: k for k, v in PAYER_TO_CLINE.items()}

STATUS_TO_ENGINE = {
    EntryStatus.EMPLOYEE: bi.TraineeStatus.EMPLOYEE,
    EntryStatus.APPRENTICE: bi.TraineeStatus.APPRENTICE,
    EntryStatus.JOB_SEEKER: bi.TraineeStatus.JOB_SEEKER,
    EntryStatus.INDIVIDUAL: bi.TraineeStatus.INDIVIDUAL,
    EntryStatus.OTHER: bi.TraineeStatus.OTHER,
}


def objective_of(training_kind: str, certification_type: str, level: str) -> tuple[bi.Objective, int | None]:
    if training_kind == TrainingKind.SKILLS_ASSESSMENT:
        return bi.Objective.BILAN, None
    if training_kind == TrainingKind.VAE:
        return bi.Objective.VAE, None
    if certification_type == CertificationType.RNCP:
        return bi.Objective.RNCP, int(level) if level else None
    if certification_type == CertificationType.RNCP_CQP:  # F-3 a, « dont CQP sans niveau » if no level
        return bi.Objective.RNCP_CQP, int(level) if level else None
    if certification_type == CertificationType.RS:
        return bi.Objective.RS, None
    if certification_type == CertificationType.CQP:
        return bi.Objective.CQP, None
    return bi.Objective.OTHER, None


def _month_end(day: date) -> date:
    return month_bounds(day)[1]


def identity_of(organisation) -> bi.OrganisationIdentity:
    address = ", ".join(
        x for x in (organisation.address, f"{organisation.postcode} {organisation.city}".strip()) if x
    )
    return bi.OrganisationIdentity(
        nda=organisation.nda,
        siret=organisation.siret,
        naf=organisation.naf_code,
        legal_form=organisation.legal_form,
        name=organisation.name,
        address=address,
        address_public=organisation.address_public,
        phone=organisation.phone,
        email=organisation.email,
        manager_name=organisation.director_name,
        manager_title=organisation.director_role,
    )


def attendance_sums(fiscal_year: FiscalYear):
    """{enrolment_id: (realised, counted_unrealised)} over the fiscal year — one grouped query —
    and the monthly rows straddling the year's limits (as engine rows)."""
    start, end = fiscal_year.start, fiscal_year.end
    rows = Attendance.objects.filter(
        enrolment__order__provider_id=fiscal_year.organisation_id, day__gte=start, day__lte=end
    )
    straddle = Q()
    if start.day != 1:
        straddle |= Q(kind=AttendanceKind.MONTH, day__lt=start, day__gte=start.replace(day=1))
    if end != _month_end(end):
        straddle |= Q(kind=AttendanceKind.MONTH, day=end.replace(day=1))
    straddling = []
    if straddle:
        rows = (
            rows.exclude(kind=AttendanceKind.MONTH, day=end.replace(day=1))
            if end != _month_end(end)
            else rows
        )
        straddling = [
            bi.AttendanceInput(
                enrolment_id=eid,
                realised_hours=r,
                counted_unrealised_hours=c,
                on=day,
                granularity=bi.Granularity.MONTH,
                id=pk,
            )
            for pk, eid, day, r, c in Attendance.objects.filter(
                straddle, enrolment__order__provider_id=fiscal_year.organisation_id
            ).values_list("pk", "enrolment_id", "day", "realised_hours", "counted_unrealised_hours")
        ]
    sums = {
        eid: (r or ZERO, c or ZERO)
        for eid, r, c in rows.order_by()
        .values("enrolment_id")
        .annotate(r=Sum("realised_hours"), c=Sum("counted_unrealised_hours"))
        .values_list("enrolment_id", "r", "c")
    }
    return sums, straddling


def hours_before(fiscal_year: FiscalYear) -> dict[int, Decimal]:
    """{enrolment_id: billable hours (realised + counted unrealised) dated before the fiscal year},
    only for the enrolments with a flat co-funding (the cumulative accrual of a flat amount needs
    them; nothing else does) — one grouped query, whatever the number of enrolments."""
    flat = EnrolmentFunding.objects.filter(enrolment_id=OuterRef("enrolment_id"), amount__isnull=False)
    return {
        eid: (r or ZERO) + (c or ZERO)
        for eid, r, c in Attendance.objects.filter(
            Exists(flat), enrolment__order__provider_id=fiscal_year.organisation_id, day__lt=fiscal_year.start
        )
        .order_by()
        .values("enrolment_id")
        .annotate(r=Sum("realised_hours"), c=Sum("counted_unrealised_hours"))
        .values_list("enrolment_id", "r", "c")
    }


def received_orders(organisation_id: int, order_ids) -> tuple[set[int], set[int]]:
    """(orders entrusted to another OF, orders received from another OF) among ``order_ids``."""
    entrusted, received = set(), set()
    explicit = dict(
        Subcontracting.objects.filter(order__provider_id=organisation_id).values_list("order_id", "direction")
    )
    for oid, role in Order.objects.filter(provider_id=organisation_id, pk__in=order_ids).values_list(
        "pk", "provider_role"
    ):
        direction = explicit.get(oid)
        if direction == SubcontractingDirection.ENTRUSTED:
            entrusted.add(oid)
        elif direction == SubcontractingDirection.RECEIVED or (
            direction is None and role == ProviderRole.SOUS_TRAITANT
        ):
            received.add(oid)
    return entrusted, received


def co_funding_inputs(organisation_id: int, enrolment_ids) -> dict[int, tuple[bi.Funding, ...]]:
    """{enrolment_id: its co-fundings as engine fundings}, for the given enrolments — one query.

    Read for the whole organisation and kept in Python (like the enrolments): no ``IN`` list that
    grows with the year's volume.
    """
    wanted = set(enrolment_ids)
    out: dict[int, list[bi.Funding]] = defaultdict(list)
    for eid, payer, amount, rate in (
        EnrolmentFunding.objects.filter(enrolment__order__provider_id=organisation_id)
        .order_by("enrolment_id", "pk")
        .values_list("enrolment_id", "payer", "amount", "hourly_rate")
    ):
        if eid in wanted:
            out[eid].append(bi.Funding(c_line=PAYER_TO_CLINE[payer], hourly_rate=rate, amount=amount))
    return {eid: tuple(fundings) for eid, fundings in out.items()}


def bpf_inputs(fiscal_year: FiscalYear) -> bi.BpfInputs:
    org_id = fiscal_year.organisation_id
    fy = bi.FiscalYear(fiscal_year.start, fiscal_year.end)
    sums, straddling = attendance_sums(fiscal_year)

    # enrolments with hours in the year (or a straddling month: the engine reports it)
    wanted = set(sums) | {row.enrolment_id for row in straddling}
    enrolment_rows = _enrolment_rows(org_id, wanted)
    order_ids = {row[2] for row in enrolment_rows}
    product_rows = list(
        OtherProduct.objects.filter(organisation_id=org_id, on__gte=fy.start, on__lte=fy.end).values_list(
            "pk", "amount", "on", "kind", "other_kind", "payer", "order_id"
        )
    )
    order_ids |= {row[6] for row in product_rows if row[6]}
    entrusted, received = received_orders(org_id, order_ids)
    actions, prices = _actions(order_ids, entrusted, received)
    enrolments = _enrolments(fiscal_year, enrolment_rows, wanted, received, prices)
    attendance = [
        bi.AttendanceInput(
            enrolment_id=eid,
            realised_hours=sums[eid][0],
            counted_unrealised_hours=sums[eid][1],
            granularity=bi.Granularity.FISCAL_YEAR,
        )
        for eid, *_ in enrolment_rows
        if eid in sums
    ]
    attendance += straddling

    return bi.BpfInputs(
        fiscal_year=fy,
        organisation=identity_of(fiscal_year.organisation),
        actions=tuple(actions),
        enrolments=tuple(enrolments),
        attendance=tuple(attendance),
        products=tuple(_products(product_rows)),
        invoices=tuple(_invoices(fiscal_year, received)),
        trainers=tuple(_trainers(fiscal_year)),
        accounts=accounts_input(fiscal_year),
    )


def _enrolment_rows(org_id: int, wanted: set[int]) -> list[tuple]:
    return [
        row
        for row in Enrolment.objects.filter(order__provider_id=org_id)
        .order_by()
        .values_list(
            "pk", "trainee_id", "order_id", "trainee__entry_status", "payer", "entry_date", "planned_hours"
        )
        if row[0] in wanted
    ]


def _actions(
    order_ids: set[int], entrusted: set[int], received: set[int]
) -> tuple[list[bi.ActionInput], dict[int, Decimal]]:
    """The orders as actions, and their unit prices (the principal funding's hourly rate)."""
    actions = []
    prices: dict[int, Decimal] = {}
    for oid, title, number, kind, cert, level, nsf, distance, price in Order.objects.filter(
        pk__in=order_ids
    ).values_list(
        "pk",
        "title",
        "number",
        "training_kind",
        "certification_type",
        "certification_level",
        "nsf_code",
        "distance_part",
        "unit_price",
    ):
        objective, rncp_level = objective_of(kind, cert, level)
        prices[oid] = price
        actions.append(
            bi.ActionInput(
                id=oid,
                objective=objective,
                nsf_code=nsf or None,
                rncp_level=rncp_level,
                distance=distance,
                subcontracted_to_other=oid in entrusted,
                received_from_other_of=oid in received,
                hourly_rate=price,
                title=f"{number} — {title}",
            )
        )
    return actions, prices


def _enrolments(
    fiscal_year: FiscalYear, enrolment_rows: list[tuple], wanted: set[int], received: set[int], prices
) -> list[bi.EnrolmentInput]:
    """Each enrolment with its principal funding (the order's price) and its co-fundings."""
    co_fundings = co_funding_inputs(fiscal_year.organisation_id, wanted)
    before = (
        hours_before(fiscal_year)
        if any(f.amount is not None for fs in co_fundings.values() for f in fs)
        else {}
    )
    enrolments = []
    # the principal funding of an enrolment is its line at its order's price: a few hundred distinct
    # (frozen) values for thousands of enrolments, built once each (issue #16)
    principals: dict[tuple[str, int], tuple[bi.Funding]] = {}
    for eid, trainee_id, oid, status, payer, entered_on, planned in enrolment_rows:
        principal = principals.get((payer, oid))
        if principal is None:
            line = bi.CLine.OTHER_TRAINING_ORGANISATION if oid in received else PAYER_TO_CLINE[payer]
            principal = principals[(payer, oid)] = (bi.Funding(c_line=line, hourly_rate=prices[oid]),)
        extra = co_fundings.get(eid)
        if extra and oid in received:  # an action received from another OF: all of its products go to C-10
            extra = tuple(replace(f, c_line=bi.CLine.OTHER_TRAINING_ORGANISATION) for f in extra)
        enrolments.append(
            bi.EnrolmentInput(
                id=eid,
                trainee_id=trainee_id,
                action_id=oid,
                status=STATUS_TO_ENGINE.get(status, bi.TraineeStatus.OTHER),
                fundings=principal + extra if extra else principal,
                entered_on=entered_on,
                planned_hours=planned,
                billable_hours_before=before.get(eid, ZERO),
            )
        )
    return enrolments


def _products(product_rows: list[tuple]) -> list[bi.ProductInput]:
    return [
        bi.ProductInput(
            id=pk,
            amount=amount,
            on=on,
            kind=bi.ProductKind(kind),
            c_line=PAYER_TO_CLINE.get(payer) if payer else None,
            other_kind=bi.OtherProductKind(other) if other else None,
            action_id=oid,
        )
        for pk, amount, on, kind, other, payer, oid in product_rows
    ]


def _invoices(fiscal_year: FiscalYear, received: set[int]):
    """Invoices issued in the year (checks only). Région orders are paid by the Région (C-6)."""
    try:
        invoice_model = apps.get_model("billing", "Invoice")
    except LookupError:  # pragma: no cover - billing not installed
        return []
    rows = (
        invoice_model.objects.filter(
            organisation_id=fiscal_year.organisation_id,
            issue_date__gte=fiscal_year.start,
            issue_date__lte=fiscal_year.end,
        )
        .exclude(status="rejetee")
        .values_list("pk", "number", "issue_date", "billed_ht", "order_id")
    )
    return [
        bi.InvoiceInput(
            id=pk,
            number=number,
            issued_on=issued,
            amount_ht=amount,
            action_id=oid,
            c_line=bi.CLine.OTHER_TRAINING_ORGANISATION if oid in received else bi.CLine.REGION,
        )
        for pk, number, issued, amount, oid in rows
    ]


def _trainers(fiscal_year: FiscalYear):
    org_id = fiscal_year.organisation_id
    periods = defaultdict(list)
    for tid, start, end, status in TrainerStatusPeriod.objects.filter(
        trainer__organisation_id=org_id
    ).values_list("trainer_id", "start", "end", "status"):
        periods[tid].append(bi.StatusPeriod(start, end, bi.TrainerStatus(status)))
    hours = defaultdict(list)
    start = fiscal_year.start.replace(day=1)
    for tid, day, kind, h in TrainerHours.objects.filter(
        trainer__organisation_id=org_id, day__gte=start, day__lte=fiscal_year.end
    ).values_list("trainer_id", "day", "kind", "hours"):
        granularity = bi.Granularity.MONTH if kind == TrainerHoursKind.MONTH else bi.Granularity.DAY
        hours[tid].append(bi.TrainerHours(day, h, granularity))
    names = dict(
        (pk, f"{last} {first}".strip())
        for pk, last, first in Trainer.objects.filter(pk__in=hours.keys()).values_list(
            "pk", "last_name", "first_name"
        )
    )
    return [
        bi.TrainerInput(
            id=tid, periods=tuple(periods.get(tid, ())), hours=tuple(rows), name=names.get(tid, "")
        )
        for tid, rows in hours.items()
    ]


@dataclass(frozen=True)
class AccountFigures:
    turnover: Decimal | None
    charges: Decimal | None
    salaries: Decimal | None
    purchases: Decimal | None
    by_account: dict[str, Decimal]


def account_figures(fiscal_year: FiscalYear, lines=None) -> AccountFigures:
    """Cadre D and the global turnover from the account lines, after the allocation key.

    Charges (class 6): debit − credit × the line's training share (else the year's key); D total =
    all class 6; salaries = 6411…; purchases = 604… + 6226…. Turnover: class 70, credit − debit,
    not allocated (it is the *global* turnover). Manual amounts of the fiscal year take precedence.
    """
    if lines is None:
        lines = list(fiscal_year.account_lines.all()) if fiscal_year.pk else []
    key = fiscal_year.allocation_rate
    by_account: dict[str, Decimal] = defaultdict(Decimal)
    charges = salaries = purchases = turnover = ZERO
    for line in lines:
        if line.is_charge:
            share = line.training_share if line.training_share is not None else key
            amount = line.balance * share
            charges += amount
            by_account[line.account[:2]] += amount
            if line.account.startswith("6411"):
                salaries += amount
            if line.account.startswith("604") or line.account.startswith("6226"):
                purchases += amount
        elif line.account.startswith("70"):
            turnover += line.balance
    has_lines = bool(lines)
    has_products = any(not line.is_charge for line in lines)
    return AccountFigures(
        turnover=fiscal_year.total_turnover
        if fiscal_year.total_turnover is not None
        else (turnover if has_products else None),
        charges=fiscal_year.training_charges
        if fiscal_year.training_charges is not None
        else (charges if has_lines else None),
        salaries=fiscal_year.trainer_salaries
        if fiscal_year.trainer_salaries is not None
        else (salaries if has_lines else None),
        purchases=fiscal_year.training_purchases
        if fiscal_year.training_purchases is not None
        else (purchases if has_lines else None),
        by_account=dict(by_account),
    )


def accounts_input(fiscal_year: FiscalYear) -> bi.AccountsInput | None:
    figures = account_figures(fiscal_year)
    if all(v is None for v in (figures.turnover, figures.charges, figures.salaries, figures.purchases)):
        return None
    return bi.AccountsInput(
        total_turnover=figures.turnover,
        training_charges=figures.charges,
        trainer_salaries=figures.salaries,
        training_purchases=figures.purchases,
        charges_by_account=figures.by_account,
        id=fiscal_year.pk,
    )

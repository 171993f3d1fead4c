"""The edition-neutral facts the aggregation produces (pure, no Django).

Each Cerfa edition lays these facts out in its own cells (`formarche.bpf.cerfa.*`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from formarche.bpf.inputs import ZERO, ActionInput, FiscalYear, Granularity, Id, TraineeStatus, TrainerStatus
from formarche.bpf.report import CheckResult, Exclusion, SourceRef
from formarche.utils.dates import month_bounds

#: detail keys of product buckets (besides OtherProductKind values)
DETAIL_JOB_SEEKER = "job_seeker"  # line 1 paid for a job-seeker (10443*12 A1 b)
DETAIL_PRO = "pro"  # professionalisation contract (10443*12 "dont")
LINE_PENALTY = "penalty"  # pseudo line for dédits / pénalités


@dataclass(slots=True)
class Unit:
    """One trainee in one action over the fiscal year."""

    trainee_id: Id
    action: ActionInput
    category: TraineeStatus = TraineeStatus.OTHER
    hours: Decimal = ZERO  # realised, in the fiscal year
    subcontracted_hours: Decimal = ZERO  # of which delivered by the OF we entrusted it to
    professionalisation: bool = False
    enrolment_ids: list[Id] = field(default_factory=list)
    _refs: tuple[SourceRef, ...] | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def refs(self) -> tuple[SourceRef, ...]:
        """The unit's enrolments as sources. Built once: a report reads them for every cell the
        unit falls in (about 30 for a trainee), and ``enrolment_ids`` only grows (append) while
        :func:`formarche.bpf.aggregate.aggregate` runs, so a cache of another length is rebuilt."""
        refs = self._refs
        if refs is None or len(refs) != len(self.enrolment_ids):
            refs = self._refs = tuple([SourceRef("enrolment", i) for i in self.enrolment_ids])
        return refs

    @property
    def own_hours(self) -> Decimal:
        return self.hours - self.subcontracted_hours

    @property
    def is_g(self) -> bool:
        return self.action.received_from_other_of

    @property
    def f2_hours(self) -> Decimal:
        if self.is_g:
            return ZERO
        return self.hours if self.action.subcontracted_to_other else self.subcontracted_hours


@dataclass(slots=True)
class Bucket:
    amount: Decimal = ZERO
    sources: list[SourceRef] = field(default_factory=list)


@dataclass(slots=True)
class TrainerLine:
    hours: Decimal = ZERO
    days: set[date] = field(default_factory=set)
    has_monthly: bool = False


@dataclass(slots=True)
class Facts:
    fiscal_year: FiscalYear
    units: list[Unit]  # units with realised hours > 0 in the year (F and G)
    # products[(line, detail)]: line is a CLine value or LINE_PENALTY; detail None,
    # DETAIL_JOB_SEEKER, DETAIL_PRO or an OtherProductKind value
    products: dict[tuple[str, str | None], Bucket]
    trainers: dict[TrainerStatus, dict[Id, TrainerLine]]
    charges: dict[str, Decimal | None]  # "total", "salaries", "purchases", "turnover"
    charges_by_account: dict[str, Decimal]
    accounts_ref: SourceRef | None
    checks: list[CheckResult]
    excluded: list[Exclusion]

    @property
    def f_units(self) -> list[Unit]:
        return [u for u in self.units if not u.is_g]

    @property
    def g_units(self) -> list[Unit]:
        return [u for u in self.units if u.is_g]

    def product_total(self, line: str) -> Decimal:
        return sum((b.amount for (ln, _), b in self.products.items() if ln == line), ZERO)

    @property
    def has_activity(self) -> bool:
        return bool(self.units) or any(b.amount for (ln, _), b in self.products.items() if ln != LINE_PENALTY)


def in_fiscal_year(fy: FiscalYear, on: date | None, granularity: Granularity) -> bool | None:
    """True inside, False outside, None when a month straddles the fiscal year's limit."""
    if granularity is Granularity.FISCAL_YEAR:
        return True
    if on is None:
        return None
    if granularity is Granularity.DAY:
        return fy.start <= on <= fy.end
    first, last = month_bounds(on)
    if first >= fy.start and last <= fy.end:
        return True
    if last < fy.start or first > fy.end:
        return False
    return None

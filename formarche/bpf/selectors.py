"""Every read of the BPF area: the engine's inputs, the computed BPF, and what the pages show.

    computed = bpf_compute(fiscal_year=fiscal_year)   # selector + engine, nothing written
    computed.report["F1.total.h"]

The mapping of database rows to the engine's inputs is in `formarche.bpf.loading`
(`bpf_inputs`, `account_figures`, re-exported here); the records behind a cell in
`formarche.bpf.records`. Page reads are scoped to the tenant (`formarche.accounts.tenancy`).
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.conf import settings
from django.db import connections, router
from django.db.models import Q, QuerySet

from formarche.accounts.tenancy import scoped
from formarche.attendance.models import Attendance
from formarche.bpf.engine import compute_bpf
from formarche.bpf.errors import BpfError
from formarche.bpf.inputs import BpfInputs
from formarche.bpf.loading import AccountFigures, account_figures, bpf_inputs
from formarche.bpf.models import AccountLine, FiscalYear, OtherProduct, Subcontracting, Trainer
from formarche.bpf.report import BpfReport
from formarche.orders.models import Order
from formarche.organisations.dataversion import data_version
from formarche.organisations.models import DataVersion, Organisation, OrganisationKind
from formarche.trainees.models import Enrolment
from formarche.utils.memo import VersionedMemo

__all__ = [
    "AccountFigures",
    "Computed",
    "account_figures",
    "account_lines",
    "bpf_compute",
    "bpf_compute_cached",
    "bpf_inputs",
    "enrolment_attendance",
    "enrolments_with_trainee",
    "fiscal_year_ending_in",
    "fiscal_years_of",
    "fiscal_years_with_organisation",
    "last_closed_fiscal_year",
    "of_by_code",
    "orders_of",
    "other_products_of_year",
    "previous_fiscal_year",
    "subcontracting_of",
    "tenant_organisation",
    "trainee_names",
    "trainer_hours",
    "trainers_of",
]


@dataclass
class Computed:
    fiscal_year: FiscalYear
    inputs: BpfInputs
    report: BpfReport
    # pure functions of the report, computed once per report (a cached BPF shares them)
    derived: dict = field(default_factory=dict, repr=False, compare=False)

    def derive(self, name: str, compute: Callable[[], Any]) -> Any:
        """``compute()`` once per report: the JSON of the cells, an export's bytes (read-only)."""
        try:
            return self.derived[name]
        except KeyError:
            value = self.derived[name] = compute()
            return value


@contextmanager
def cycle_collector_paused() -> Iterator[None]:
    """Python's cycle collector off while a BPF is computed (issue #16).

    A computation allocates some 60 000 small objects for a 5 000-trainee OF (the engine's inputs,
    units, sources), none of them in a cycle: they are freed by reference counting all the same.
    Left on, the collector walks the whole heap of the process (Django included) several times
    per computation — a third of its CPU on the median request. Turned back on afterwards, only if
    it was on (a thread that finds it already off leaves it to the thread that turned it off).
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def bpf_compute(*, fiscal_year: FiscalYear, edition: str | None = None) -> Computed:
    """Selector + engine: the BPF of a fiscal year, with the records behind every cell."""
    with cycle_collector_paused():
        inputs = bpf_inputs(fiscal_year)
        try:
            report = compute_bpf(edition, inputs)
        except ValueError as exc:  # UnsupportedFiscalYear: a French message
            raise BpfError(str(exc)) from exc
    return Computed(fiscal_year, inputs, report)


BPF_MEMO = VersionedMemo(entries=getattr(settings, "FORMARCHE_BPF_CACHE_ENTRIES", 8))


def bpf_compute_cached(*, fiscal_year: FiscalYear, edition: str | None = None) -> Computed:
    """:func:`bpf_compute`, computed once per version of the organisation's data (ADR 0025).

    The key is the database, the organisation, the fiscal year, the edition and the
    organisation's data version (``organisations_dataversion``, raised by triggers on every write
    to the rows the BPF reads, in the writing transaction): a write, committed, makes a new key.
    The version is read first, on the database the BPF's rows are read from. The value is kept in
    this process's memory (:class:`formarche.utils.memo.VersionedMemo`), shared read-only.
    """
    db = router.db_for_read(DataVersion)
    version = data_version(fiscal_year.organisation_id, using=db)
    key = (
        connections[db].settings_dict["NAME"],
        fiscal_year.organisation_id,
        fiscal_year.pk,
        edition,
        version,
    )
    entry = BPF_MEMO.get_or_compute(key, lambda: bpf_compute(fiscal_year=fiscal_year, edition=edition))
    return Computed(fiscal_year, entry.inputs, entry.report, entry.derived)


# --- fiscal years -----------------------------------------------------------------------------


def previous_fiscal_year(fiscal_year: FiscalYear) -> FiscalYear | None:
    return (
        FiscalYear.objects.filter(organisation_id=fiscal_year.organisation_id, end__lt=fiscal_year.start)
        .order_by("-end")
        .first()
    )


def fiscal_years_with_organisation() -> QuerySet:
    """Fiscal years with their organisation (a page reads its provider code)."""
    return FiscalYear.objects.select_related("organisation")


def fiscal_years_of(tenant) -> list[FiscalYear]:
    return list(scoped(FiscalYear, tenant).order_by("-end"))


def last_closed_fiscal_year(organisation_id: int, today: date) -> FiscalYear | None:
    """The last fiscal year closed before ``today``: the one the next BPF covers."""
    return FiscalYear.objects.filter(organisation_id=organisation_id, end__lt=today).order_by("-end").first()


def fiscal_year_ending_in(organisation: Organisation, year: int) -> FiscalYear | None:
    return FiscalYear.objects.filter(organisation=organisation, end__year=year).order_by("-end").first()


def tenant_organisation(tenant) -> Organisation:
    return Organisation.objects.get(pk=tenant.organisation_id)


def of_by_code(code: str) -> Organisation | None:
    """A training organisation by its provider code, SIRET or NDA."""
    return (
        Organisation.objects.filter(kind=OrganisationKind.OF)
        .filter(Q(provider_code=code) | Q(siret=code) | Q(nda=code))
        .first()
    )


# --- the records the pages list ---------------------------------------------------------------


def enrolments_with_trainee() -> QuerySet:
    return Enrolment.objects.select_related("trainee", "order")


def enrolment_attendance(tenant, enrolment: Enrolment, fiscal_year: FiscalYear) -> list[Attendance]:
    """An enrolment's attendance rows of the fiscal year (months started before it included)."""
    return list(
        scoped(Attendance, tenant)
        .filter(enrolment=enrolment, day__gte=fiscal_year.start.replace(day=1), day__lte=fiscal_year.end)
        .order_by("day", "kind")
    )


def trainee_names(tenant, enrolment_ids) -> dict:
    """{trainee id: last name} of these enrolments (the control workbook's labels)."""
    return dict(
        scoped(Enrolment, tenant).filter(pk__in=enrolment_ids).values_list("trainee_id", "trainee__last_name")
    )


def account_lines(tenant, fiscal_year: FiscalYear) -> list[AccountLine]:
    return list(scoped(AccountLine, tenant).filter(fiscal_year=fiscal_year))


def orders_of(tenant) -> QuerySet:
    return scoped(Order, tenant).order_by("number")


def other_products_of_year(tenant, fiscal_year: FiscalYear) -> QuerySet:
    return (
        scoped(OtherProduct, tenant)
        .filter(on__gte=fiscal_year.start, on__lte=fiscal_year.end)
        .select_related("order")
    )


def trainers_of(tenant) -> QuerySet:
    return scoped(Trainer, tenant).prefetch_related("status_periods")


def trainer_hours(trainer: Trainer) -> QuerySet:
    """A trainer's last 200 hour rows, newest first."""
    return trainer.hours.select_related("order").order_by("-day")[:200]


def subcontracting_of(tenant, order: Order) -> Subcontracting | None:
    return scoped(Subcontracting, tenant).filter(order=order).first()

"""What the engine returns: cells with their sources, checks, exclusions."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import NamedTuple

from formarche.bpf.inputs import FiscalYear, Id, OrganisationIdentity


class SourceRef(NamedTuple):
    """A record behind a cell: ("enrolment", 12), ("product", "P-3"), ("trainer", 4)…"""

    kind: str
    id: Id


CellValue = Decimal | int | bool | str | date | None


@dataclass(frozen=True, slots=True)
class Cell:
    value: CellValue
    sources: tuple[SourceRef, ...] = ()


class CheckLevel(StrEnum):
    BLOCKING = "bloquant"
    WARNING = "avertissement"

    @property
    def export_name(self) -> str:
        return "error" if self is CheckLevel.BLOCKING else "warning"


@dataclass(frozen=True, slots=True)
class CheckResult:
    level: CheckLevel
    code: str
    message_fr: str
    cells: tuple[str, ...] = ()
    sources: tuple[SourceRef, ...] = ()

    @property
    def is_blocking(self) -> bool:
        return self.level is CheckLevel.BLOCKING


@dataclass(frozen=True, slots=True)
class Exclusion:
    """A record the engine looked at and left out, and why (in French)."""

    source: SourceRef
    reason_fr: str


@dataclass(slots=True)
class BpfReport:
    edition: str  # "10443*17"
    fiscal_year: FiscalYear
    organisation: OrganisationIdentity
    cells: dict[str, Cell]
    checks: list[CheckResult] = field(default_factory=list)
    excluded: list[Exclusion] = field(default_factory=list)

    def __getitem__(self, key: str) -> CellValue:
        return self.cells[key].value

    def sources(self, key: str) -> tuple[SourceRef, ...]:
        return self.cells[key].sources

    @property
    def blocking(self) -> list[CheckResult]:
        return [c for c in self.checks if c.level is CheckLevel.BLOCKING]

    @property
    def warnings(self) -> list[CheckResult]:
        return [c for c in self.checks if c.level is CheckLevel.WARNING]

    @property
    def is_valid(self) -> bool:
        return not self.blocking


# --- reading a report's cells for the checks: their numbers, their sources, French figures ---


def cell_refs(report: BpfReport, keys: Iterable[str]) -> tuple[SourceRef, ...]:
    seen: dict[SourceRef, None] = {}
    for key in keys:
        cell = report.cells.get(key)
        if cell is not None:
            for ref in cell.sources:
                seen[ref] = None
    return tuple(seen)


def cell_number(report: BpfReport, key: str):
    value = report.cells[key].value if key in report.cells else None
    return 0 if value is None or isinstance(value, bool) else value


def french_number(value) -> str:
    return str(value).replace(".", ",")


def cell_names(edition, keys: Iterable[str]) -> str:
    return ", ".join(keys)

"""BPF editions as versioned code, chosen by fiscal year.

Each edition module declares its cells (explicit key, French label as printed,
cadre, kind), the arithmetic its form states (sums, "dont" lines, equal
totals) and how the engine's facts fill its cells. A stored BPF records the
edition's `code`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from formarche.bpf.aggregate import Facts
    from formarche.bpf.inputs import BpfInputs
    from formarche.bpf.report import BpfReport, Cell, CheckResult, Exclusion


class Kind(StrEnum):
    AMOUNT = "amount"  # whole euros (int)
    COUNT = "count"  # trainees or people (int)
    HOURS = "hours"  # Decimal, 2 places (F, G); whole hours (int) in E
    PERCENT = "percent"  # int 0…100
    DATE = "date"
    BOOL = "bool"
    CODE = "code"  # NSF code (str) or None
    TEXT = "text"
    YEAR = "year"


@dataclass(frozen=True, slots=True)
class CellSpec:
    key: str
    label: str  # as printed on the form (French)
    cadre: str  # "C", "F-1"… ("p2 A3" for 10443*12)
    kind: Kind


@dataclass(frozen=True, slots=True)
class SumRule:
    """`total` = sum of `parts` (blocking)."""

    code: str
    total: str
    parts: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class AtMostRule:
    """sum of `parts` ≤ `whole` (blocking)."""

    code: str
    parts: tuple[str, ...]
    whole: str


@dataclass(frozen=True, slots=True)
class EqualRule:
    """all `keys` equal (blocking)."""

    code: str
    keys: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class HoursGroup:
    """For the whole numbers typed into the form: `total` is rounded half up, then
    distributed over `lines` by largest remainder; `subsets` are (parts, whole line)
    distributed the same way inside their whole line."""

    total: str
    lines: tuple[str, ...]
    subsets: tuple[tuple[tuple[str, ...], str], ...] = ()


BuildResult = tuple[dict[str, "Cell"], list["Exclusion"], list["CheckResult"]]


@dataclass(frozen=True)
class Edition:
    code: str  # "10443*17"
    title: str
    first_year: int | None  # fiscal years by the year of their closing date
    last_year: int | None
    cells: tuple[CellSpec, ...]
    build: Callable[[Facts, BpfInputs], BuildResult]
    sum_rules: tuple[SumRule, ...] = ()
    at_most_rules: tuple[AtMostRule, ...] = ()
    equal_rules: tuple[EqualRule, ...] = ()
    hours_groups: tuple[HoursGroup, ...] = ()
    #: 10443*17 key → this edition's key, to name cells in the engine's data checks
    aliases: dict[str, str] = field(default_factory=dict)
    domain_checks: Callable[[BpfReport], list[CheckResult]] | None = None

    def spec(self, key: str) -> CellSpec:
        return self._specs[key]

    @property
    def _specs(self) -> dict[str, CellSpec]:
        cached = self.__dict__.get("_spec_cache")
        if cached is None:
            cached = {c.key: c for c in self.cells}
            object.__setattr__(self, "_spec_cache", cached)
        return cached

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(c.key for c in self.cells)

    def label(self, key: str) -> str:
        return self._specs[key].label if key in self._specs else key

    def alias(self, key: str) -> str:
        return self.aliases.get(key, key)

    def covers(self, year: int) -> bool:
        return (self.first_year is None or year >= self.first_year) and (
            self.last_year is None or year <= self.last_year
        )


class UnsupportedFiscalYear(ValueError):
    pass


def _editions() -> dict[str, Edition]:
    from formarche.bpf.cerfa import cerfa_10443_12, cerfa_10443_16, cerfa_10443_17

    return {e.code: e for e in (cerfa_10443_17.EDITION, cerfa_10443_16.EDITION, cerfa_10443_12.EDITION)}


def all_editions() -> dict[str, Edition]:
    return _editions()


def get_edition(code: str) -> Edition:
    editions = _editions()
    if code not in editions:
        raise UnsupportedFiscalYear(f"Édition du BPF inconnue : {code}.")
    return editions[code]


def edition_for_fiscal_year(end_date: date) -> Edition:
    """The edition of the BPF for a fiscal year, by the year its closing date falls in."""
    for edition in _editions().values():
        if edition.covers(end_date.year):
            return edition
    raise UnsupportedFiscalYear(
        f"Aucune édition du BPF n'est disponible pour un exercice clos en {end_date.year} "
        "(formarche connaît les éditions 10443*12/13 jusqu'à 2015, 10443*16 de 2020 à 2022 "
        "et 10443*17 à partir de 2023)."
    )

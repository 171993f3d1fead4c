"""The shapes of a BPF edition: cell specs, arithmetic rules, hour groups, the edition itself.

Pure data. Each edition module (`cerfa_10443_*`) builds one `Edition`;
`formarche.bpf.cerfa` lists them and chooses one by fiscal year.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum

from formarche.bpf.aggregate.facts import Facts
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


BuildResult = tuple[dict[str, Cell], list[Exclusion], list[CheckResult]]


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

"""BPF editions as versioned code, chosen by fiscal year.

Each edition module declares its cells (explicit key, French label as printed,
cadre, kind), the arithmetic its form states (sums, "dont" lines, equal
totals) and how the engine's facts fill its cells. A stored BPF records the
edition's `code`. The shapes (`Edition`, `CellSpec`, `Kind`, the rules) are in
`formarche.bpf.cerfa.spec`, re-exported here.
"""

from __future__ import annotations

from datetime import date

from formarche.bpf.cerfa import cerfa_10443_12, cerfa_10443_16, cerfa_10443_17
from formarche.bpf.cerfa.spec import (
    AtMostRule,
    BuildResult,
    CellSpec,
    Edition,
    EqualRule,
    HoursGroup,
    Kind,
    SumRule,
    UnsupportedFiscalYear,
)

__all__ = [
    "AtMostRule",
    "BuildResult",
    "CellSpec",
    "Edition",
    "EqualRule",
    "HoursGroup",
    "Kind",
    "SumRule",
    "UnsupportedFiscalYear",
    "all_editions",
    "edition_for_fiscal_year",
    "get_edition",
]

_EDITIONS: dict[str, Edition] = {
    e.code: e for e in (cerfa_10443_17.EDITION, cerfa_10443_16.EDITION, cerfa_10443_12.EDITION)
}


def _editions() -> dict[str, Edition]:
    return _EDITIONS


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

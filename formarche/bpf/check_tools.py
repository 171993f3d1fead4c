"""Reading a report's cells for the checks (pure): their numbers, their sources, French figures."""

from __future__ import annotations

from collections.abc import Iterable

from formarche.bpf.edition import Edition
from formarche.bpf.report import BpfReport, SourceRef


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


def cell_names(edition: Edition, keys: Iterable[str]) -> str:
    return ", ".join(keys)

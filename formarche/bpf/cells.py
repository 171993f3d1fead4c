"""Small helpers the edition modules share to fill cells from facts."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from decimal import Decimal
from itertools import chain

from formarche.bpf.aggregate.facts import Bucket, Facts, Unit
from formarche.bpf.inputs import ZERO, TrainerStatus
from formarche.bpf.report import Cell, SourceRef
from formarche.utils.money import round_units


def dedupe(refs: Iterable[SourceRef]) -> tuple[SourceRef, ...]:
    return tuple(dict.fromkeys(refs))


class CellBook:
    def __init__(self) -> None:
        self.cells: dict[str, Cell] = {}
        # sources of a list of units, by the identities of its units: F-1, F-3 and F-4 totals (and a
        # line that holds every unit) list the same units in the same order, read once (issue #16)
        self._unit_sources: dict[tuple[int, ...], tuple[SourceRef, ...]] = {}

    def set(self, key: str, value, sources: Iterable[SourceRef] = ()) -> None:
        self.cells[key] = Cell(value, dedupe(sources))

    def value(self, key: str):
        return self.cells[key].value

    def refs(self, *keys: str) -> list[SourceRef]:
        return [r for k in keys for r in self.cells[k].sources]

    def units(self, prefix: str, units: list[Unit], hours: Callable[[Unit], Decimal] | None = None) -> None:
        """`prefix.n` = units with hours > 0, `prefix.h` = their hours (exact, 2 places).

        Both cells have the same sources, deduplicated once (a report calls this some 30 times
        over every unit of the year)."""
        if hours is None:
            chosen = [u for u in units if u.hours > 0]
            total = sum((u.hours for u in chosen), ZERO)
        else:
            pairs = [(u, h) for u in units if (h := hours(u)) > 0]
            chosen = [u for u, _ in pairs]
            total = sum((h for _, h in pairs), ZERO)
        sources = self._sources_of(chosen)
        self.cells[f"{prefix}.n"] = Cell(len(chosen), sources)
        self.cells[f"{prefix}.h"] = Cell(total, sources)

    def _sources_of(self, chosen: list[Unit]) -> tuple[SourceRef, ...]:
        """The units' enrolments, deduplicated, in the units' order (memoised: the units live as
        long as the book, so their identities stay theirs)."""
        key = tuple(map(id, chosen))
        sources = self._unit_sources.get(key)
        if sources is None:
            sources = self._unit_sources[key] = dedupe(chain.from_iterable([u.refs for u in chosen]))
        return sources

    def amount(self, key: str, buckets: Iterable[Bucket]) -> None:
        buckets = list(buckets)
        exact = sum((b.amount for b in buckets), ZERO)
        self.set(key, round_units(exact), [r for b in buckets for r in b.sources])

    def sum_of(self, key: str, parts: Iterable[str]) -> None:
        parts = list(parts)
        self.set(key, sum(self.value(p) for p in parts), self.refs(*parts))


def group_units(units: list[Unit], key: Callable[[Unit], object]) -> dict[object, list[Unit]]:
    groups: dict[object, list[Unit]] = defaultdict(list)
    for unit in units:
        groups[key(unit)].append(unit)
    return groups


def ranked_specialities(units: list[Unit], hours: Callable[[Unit], Decimal], limit: int):
    """(top lines [(code, units)], the rest's units, units without code) ranked by hours then code."""
    by_code = group_units([u for u in units if hours(u) > 0], lambda u: u.action.nsf_code or "")
    without = by_code.pop("", [])
    ranked = sorted(by_code.items(), key=lambda item: (-sum(hours(u) for u in item[1]), item[0]))
    top = ranked[:limit]
    rest = [u for _, us in ranked[limit:] for u in us] + without
    return top, rest


def trainer_line(facts: Facts, statuses: Iterable[TrainerStatus]) -> tuple[int, int, list[SourceRef]]:
    """(people, whole hours, sources) for trainers with hours > 0 under any of `statuses`."""
    people: set = set()
    hours = ZERO
    for status in statuses:
        for trainer_id, line in facts.trainers.get(status, {}).items():
            if line.hours > 0:
                people.add(trainer_id)
                hours += line.hours
    ordered = sorted(people, key=str)
    return len(ordered), round_units(hours), [SourceRef("trainer", t) for t in ordered]


def accounts_amount(facts: Facts, name: str, activity: bool) -> tuple[int | None, list[SourceRef]]:
    value = facts.charges.get(name)
    refs = [facts.accounts_ref] if facts.accounts_ref else []
    if value is None:
        return (None if activity else 0), refs
    return round_units(value), refs

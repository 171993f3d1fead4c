"""The BPF computation: plain inputs in, a report out (pure: no ORM, no Django).

    report = compute_bpf(edition, inputs)

`edition` is an `Edition`, an edition code ("10443*17") or None (chosen from
the fiscal year's closing date). Every cell of the report carries its value
and the records behind it; `report.checks` lists the blocking errors and the
warnings, in French, each naming its cells and records.

Rounding: see `formarche.bpf.rounding` (amounts to the euro half up per line,
totals as sums of rounded lines; E hours to the whole hour; F and G hours exact
to two places). The rules themselves are documented in docs/bpf.md.
"""

from __future__ import annotations

from dataclasses import replace

from formarche.bpf.aggregate import aggregate
from formarche.bpf.cerfa import Edition, edition_for_fiscal_year, get_edition
from formarche.bpf.checks import run_checks
from formarche.bpf.inputs import BpfInputs
from formarche.bpf.report import BpfReport, CheckResult
from formarche.bpf.rounding import largest_remainder
from formarche.utils.money import round_units


def resolve_edition(edition: Edition | str | None, inputs: BpfInputs) -> Edition:
    if edition is None:
        return edition_for_fiscal_year(inputs.fiscal_year.end)
    if isinstance(edition, str):
        return get_edition(edition)
    return edition


def compute_bpf(edition: Edition | str | None, inputs: BpfInputs) -> BpfReport:
    edition = resolve_edition(edition, inputs)
    facts = aggregate(inputs)
    cells, excluded, build_checks = edition.build(facts, inputs)
    missing = set(edition.keys) - set(cells)
    if missing:  # an edition module must fill every cell it declares
        raise AssertionError(f"{edition.code}: cells not filled: {sorted(missing)}")
    report = BpfReport(
        edition=edition.code,
        fiscal_year=inputs.fiscal_year,
        organisation=inputs.organisation,
        cells={key: cells[key] for key in edition.keys},
        excluded=facts.excluded + excluded,
    )
    data_checks = [_alias(c, edition) for c in facts.checks]
    report.checks = run_checks(report) + build_checks + data_checks
    return report


def _alias(check: CheckResult, edition: Edition) -> CheckResult:
    if not edition.aliases:
        return check
    return replace(check, cells=tuple(edition.alias(k) for k in check.cells))


def whole_hours_for_form(report: BpfReport) -> dict[str, int]:
    """Whole hours to type into the form for the F and G hour cells.

    Each total is rounded half up, then distributed over its lines by the
    largest-remainder method, so every total still equals the sum of its lines
    (and F-1, F-3, F-4 totals stay equal since they are the same exact number).
    """
    edition = get_edition(report.edition)
    out: dict[str, int] = {}
    grouped: set[str] = set()
    for group in edition.hours_groups:
        total = round_units(report[group.total])
        out[group.total] = total
        lines = largest_remainder(total, [(k, report[k]) for k in group.lines])
        out.update(lines)
        grouped.update((group.total, *group.lines))
        for parts, whole in group.subsets:
            exact_whole = report[whole]
            remainder = exact_whole - sum(report[p] for p in parts)
            split = largest_remainder(lines[whole], [(p, report[p]) for p in parts] + [("__rest", remainder)])
            split.pop("__rest")
            out.update(split)
            grouped.update(parts)
    for spec in edition.cells:
        if spec.kind.value == "hours" and spec.key not in grouped and spec.key not in out:
            value = report[spec.key]
            out[spec.key] = value if isinstance(value, int) else round_units(value)
    return out

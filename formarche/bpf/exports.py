"""JSON and CSV exports of a BPF report, with exactly the edition's cell keys.

JSON shape (docs/bpf.md):

    {"edition": "10443*17",
     "organisation": {...cadre A...},
     "fiscal_year": {"from": "2024-01-01", "to": "2024-12-31"},
     "cells": {key: value},
     "checks": [{"code": ..., "level": "error" | "warning", "message": ...}]}

Values: amounts, counts, percentages and E hours are JSON integers; F and G
hours are strings with two decimals ("72.00", exact, no float); dates ISO
strings; the distance answer a boolean; an empty F-4 code `null`. The records
behind the cells are not exported (they are the database's).
"""

from __future__ import annotations

from dataclasses import asdict, fields
from datetime import date
from decimal import Decimal

from formarche.bpf.cerfa import Kind, get_edition
from formarche.bpf.inputs import FiscalYear, OrganisationIdentity
from formarche.bpf.report import BpfReport, Cell, CheckLevel, CheckResult

_LEVELS = {level.export_name: level for level in CheckLevel}


def _encode(value):
    if isinstance(value, bool) or value is None or isinstance(value, int | str):
        return value
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"valeur de case non exportable : {value!r}")


def _decode(kind: Kind, value):
    if value is None:
        return None
    if kind is Kind.DATE:
        return date.fromisoformat(value)
    if kind is Kind.HOURS:
        return Decimal(value) if isinstance(value, str) else int(value)
    if kind is Kind.BOOL:
        return bool(value)
    if kind in (Kind.AMOUNT, Kind.COUNT, Kind.PERCENT, Kind.YEAR):
        return int(value)
    return str(value)


def to_json(report: BpfReport) -> dict:
    edition = get_edition(report.edition)
    return {
        "edition": report.edition,
        "organisation": asdict(report.organisation),
        "fiscal_year": {
            "from": report.fiscal_year.start.isoformat(),
            "to": report.fiscal_year.end.isoformat(),
        },
        "cells": {key: _encode(report.cells[key].value) for key in edition.keys},
        "checks": [
            {"code": c.code, "level": c.level.export_name, "message": c.message_fr} for c in report.checks
        ],
    }


def from_json(data: dict) -> BpfReport:
    """Rebuild a report from `to_json`'s output (cells without their sources).

    Raises ValueError with a French message when the keys are not exactly the
    edition's.
    """
    edition = get_edition(data["edition"])
    cells_in = data["cells"]
    expected = set(edition.keys)
    if set(cells_in) != expected:
        missing = sorted(expected - set(cells_in))
        extra = sorted(set(cells_in) - expected)
        raise ValueError(
            f"Les cases ne correspondent pas à l'édition {edition.code} : manquantes {missing}, en trop {extra}."
        )
    known = {f.name for f in fields(OrganisationIdentity)}
    organisation = OrganisationIdentity(
        **{k: v for k, v in data.get("organisation", {}).items() if k in known}
    )
    fiscal_year = FiscalYear(
        date.fromisoformat(data["fiscal_year"]["from"]), date.fromisoformat(data["fiscal_year"]["to"])
    )
    cells = {key: Cell(_decode(edition.spec(key).kind, cells_in[key])) for key in edition.keys}
    checks = [CheckResult(_LEVELS[c["level"]], c["code"], c["message"]) for c in data.get("checks", [])]
    return BpfReport(
        edition=edition.code, fiscal_year=fiscal_year, organisation=organisation, cells=cells, checks=checks
    )


def _csv_value(value, decimal_comma: bool) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "oui" if value else "non"
    text = _encode(value)
    text = str(text)
    return text.replace(".", ",") if decimal_comma and isinstance(value, Decimal) else text


def to_csv_rows(report: BpfReport, *, decimal_comma: bool = True) -> list[list[str]]:
    """Rows for `csv.writer`: a header, then one row per cell in the form's order.

    Columns: cle, cadre, libelle, valeur. With `decimal_comma` (default, for
    French spreadsheets) hours read "72,00"; write with `delimiter=";"`.
    """
    edition = get_edition(report.edition)
    rows = [["cle", "cadre", "libelle", "valeur"]]
    for spec in edition.cells:
        rows.append(
            [spec.key, spec.cadre, spec.label, _csv_value(report.cells[spec.key].value, decimal_comma)]
        )
    return rows

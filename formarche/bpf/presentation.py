"""The report laid out as its Cerfa: cadres, rows, cells (for the page and the PDF).

A row has a label and one or two cells (a count and hours, or a code, a count and hours);
each cell has its key, the value of this year and of the previous year (when given).
Templates only display these.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from formarche.bpf.cerfa import Kind, get_edition
from formarche.bpf.engine import whole_hours_for_form
from formarche.bpf.report import BpfReport
from formarche.utils.formatting import format_date, format_hours

CADRE_TITLES = {
    "B": "B. Caractéristiques de l'organisme",
    "C": "C. Bilan financier hors taxes : origine des produits de l'organisme",
    "D": "D. Bilan financier hors taxes : charges de l'organisme",
    "E": "E. Personnes dispensant des heures de formation",
    "F-1": "F-1. Type de stagiaires de l'organisme",
    "F-2": "F-2. Dont activité sous-traitée de l'organisme",
    "F-3": "F-3. Objectif général des prestations dispensées",
    "F-4": "F-4. Spécialités de formation",
    "G": "G. Stagiaires dont la formation a été confiée à votre organisme par un autre organisme de formation",
}

_SUFFIXES = (
    " — Nombre de stagiaires et d'apprentis",
    " — Nombre total d'heures de formation suivies par les stagiaires et les apprentis",
    " — Nombre total d'heures de formation suivies",
    " — Nombre d'heures de formation dispensées",
    " — Nombre",
    " — Code",
)


def format_cell(kind: Kind, value) -> str:
    if value is None:
        return "—"
    if kind is Kind.BOOL:
        return "oui" if value else "non"
    if kind is Kind.DATE and isinstance(value, date):
        return format_date(value)
    if kind is Kind.HOURS and isinstance(value, Decimal):
        return format_hours(value)
    if kind is Kind.AMOUNT and isinstance(value, int):
        return f"{value:,}".replace(",", "\u202f") + " €"
    if kind is Kind.PERCENT:
        return f"{value} %"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}".replace(",", "\u202f")
    return str(value)


@dataclass
class CellView:
    key: str
    kind: Kind
    value: str
    previous: str | None = None
    whole: int | None = None  # whole hours to type into the form (F and G)
    has_sources: bool = False


@dataclass
class RowView:
    label: str
    cells: list[CellView] = field(default_factory=list)
    indent: bool = False
    total: bool = False


@dataclass
class CadreView:
    code: str
    title: str
    rows: list[RowView] = field(default_factory=list)


def _base_label(label: str) -> str:
    for suffix in _SUFFIXES:
        if label.endswith(suffix):
            return label[: -len(suffix)]
    return label


def _base_key(key: str) -> str:
    for suffix in (".n", ".h", ".code"):
        if key.endswith(suffix):
            return key[: -len(suffix)]
    return key


def layout(report: BpfReport, previous: BpfReport | None = None) -> list[CadreView]:
    edition = get_edition(report.edition)
    whole = whole_hours_for_form(report) if report.edition != "10443*12" else {}
    cadres: list[CadreView] = []
    rows_by_base: dict[str, RowView] = {}
    for spec in edition.cells:
        code = spec.cadre
        if not cadres or cadres[-1].code != code:
            cadres.append(CadreView(code, CADRE_TITLES.get(code, code)))
        base = _base_key(spec.key)
        row = rows_by_base.get(base) if base != spec.key else None
        if row is None:
            label = _base_label(spec.label)
            row = RowView(
                label=label,
                indent=label.startswith("dont") or label.startswith("des ") or label.startswith("du "),
                total=".total" in spec.key or spec.key in {"C.2", "D.total"},
            )
            rows_by_base[base] = row
            cadres[-1].rows.append(row)
        value = report[spec.key]
        prev = None
        if previous is not None and spec.key in previous.cells:
            prev = format_cell(spec.kind, previous[spec.key])
        row.cells.append(
            CellView(
                key=spec.key,
                kind=spec.kind,
                value=format_cell(spec.kind, value),
                previous=prev,
                whole=whole.get(spec.key) if spec.kind is Kind.HOURS and isinstance(value, Decimal) else None,
                has_sources=bool(report.sources(spec.key)),
            )
        )
    return cadres


def identity_rows(report: BpfReport) -> list[tuple[str, str]]:
    org = report.organisation
    public = {True: "oui", False: "non", None: "—"}[org.address_public]
    return [
        ("Numéro de déclaration", org.nda or "—"),
        ("Forme juridique", org.legal_form or "—"),
        ("Numéro de SIRET", org.siret or "—"),
        ("Code NAF", org.naf or "—"),
        ("Nom et prénom ou dénomination", org.name or "—"),
        ("Adresse", org.address or "—"),
        ("Adresse rendue publique", public),
        ("Téléphone", org.phone or "—"),
        ("Courriel de contact", org.email or "—"),
    ]

"""The exports of the outcomes page: the CSV (the table, with its total) and the XLSX (the
table, each chart's table, the filters in use) — what the page shows, for the same filters."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from formarche.closing.outcomes import DIMENSIONS, OutcomeRow, total_row
from formarche.utils.formatting import format_hours, format_rate
from formarche.utils.money import round_cents_of_ratio

# --------------------------------------------------------------------------------------------

HEADER = [
    "Stagiaires",
    "Sorties",
    "Abandons",
    "Taux d'abandon (%)",
    "Résultats de certification renseignés",
    "Certifications obtenues",
    "Taux de certification (%)",
    "Bilans validés",
    "En emploi à la sortie",
    "Taux d'emploi à la sortie (%)",
    "Questionnaires de suivi validés",
    "En emploi à 6 mois",
    "Taux d'emploi à 6 mois (%)",
    "Heures réalisées (C)",
    "Heures contractées (V)",
    "Réalisation au regard du contrat (%)",
]


def _rate_text(value) -> str:
    return "" if value is None else format_rate(value).replace("\u202f%", "")


def _table(rows: list[OutcomeRow]) -> list[list]:
    """The table's rows with the total, raw values (rates: exact Decimal or None)."""
    return [
        [
            row.label,
            row.trainees,
            row.exits,
            row.dropouts,
            row.dropout_rate,
            row.results,
            row.certified,
            row.certification_rate,
            row.assessed,
            row.employed_at_exit,
            row.employment_rate_at_exit,
            row.followed,
            row.employed_at_6_months,
            row.employment_rate_at_6_months,
            row.realised_hours,
            row.contracted_hours,
            row.realisation_rate,
        ]
        for row in [*rows, total_row(rows)]
    ]


RATE_COLUMNS = {4, 7, 10, 13, 16}
HOUR_COLUMNS = {14, 15}


def outcomes_csv(rows: list[OutcomeRow], dimension: str) -> str:
    """CSV for spreadsheets (semicolon, French decimals), with the total row."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow([DIMENSIONS[dimension][0], *HEADER])
    for line in _table(rows):
        writer.writerow(
            [
                _rate_text(v)
                if i in RATE_COLUMNS
                else format_hours(v).replace("\u202f", "")
                if i in HOUR_COLUMNS
                else v
                for i, v in enumerate(line)
            ]
        )
    return out.getvalue()


def _xlsx_value(value):
    if isinstance(value, Decimal):
        return float(round_cents_of_ratio(value, Decimal(1)))  # openpyxl stores numbers as floats
    return value


def outcomes_xlsx(rows, dimension, chart_list, described_filters) -> bytes:
    """One sheet for the table, one per chart (its table), one for the filters in use."""
    from openpyxl import Workbook  # heavy: loaded only for this file
    from openpyxl.styles import Font

    book = Workbook()
    sheets = [("Résultats", [DIMENSIONS[dimension][0], *HEADER], _table(rows))]
    for chart in chart_list:
        sheets.append((chart.title, chart.columns, [[c.raw for c in line] for line in chart.rows]))
    sheets.append(
        ("Filtres", ["Filtre", "Valeur"], [list(f) for f in described_filters] or [["Aucun", "tout"]])
    )
    used = set()
    for index, (title, header, lines) in enumerate(sheets):
        name = title[:31]
        while name in used:
            name = name[:29] + f"{len(used):02d}"
        used.add(name)
        sheet = book.active if index == 0 else book.create_sheet()
        sheet.title = name
        sheet.append(header)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for line in lines:
            sheet.append([_xlsx_value(v) for v in line])
        for col, text in enumerate(header, start=1):
            sheet.column_dimensions[sheet.cell(row=1, column=col).column_letter].width = max(
                12, min(60, len(text) + 4)
            )
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()

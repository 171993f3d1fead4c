"""Files of a BPF: JSON and CSV (bpf.md keys), PDF in the form's layout, XLSX control workbook."""

from __future__ import annotations

import csv
import io
import json
from collections import defaultdict
from decimal import Decimal

from django.template.loader import render_to_string

from formarche.bpf.aggregate import aggregate
from formarche.bpf.aggregate.accrual import funding_product
from formarche.bpf.cerfa import get_edition
from formarche.bpf.exports import to_csv_rows, to_json
from formarche.bpf.inputs import ZERO, BpfInputs
from formarche.bpf.presentation import identity_rows, layout
from formarche.bpf.report import BpfReport
from formarche.utils.pdf import html_to_pdf


def json_bytes(report: BpfReport) -> bytes:
    return (json.dumps(to_json(report), ensure_ascii=False, indent=2) + "\n").encode()


def csv_bytes(report: BpfReport) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerows(to_csv_rows(report))
    return ("\ufeff" + out.getvalue()).encode()


def pdf_html(report: BpfReport) -> str:
    edition = get_edition(report.edition)
    return render_to_string(
        "bpf/report_pdf.html",
        {"report": report, "edition": edition, "cadres": layout(report), "identity": identity_rows(report)},
    )


def pdf_bytes(report: BpfReport) -> bytes:
    return html_to_pdf(pdf_html(report))  # WeasyPrint (Pango) is loaded on the first PDF


def _enrolment_lines(inputs: BpfInputs):
    """Per enrolment: realised and billable hours, products by C line (the engine's arithmetic)."""
    fy = inputs.fiscal_year
    realised: dict = defaultdict(Decimal)
    counted: dict = defaultdict(Decimal)
    for row in inputs.attendance:
        if row.granularity.value == "fiscal_year" or (row.on is not None and row.on in fy):
            realised[row.enrolment_id] += row.realised_hours
            counted[row.enrolment_id] += row.counted_unrealised_hours
    actions = {a.id: a for a in inputs.actions}
    for e in inputs.enrolments:
        billable = realised[e.id] + counted[e.id]
        action = actions.get(e.action_id)
        planned = e.planned_hours or (action.planned_hours if action is not None else None)
        products = {}
        for f in e.fundings:  # principal payer and co-fundings: hourly, or flat pro rata
            amount = funding_product(f, billable, planned, e.billable_hours_before)
            if amount is None:
                continue
            if billable <= 0:  # as the engine: no billable hour, no product
                amount = ZERO
            products[f.c_line.value] = products.get(f.c_line.value, ZERO) + amount
        yield e, realised[e.id], counted[e.id], products


def xlsx_bytes(report: BpfReport, inputs: BpfInputs, *, labels: dict | None = None) -> bytes:
    """The accountant's control workbook: actions, enrolments, other products, cells, checks.

    ``labels``: {"action": {id: text}, "trainee": {id: text}} for readable names.
    """
    from openpyxl import Workbook  # heavy, and only for this file: loaded when asked for

    labels = labels or {}
    action_names = labels.get("action", {})
    lines = list(_enrolment_lines(inputs))
    book = _Sheets(Workbook())
    book.add(*_actions_sheet(inputs, lines, action_names), first=True)
    book.add(*_enrolments_sheet(inputs, lines, action_names, labels.get("trainee", {})))
    book.add(
        "Autres produits",
        ["Produit", "Date", "Nature", "Détail", "Ligne C", "Montant HT", "Action"],
        [
            [
                p.id,
                p.on,
                p.kind.value,
                p.other_kind.value if p.other_kind else "",
                p.c_line.value if p.c_line else "",
                p.amount,
                action_names.get(p.action_id, p.action_id or ""),
            ]
            for p in inputs.products
        ],
    )
    edition = get_edition(report.edition)
    json_cells = to_json(report)["cells"]
    book.add(
        "Cases",
        ["Clé", "Cadre", "Libellé", "Valeur", "Enregistrements"],
        [[s.key, s.cadre, s.label, json_cells[s.key], len(report.sources(s.key))] for s in edition.cells],
    )
    book.add(
        "Contrôles",
        ["Niveau", "Code", "Message", "Cases"],
        [[c.level.value, c.code, c.message_fr, ", ".join(c.cells)] for c in report.checks],
    )
    book.add("Identification", ["Rubrique", "Valeur"], identity_rows(report))
    out = io.BytesIO()
    book.workbook.save(out)
    return out.getvalue()


class _Sheets:
    """Sheets with a bold, frozen header row and 18-wide columns."""

    def __init__(self, workbook) -> None:
        from openpyxl.styles import Font

        self.workbook = workbook
        self.bold = Font(bold=True)

    def add(self, title: str, header: list, rows, first: bool = False):
        ws = self.workbook.active if first else self.workbook.create_sheet()
        ws.title = title
        ws.append(header)
        for c in ws[1]:
            c.font = self.bold
        for row in rows:
            ws.append(row)
        ws.freeze_panes = "A2"
        for i, _ in enumerate(header, start=1):
            ws.column_dimensions[ws.cell(1, i).column_letter].width = 18
        return ws


def _actions_sheet(inputs: BpfInputs, lines: list, action_names: dict) -> tuple[str, list, list]:
    """One row per action: its F-3/F-4 attributes, trainees, hours and products by C line."""
    per_action: dict = defaultdict(
        lambda: {"trainees": set(), "h": ZERO, "c": ZERO, "products": defaultdict(Decimal)}
    )
    for e, r, c, products in lines:
        a = per_action[e.action_id]
        if r > 0:
            a["trainees"].add(e.trainee_id)
        a["h"] += r
        a["c"] += c
        for line, amount in products.items():
            a["products"][line] += amount
    c_lines = sorted({line for a in per_action.values() for line in a["products"]}, key=lambda x: (len(x), x))
    rows = []
    for action in inputs.actions:
        a = per_action[action.id]
        rows.append(
            [
                action_names.get(action.id, action.title or str(action.id)),
                action.objective.value,
                action.rncp_level,
                action.nsf_code or "",
                "oui" if action.distance else "non",
                "confiée"
                if action.subcontracted_to_other
                else ("reçue (G)" if action.received_from_other_of else ""),
                len(a["trainees"]),
                a["h"],
                a["c"],
                *[round(a["products"].get(line, ZERO), 2) for line in c_lines],
            ]
        )
    header = [
        "Action",
        "Objectif (F-3)",
        "Niveau RNCP",
        "NSF (F-4)",
        "À distance",
        "Sous-traitance",
        "Stagiaires",
        "Heures-stagiaires",
        "Heures non réalisées comptabilisées",
        *[f"Produits C-{line}" for line in c_lines],
    ]
    return "Actions", header, rows


def _enrolments_sheet(
    inputs: BpfInputs, lines: list, action_names: dict, trainee_names: dict
) -> tuple[str, list, list]:
    """One row per enrolment: status, the F-1 category the engine kept, hours and product."""
    facts = aggregate(inputs)
    category = {(u.trainee_id, u.action.id): u.category.value for u in facts.units}
    header = [
        "Inscription",
        "Stagiaire",
        "Action",
        "Statut à l'entrée",
        "Catégorie F-1 retenue",
        "Ligne C",
        "Tarif horaire",
        "Heures réalisées",
        "Heures non réalisées comptabilisées",
        "Produit (€ HT)",
    ]
    rows = [
        [
            e.id,
            trainee_names.get(e.trainee_id, str(e.trainee_id)),
            action_names.get(e.action_id, str(e.action_id)),
            e.status.value,
            category.get((e.trainee_id, e.action_id), ""),
            ", ".join(f.c_line.value for f in e.fundings),
            e.fundings[0].hourly_rate if e.fundings else None,
            r,
            c,
            round(sum(products.values(), ZERO), 2),
        ]
        for e, r, c, products in lines
    ]
    return "Inscriptions", header, rows

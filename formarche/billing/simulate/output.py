"""The simulator's outputs: the statements (and solde) as JSON, or as the seed's tables."""

from __future__ import annotations

import json
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from formarche.billing.engine import (
    OrderTerms,
    ProviderLine,
    Solde,
    Statement,
    contracted_hours,
)
from formarche.utils.formatting import format_amount, format_hours, format_month, format_rate
from formarche.utils.money import round_cents

# Output
# --------------------------------------------------------------------------------------------


def _s(value: Decimal) -> str:
    """A decimal as a string with at least 2 places (amounts, hours, rates)."""
    if value.as_tuple().exponent >= -2:
        value = round_cents(value)
    return f"{value:f}"


def _provider_json(line: ProviderLine) -> dict[str, Any]:
    return {
        "provider": line.provider,
        "hours": _s(line.hours),
        "billed_rate": _s(line.billed_rate),
        "ht": _s(line.ht),
        "vat": _s(line.vat),
        "ttc": _s(line.ttc),
        "payable_ht": _s(line.payable_ht),
        "payable_vat": _s(line.payable_vat),
        "payable_ttc": _s(line.payable_ttc),
    }


def statement_json(statement: Statement) -> dict[str, Any]:
    """The JSON object of one statement (the CLI contract's keys first)."""
    s = statement
    return {
        "period": f"{s.period.year:04d}-{s.period.month:02d}",
        "kind": str(s.kind),
        "period_hours": _s(s.period_hours),
        "cumulative_hours": _s(s.cumulative_hours),
        "realisation_rate": _s(s.realisation_rate),
        "billable": _s(s.billable),
        "billable_rate": _s(s.billable_rate),
        "cap_regulation": _s(s.cap_regulation),
        "cap_regulation_rate": _s(s.cap_regulation_rate),
        "advance": _s(s.advance),
        "advance_due": _s(s.advance_due),
        "advance_due_rate": _s(s.advance_due_rate),
        "advance_already_resorbed": _s(s.advance_already_resorbed),
        "advance_already_resorbed_rate": _s(s.advance_already_resorbed_rate),
        "advance_repayment": _s(s.advance_repayment),
        "advance_repayment_rate": _s(s.advance_repayment_rate),
        "repayment_carried_in": _s(s.repayment_carried_in),
        "total_ht": _s(s.total_ht),
        "vat": _s(s.vat),
        "total_ttc": _s(s.total_ttc),
        "already_paid": _s(s.already_paid),
        "repayment_carried_out": _s(s.repayment_carried_out),
        "previous_realised_hours": _s(s.previous_realised_hours),
        "previous_counted_unrealised_hours": _s(s.previous_counted_unrealised_hours),
        "realised_hours": _s(s.realised_hours),
        "counted_unrealised_hours": _s(s.counted_unrealised_hours),
        "unit_price": _s(s.unit_price),
        "cumulative_billable": _s(s.cumulative_billable),
        "cap_amount": _s(s.cap_amount),
        "cumulative_cap_regulation": _s(s.cumulative_cap_regulation),
        "vat_rate": _s(s.vat_rate),
        "providers": [_provider_json(line) for line in s.providers],
    }


def solde_json(solde: Solde) -> dict[str, Any]:
    return {
        "amount_due": _s(solde.amount_due),
        "bonus": _s(solde.bonus),
        "penalties": _s(solde.penalties),
        "advance": _s(solde.advance),
        "instalments_paid": _s(solde.instalments_paid),
        "total_paid": _s(solde.total_paid),
        "balance_ht": _s(solde.balance_ht),
        "vat": _s(solde.vat),
        "balance_ttc": _s(solde.balance_ttc),
        "is_repayment_order": solde.is_repayment_order,
    }


def render_json(statements: Sequence[Statement], solde: Solde | None) -> str:
    document: dict[str, Any] = {"statements": [statement_json(s) for s in statements]}
    if solde is not None:
        document["solde"] = solde_json(solde)
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def _table(rows: Sequence[Sequence[str]], *, header_rows: int = 1) -> list[str]:
    """A plain-text table: first column left-aligned, the others right-aligned."""
    widths = [max(len(row[col]) for row in rows) for col in range(len(rows[0]))]
    lines = []
    for index, row in enumerate(rows):
        cells = [row[0].ljust(widths[0])] + [
            cell.rjust(width) for cell, width in zip(row[1:], widths[1:], strict=True)
        ]
        lines.append("  " + " | ".join(cells).rstrip())
        if index == header_rows - 1:
            lines.append("  " + "-+-".join("-" * width for width in widths))
    return lines


def _statement_table(terms: OrderTerms, s: Statement) -> list[str]:
    lines = [f"{s.kind} — {format_month(s.period)}", ""]
    lines += _volume_tables(s)
    lines += ["", "Détails des montants facturés sur la période et par prestataire"]
    lines += _provider_table(s)
    lines += _amount_tables(s)
    lines += ["", f"Plafonnement à hauteur de : {format_amount(s.cap_amount)} €"]
    lines.append(f"Total déjà versé : {format_amount(s.already_paid)} €")
    if s.repayment_carried_out:
        lines.append(
            f"Remboursement d'avance non récupéré, reporté sur la période suivante : "
            f"{format_amount(s.repayment_carried_out)} €"
        )
    return lines


def _volume_tables(s: Statement) -> list[str]:
    lines = ["Récapitulatif des volumes des réalisations"]
    lines += _table(
        [
            ["", "Périodes précédentes", "", "Sur la PERIODE y compris rectificatif", "", "", ""],
            [
                "",
                "Réalisé",
                "Non réalisé comptabilisé",
                "Réalisé",
                "Non réalisé comptabilisé",
                "Cumul",
                "% de réalisation",
            ],
            [
                "Heure stag fact",
                format_hours(s.previous_realised_hours),
                format_hours(s.previous_counted_unrealised_hours),
                format_hours(s.realised_hours),
                format_hours(s.counted_unrealised_hours),
                format_hours(s.cumulative_hours),
                format_rate(s.realisation_rate),
            ],
        ],
        header_rows=2,
    )
    lines += ["", "Réalisations facturées sur la période"]
    lines += _table(
        [
            [
                "Réalisations de la période",
                "Volume Réalisé",
                "Volume non réalisé comptabilisé",
                "Total",
                "Prix unitaire €HT",
                "Montant €HT",
            ],
            [
                "Prix Heure stagiaire - Heure stag fact",
                format_hours(s.realised_hours),
                format_hours(s.counted_unrealised_hours),
                format_hours(s.period_hours),
                format_amount(s.unit_price)
                if s.unit_price.as_tuple().exponent >= -2
                else f"{s.unit_price:f}",
                format_amount(s.billable),
            ],
            ["TOTAL €HT", "", "", "", "", format_amount(s.billable)],
        ]
    )
    return lines


def _provider_table(s: Statement) -> list[str]:
    rows = [["Prestataire", "Pourcentage facturé", "Montant € HT", "TVA", "Montant € TTC"]]
    for line in s.providers:
        rows.append(
            [
                line.provider or "Titulaire",
                format_rate(line.billed_rate),
                format_amount(line.ht),
                format_amount(line.vat),
                format_amount(line.ttc),
            ]
        )
    rows.append(
        [
            "TOTAL",
            format_rate(s.billable_rate),
            format_amount(sum((line.ht for line in s.providers), Decimal(0))),
            "",
            format_amount(sum((line.ttc for line in s.providers), Decimal(0))),
        ]
    )
    return _table(rows)


def _amount_tables(s: Statement) -> list[str]:
    lines = ["", "Remboursement avance sur la période"]
    lines += _table(
        [
            ["", "%", "Montant €"],
            [
                "Remboursement avance au regard du pourcentage de réalisation",
                format_amount(s.advance_due_rate),
                format_amount(s.advance_due),
            ],
            [
                "Montant de l'avance déjà résorbé",
                format_amount(s.advance_already_resorbed_rate),
                format_amount(s.advance_already_resorbed),
            ],
            [
                "Remboursement avance",
                format_amount(s.advance_repayment_rate),
                format_amount(s.advance_repayment),
            ],
        ]
    )
    lines += ["", "Montant facturé sur la période"]
    rows = [
        ["Montant facturé sur la période", "Pourcentage", "Montant €"],
        [
            "Montant facturable au regard des données contractuelles",
            format_amount(s.billable_rate),
            format_amount(s.billable),
        ],
        [
            "Régulation pour plafonnement",
            format_amount(s.cap_regulation_rate),
            format_amount(s.cap_regulation),
        ],
        ["Remboursement avance", format_amount(s.advance_repayment_rate), format_amount(s.advance_repayment)],
    ]
    if s.repayment_carried_in:
        rows.append(
            [
                "Remboursement avance reporté de la période précédente",
                "",
                format_amount(s.repayment_carried_in),
            ]
        )
    rows.append(["Total à verser €HT", "", format_amount(s.total_ht)])
    lines += _table(rows)
    lines.append("")
    lines += _table(
        [
            [f"TVA {format_rate(s.vat_rate)}", format_amount(s.vat)],
            ["Total à verser €TTC", format_amount(s.total_ttc)],
        ],
        header_rows=0,
    )
    return lines


def render_table(terms: OrderTerms, statements: Sequence[Statement], solde: Solde | None) -> str:
    cap = "aucun" if terms.cap_rate is None else format_rate(terms.cap_rate * 100)
    lines = [
        f"Commande : {format_amount(terms.amount)} € HT — prix unitaire {format_amount(terms.unit_price)} € HT"
        f" — {format_hours(contracted_hours(terms))} heures stagiaires — {terms.duration_months} mois"
        f" — avance {format_rate(terms.advance_rate * 100)} — plafonnement {cap}",
        "",
    ]
    for index, statement in enumerate(statements):
        if index:
            lines += ["", "=" * 80, ""]
        lines += _statement_table(terms, statement)
    if solde is not None:
        lines += ["", "=" * 80, "", "Solde (VSF)"]
        lines += _table(
            [
                ["Montant dû (réalisé, dans la limite de la commande)", format_amount(solde.amount_due)],
                ["Bonus", format_amount(solde.bonus)],
                ["Pénalités", format_amount(-solde.penalties)],
                ["Avance versée", format_amount(-solde.advance)],
                ["Acomptes versés (CRE)", format_amount(-solde.instalments_paid)],
                ["Solde €HT", format_amount(solde.balance_ht)],
                ["TVA", format_amount(solde.vat)],
                ["Solde €TTC", format_amount(solde.balance_ttc)],
            ],
            header_rows=0,
        )
        if solde.is_repayment_order:
            lines.append("Solde négatif : ordre de reversement.")
    return "\n".join(lines) + "\n"

"""The charts of the outcomes page (``closing/outcomes.py`` computes, ``ui/charts.py`` draws):
realisation against the contract, exits by reason, certification, situation at 6 months, and the
employment rate at 6 months by group. Each chart carries its table (the same figures)."""

from __future__ import annotations

from decimal import Decimal

from formarche.closing.outcomes import Distributions, OutcomeRow, rate
from formarche.ui.charts import Bar, BarChart, Cell
from formarche.utils.formatting import format_hours, format_rate
from formarche.utils.money import percent

# --------------------------------------------------------------------------------------------


def _rate_cell(value) -> Cell:
    return Cell(value, "non calculable" if value is None else format_rate(value))


def _share(count: int, total: int) -> str:
    return "" if not total else format_rate(percent(Decimal(count), Decimal(total)))


def _count_chart(key, title, desc, items, total, label_header) -> BarChart:
    bars = [
        Bar(label, count, f"{count} ({_share(count, total)})" if total else str(count))
        for label, count in items
    ]
    rows = [
        [Cell(label, label), Cell(count, str(count)), Cell(_share(count, total), _share(count, total))]
        for label, count in items
    ]
    return BarChart(
        key=key,
        title=title,
        desc=desc,
        bars=bars,
        columns=[label_header, "Stagiaires", "Part"],
        rows=rows,
    ).layout()


def charts(
    rows: list[OutcomeRow], dimension_label: str, spread: Distributions | None = None
) -> list[BarChart]:
    """The page's charts, in order: realisation against contract, exits by reason, certification,
    situation at 6 months, employment rate at 6 months by group."""
    result = [realisation_chart(rows, dimension_label)]
    if spread is not None:
        result += distribution_charts(spread)
    result.append(employment_rate_chart(rows, dimension_label))
    return result


def _realisation_text(r: OutcomeRow) -> str:
    if r.realisation_rate is None:
        return "sans montant contracté"
    hours = f"{format_hours(r.realised_hours)} h / {format_hours(r.contracted_hours)} h"
    return f"{format_rate(r.realisation_rate)} ({hours})"


def realisation_chart(rows: list[OutcomeRow], dimension_label: str) -> BarChart:
    group = dimension_label.lower()
    over = [r.label for r in rows if r.realisation_rate is not None and r.realisation_rate > 100]
    return BarChart(
        key="realisation",
        title=f"Réalisation au regard du contrat, par {group}",
        desc=(
            f"Pour chaque {group}, heures réalisées et heures non réalisées comptées (C) rapportées au "
            "volume contracté : C × prix unitaire / montant × 100. La ligne pointillée marque 100 % du "
            f"contrat. {len(rows)} ligne(s)" + (f" ; au-delà de 100 % : {', '.join(over)}." if over else ".")
        ),
        bars=[Bar(r.label, r.realisation_rate, _realisation_text(r)) for r in rows],
        columns=[dimension_label, "Heures réalisées (C)", "Heures contractées (V)", "Réalisation"],
        rows=[
            [
                Cell(r.label, r.label),
                Cell(r.realised_hours, format_hours(r.realised_hours)),
                Cell(r.contracted_hours, format_hours(r.contracted_hours)),
                _rate_cell(r.realisation_rate),
            ]
            for r in rows
        ],
        scale_max=Decimal(100),
        reference=Decimal(100),
        reference_label="contrat : 100 %",
    ).layout()


def distribution_charts(spread: Distributions) -> list[BarChart]:
    employed_rate = rate(spread.employed_at_6_months, spread.followed)
    return [
        _count_chart(
            "sorties",
            "Sorties par motif",
            f"{spread.exits} stagiaire(s) sorti(s), répartis par motif de sortie.",
            spread.exits_by_reason,
            spread.exits,
            "Motif de sortie",
        ),
        _count_chart(
            "certification",
            "Certification à la sortie",
            f"Résultat de certification des {spread.exits} stagiaire(s) sorti(s) : obtenue, partielle, "
            "non obtenue, non présentée, ou pas encore renseignée.",
            spread.certification,
            spread.exits,
            "Résultat",
        ),
        _count_chart(
            "emploi-6-mois",
            "Situation à 6 mois (questionnaires de suivi validés)",
            f"{spread.followed} questionnaire(s) validé(s) ; en emploi : {spread.employed_at_6_months}"
            + (f", soit {format_rate(employed_rate)}." if employed_rate is not None else "."),
            [
                (f"{label} (emploi)" if employed else label, count)
                for label, count, employed in spread.situations_at_6_months
            ],
            spread.followed,
            "Situation",
        ),
    ]


def _employment_text(r: OutcomeRow) -> str:
    if r.employment_rate_at_6_months is None:
        return "non calculable"
    return f"{format_rate(r.employment_rate_at_6_months)} ({r.employed_at_6_months} / {r.followed})"


def employment_rate_chart(rows: list[OutcomeRow], dimension_label: str) -> BarChart:
    group = dimension_label.lower()
    return BarChart(
        key="taux-emploi-6-mois",
        title=f"Taux d'emploi à 6 mois, par {group}",
        desc=(
            f"Pour chaque {group} : questionnaires de suivi validés en emploi (CDI, CDD, intérim, "
            "création d'entreprise, alternance) rapportés aux questionnaires validés."
        ),
        bars=[Bar(r.label, r.employment_rate_at_6_months, _employment_text(r)) for r in rows],
        columns=[dimension_label, "En emploi à 6 mois", "Questionnaires validés", "Taux d'emploi à 6 mois"],
        rows=[
            [
                Cell(r.label, r.label),
                Cell(r.employed_at_6_months, str(r.employed_at_6_months)),
                Cell(r.followed, str(r.followed)),
                _rate_cell(r.employment_rate_at_6_months),
            ]
            for r in rows
        ],
        scale_max=Decimal(100),
    ).layout()

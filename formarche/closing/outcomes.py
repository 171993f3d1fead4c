"""Outcomes for the Région: trainees, exits and rates by dispositif, lot or OF.

Rates (exact ``Decimal`` percentages, shown with 2 decimals by ``|taux``; ``None`` when the
denominator is 0):

- taux d'abandon = sorties pour abandon / sorties;
- taux de certification = certifications obtenues / résultats renseignés (obtenue, partielle, non
  obtenue, non présentée);
- taux d'emploi à la sortie = bilans validés en emploi / bilans validés;
- taux d'emploi à 6 mois = questionnaires validés en emploi / questionnaires validés.

« En emploi »: CDI, CDD (≥ 6 mois or < 6 mois), intérim, création d'entreprise, contrat en
alternance (``models.EMPLOYMENT_SITUATIONS``). One query per table, whatever the number of rows.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Q

from formarche.accounts.tenancy import scoped
from formarche.closing.models import EMPLOYMENT_SITUATIONS, AssessmentState, CertificationResult
from formarche.trainees.models import Enrolment, ExitReason
from formarche.utils.formatting import format_rate

DIMENSIONS = {
    # key: (label, group fields, label builder)
    "dispositif": (
        "Dispositif",
        ("order__dispositif_id", "order__dispositif__name"),
        lambda r: r["order__dispositif__name"],
    ),
    "lot": (
        "Lot",
        ("order__lot_id", "order__lot__number", "order__lot__trade_family", "order__lot__territory"),
        lambda r: (
            f"Lot {r['order__lot__number']} - {r['order__lot__trade_family']} - {r['order__lot__territory']}"
        ),
    ),
    "organisme": (
        "Organisme de formation",
        ("order__provider_id", "order__provider__name"),
        lambda r: r["order__provider__name"],
    ),
}


def rate(numerator: int, denominator: int) -> Decimal | None:
    """``numerator / denominator`` as a percentage, exact; None when nothing to divide."""
    if not denominator:
        return None
    return Decimal(numerator) * 100 / Decimal(denominator)


@dataclass(frozen=True)
class OutcomeRow:
    label: str
    trainees: int
    exits: int
    dropouts: int
    results: int
    certified: int
    assessed: int
    employed_at_exit: int
    followed: int
    employed_at_6_months: int

    @property
    def dropout_rate(self):
        return rate(self.dropouts, self.exits)

    @property
    def certification_rate(self):
        return rate(self.certified, self.results)

    @property
    def employment_rate_at_exit(self):
        return rate(self.employed_at_exit, self.assessed)

    @property
    def employment_rate_at_6_months(self):
        return rate(self.employed_at_6_months, self.followed)


COUNTS = (
    "trainees",
    "exits",
    "dropouts",
    "results",
    "certified",
    "assessed",
    "employed_at_exit",
    "followed",
    "employed_at_6_months",
)


def total_row(rows: list[OutcomeRow]) -> OutcomeRow:
    return OutcomeRow("Total", *(sum(getattr(r, name) for r in rows) for name in COUNTS))


def outcome_rows(tenant, dimension: str) -> list[OutcomeRow]:
    """One row per dispositif, lot or OF of the orders this tenant sees."""
    _, group, label = DIMENSIONS[dimension]
    employed = list(EMPLOYMENT_SITUATIONS)
    validated = AssessmentState.VALIDATED
    data = (
        scoped(Enrolment, tenant)
        .values(*group)
        .annotate(
            trainees=Count("pk"),
            exits=Count("pk", filter=Q(exit_date__isnull=False)),
            dropouts=Count("pk", filter=Q(exit_date__isnull=False, exit_reason=ExitReason.DROPOUT)),
            results=Count("pk", filter=Q(exit_outcome__certification_result__in=CertificationResult.values)),
            certified=Count("pk", filter=Q(exit_outcome__certification_result=CertificationResult.OBTAINED)),
            assessed=Count("pk", filter=Q(exit_assessment__state=validated)),
            employed_at_exit=Count(
                "pk", filter=Q(exit_assessment__state=validated, exit_assessment__situation__in=employed)
            ),
            followed=Count("pk", filter=Q(followup__state=validated)),
            employed_at_6_months=Count(
                "pk", filter=Q(followup__state=validated, followup__situation__in=employed)
            ),
        )
        .order_by(*group[1:])
    )
    return [OutcomeRow(label(r), *(r[name] for name in COUNTS)) for r in data]


# --------------------------------------------------------------------------------------------
# Charts (server-rendered SVG: the geometry is computed here, the template only draws it)
# --------------------------------------------------------------------------------------------

RATES = [
    ("dropout_rate", "Taux d'abandon"),
    ("certification_rate", "Taux de certification"),
    ("employment_rate_at_exit", "Taux d'emploi à la sortie"),
    ("employment_rate_at_6_months", "Taux d'emploi à 6 mois"),
]
BAR_HEIGHT = 22
LABEL_WIDTH = 260
BAR_AREA = 360


def charts(rows: list[OutcomeRow]) -> list[dict]:
    result = []
    for attr, title in RATES:
        bars = []
        for index, row in enumerate(rows):
            value = getattr(row, attr)
            width = 0 if value is None else int(round(value * BAR_AREA / 100))
            bars.append(
                {
                    "label": row.label if len(row.label) <= 38 else row.label[:37] + "…",
                    "full_label": row.label,
                    "y": index * (BAR_HEIGHT + 6),
                    "text_y": index * (BAR_HEIGHT + 6) + 15,
                    "width": width,
                    "value_x": LABEL_WIDTH + width + 6,
                    "value": "non calculable" if value is None else format_rate(value),
                }
            )
        result.append(
            {
                "key": attr,
                "title": title,
                "bars": bars,
                "height": max(1, len(rows)) * (BAR_HEIGHT + 6),
                "label_width": LABEL_WIDTH,
                "width": LABEL_WIDTH + BAR_AREA + 110,
            }
        )
    return result


def _rate_text(value) -> str:
    return "" if value is None else format_rate(value).replace("\u202f%", "")


def outcomes_csv(rows: list[OutcomeRow], dimension: str) -> str:
    """CSV for spreadsheets (semicolon, French decimals), with the total row."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(
        [
            DIMENSIONS[dimension][0],
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
        ]
    )
    for row in [*rows, total_row(rows)]:
        writer.writerow(
            [
                row.label,
                row.trainees,
                row.exits,
                row.dropouts,
                _rate_text(row.dropout_rate),
                row.results,
                row.certified,
                _rate_text(row.certification_rate),
                row.assessed,
                row.employed_at_exit,
                _rate_text(row.employment_rate_at_exit),
                row.followed,
                row.employed_at_6_months,
                _rate_text(row.employment_rate_at_6_months),
            ]
        )
    return out.getvalue()

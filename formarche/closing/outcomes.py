"""Outcomes (« Résultats des actions ») for the Région and for the OF (its own actions only).

Everything read goes through ``accounts.tenancy.scoped``: a Région sees the orders it placed, an
OF the actions it runs. Filters (year, marché, lot, dispositif, action, and for the Région the
OF) narrow the same querysets; an id the tenant does not see simply matches nothing.

Rates (exact ``Decimal`` percentages, shown with 2 decimals by ``|taux``; ``None`` when the
denominator is 0):

- taux d'abandon = sorties pour abandon / sorties;
- taux de certification = certifications obtenues / résultats renseignés (obtenue, partielle, non
  obtenue, non présentée);
- taux d'emploi à la sortie = bilans validés en emploi / bilans validés;
- taux d'emploi à 6 mois = questionnaires validés en emploi / questionnaires validés;
- réalisation au regard du contrat = Σ C × p / Σ A × 100 over the group's actions (``percent``,
  the action's own rate when the group is one action; sigma.md).

« En emploi »: CDI, CDD (≥ 6 mois or < 6 mois), intérim, création d'entreprise, contrat en
alternance (``models.EMPLOYMENT_SITUATIONS``).

Queries, whatever the number of rows: the filter choices (one query on the orders), the table by
group (one grouped query on the enrolments), the realisation (one query on the orders with their
hours), the distributions of exits, certification and situations at 6 months (one aggregate).
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import date
from decimal import Decimal

from django.db.models import Count, Q

from formarche.accounts.tenancy import scoped
from formarche.closing.models import (
    EMPLOYMENT_SITUATIONS,
    AssessmentState,
    CertificationResult,
    Situation,
)
from formarche.orders.models import CUMULATIVE_HOURS_SUM, Order
from formarche.trainees.models import Enrolment, ExitReason
from formarche.utils.money import ZERO, percent, round_cents_of_ratio

# key: (label, group fields relative to Order, label builder reading those fields)
DIMENSIONS = {
    "dispositif": (
        "Dispositif",
        ("dispositif_id", "dispositif__name"),
        lambda r: r["dispositif__name"],
    ),
    "lot": (
        "Lot",
        ("lot_id", "lot__number", "lot__trade_family", "lot__territory"),
        lambda r: f"Lot {r['lot__number']} - {r['lot__trade_family']} - {r['lot__territory']}",
    ),
    "action": (
        "Action",
        ("id", "number", "title"),
        lambda r: f"{r['number']} - {r['title']}",
    ),
    "organisme": (
        "Organisme de formation",
        ("provider_id", "provider__name"),
        lambda r: r["provider__name"],
    ),
}
REGION_ONLY_DIMENSIONS = {"organisme"}


def dimensions_for(tenant) -> dict:
    """The groupings offered: an OF is one organisme, so it does not group by organisme."""
    return {k: v for k, v in DIMENSIONS.items() if tenant.is_region or k not in REGION_ONLY_DIMENSIONS}


def rate(numerator: int, denominator: int) -> Decimal | None:
    """``numerator / denominator`` as a percentage, exact; None when nothing to divide."""
    if not denominator:
        return None
    return Decimal(numerator) * 100 / Decimal(denominator)


# --------------------------------------------------------------------------------------------
# Filters
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OutcomeFilters:
    """What the page narrows to (``None``: everything). Parsed from the query string."""

    year: int | None = None
    market: int | None = None
    lot: int | None = None
    dispositif: int | None = None
    order: int | None = None
    provider: int | None = None

    PARAMS = {
        "annee": "year",
        "marche": "market",
        "lot": "lot",
        "dispositif": "dispositif",
        "action": "order",
        "organisme": "provider",
    }

    @classmethod
    def from_query(cls, query, tenant) -> OutcomeFilters:
        values = {}
        for param, attr in cls.PARAMS.items():
            raw = (query.get(param) or "").strip()
            values[attr] = int(raw) if raw.isdigit() and len(raw) < 10 else None
        if not tenant.is_region:
            values["provider"] = None  # an OF sees only itself anyway
        return cls(**values)

    def order_q(self, prefix: str = "") -> Q:
        """The filter on orders (``prefix="order__"`` from the enrolments)."""
        q = Q()
        if self.year:
            first, last = date(self.year, 1, 1), date(self.year, 12, 31)
            # the actions running during the year: started by its end, not ended before its start
            q &= Q(**{f"{prefix}planned_start__lte": last}) & (
                Q(**{f"{prefix}real_end__gte": first})
                | Q(**{f"{prefix}real_end__isnull": True, f"{prefix}planned_end__gte": first})
            )
        for attr, lookup in (
            ("market", "lot__market_id"),
            ("lot", "lot_id"),
            ("dispositif", "dispositif_id"),
            ("order", "id"),
            ("provider", "provider_id"),
        ):
            value = getattr(self, attr)
            if value:
                q &= Q(**{f"{prefix}{lookup}": value})
        return q

    def as_query(self) -> str:
        """The query string of these filters (for the export links)."""
        return "&".join(
            f"{param}={getattr(self, attr)}" for param, attr in self.PARAMS.items() if getattr(self, attr)
        )

    @property
    def is_empty(self) -> bool:
        return not any(getattr(self, f.name) for f in fields(self))


@dataclass
class FilterChoices:
    years: list[int] = field(default_factory=list)
    markets: list[tuple[int, str]] = field(default_factory=list)
    lots: list[tuple[int, str]] = field(default_factory=list)
    dispositifs: list[tuple[int, str]] = field(default_factory=list)
    orders: list[tuple[int, str]] = field(default_factory=list)
    providers: list[tuple[int, str]] = field(default_factory=list)

    def described(self, filters: OutcomeFilters) -> list[tuple[str, str]]:
        """[(« Année », « 2023 »), …] for the filters in use: the page's sentence and the export."""
        names = [
            ("Année", filters.year, {y: str(y) for y in self.years}),
            ("Marché", filters.market, dict(self.markets)),
            ("Lot", filters.lot, dict(self.lots)),
            ("Dispositif", filters.dispositif, dict(self.dispositifs)),
            ("Action", filters.order, dict(self.orders)),
            ("Organisme de formation", filters.provider, dict(self.providers)),
        ]
        return [(label, known.get(value, "inconnu")) for label, value, known in names if value]


def filter_choices(tenant) -> FilterChoices:
    """The values the filters offer: what this tenant's orders carry (one query)."""
    rows = scoped(Order, tenant).values(
        "id",
        "number",
        "title",
        "planned_start",
        "planned_end",
        "real_end",
        "lot_id",
        "lot__number",
        "lot__trade_family",
        "lot__territory",
        "lot__market_id",
        "lot__market__reference",
        "lot__market__title",
        "dispositif_id",
        "dispositif__name",
        "provider_id",
        "provider__name",
    )
    years, markets, lots, dispositifs, orders, providers = set(), {}, {}, {}, {}, {}
    for r in rows:
        end = r["real_end"] or r["planned_end"]
        years.update(range(r["planned_start"].year, end.year + 1))
        markets[r["lot__market_id"]] = f"{r['lot__market__reference']} - {r['lot__market__title']}"
        lots[r["lot_id"]] = DIMENSIONS["lot"][2](r)
        dispositifs[r["dispositif_id"]] = r["dispositif__name"]
        orders[r["id"]] = DIMENSIONS["action"][2](r)
        providers[r["provider_id"]] = r["provider__name"]

    def by_label(d):
        return sorted(d.items(), key=lambda item: (item[1], item[0]))

    return FilterChoices(
        years=sorted(years, reverse=True),
        markets=by_label(markets),
        lots=by_label(lots),
        dispositifs=by_label(dispositifs),
        orders=by_label(orders),
        providers=by_label(providers) if tenant.is_region else [],
    )


# --------------------------------------------------------------------------------------------
# The table by group
# --------------------------------------------------------------------------------------------


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
    # realisation against the contract (the group's actions)
    amount: Decimal = ZERO  # Σ A
    realised_value: Decimal = ZERO  # Σ C × p
    contracted_hours: Decimal = ZERO  # Σ V = Σ A / p (each to the cent)
    realised_hours: Decimal = ZERO  # Σ C
    key: object = None

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

    @property
    def realisation_rate(self) -> Decimal | None:
        """Σ C × p / Σ A × 100, to the cent; None for a group without any contracted amount."""
        return percent(self.realised_value, self.amount) if self.amount else None


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
REALISATION = ("amount", "realised_value", "contracted_hours", "realised_hours")


def total_row(rows: list[OutcomeRow]) -> OutcomeRow:
    counts = [sum(getattr(r, name) for r in rows) for name in COUNTS]
    sums = {name: sum((getattr(r, name) for r in rows), ZERO) for name in REALISATION}
    return OutcomeRow("Total", *counts, **sums)


def _enrolment_counts(tenant, dimension: str, filters: OutcomeFilters) -> dict:
    _, group, label = DIMENSIONS[dimension]
    enrolment_group = [f"order__{name}" if name != "id" else "order_id" for name in group]
    employed = list(EMPLOYMENT_SITUATIONS)
    validated = AssessmentState.VALIDATED
    data = (
        scoped(Enrolment, tenant)
        .filter(filters.order_q("order__"))
        .values(*enrolment_group)
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
        .order_by()
    )
    result = {}
    for r in data:
        fields_ = {
            name: r[enrolment_name] for name, enrolment_name in zip(group, enrolment_group, strict=True)
        }
        result[fields_[group[0]]] = (label(fields_), [r[name] for name in COUNTS])
    return result


def _realisation(tenant, dimension: str, filters: OutcomeFilters) -> dict:
    """{group key: (label, Σ A, Σ C × p, Σ V, Σ C)} from one query on the orders and their hours."""
    _, group, label = DIMENSIONS[dimension]
    wanted = dict.fromkeys([*group, "id", "amount", "unit_price"])
    data = (
        scoped(Order, tenant)
        .filter(filters.order_q())
        .values(*wanted)
        .annotate(hours=CUMULATIVE_HOURS_SUM)
        .order_by()
    )
    result: dict = {}
    for r in data:
        hours = r["hours"] or ZERO
        key = r[group[0]]
        _label, amount, value, contracted, realised = result.get(key, (label(r), ZERO, ZERO, ZERO, ZERO))
        result[key] = (
            _label,
            amount + r["amount"],
            value + hours * r["unit_price"],
            contracted + round_cents_of_ratio(r["amount"], r["unit_price"]),
            realised + hours,
        )
    return result


def outcome_rows(tenant, dimension: str, filters: OutcomeFilters | None = None) -> list[OutcomeRow]:
    """One row per dispositif, lot, action or OF of the orders this tenant sees (two queries)."""
    filters = filters or OutcomeFilters()
    counts = _enrolment_counts(tenant, dimension, filters)
    realisation = _realisation(tenant, dimension, filters)
    rows = []
    for key in counts.keys() | realisation.keys():
        label, numbers = counts.get(key, (None, [0] * len(COUNTS)))
        real_label, amount, value, contracted, realised = realisation.get(
            key, (label, ZERO, ZERO, ZERO, ZERO)
        )
        rows.append(
            OutcomeRow(
                label or real_label,
                *numbers,
                amount=amount,
                realised_value=value,
                contracted_hours=contracted,
                realised_hours=realised,
                key=key,
            )
        )
    return sorted(rows, key=lambda r: (r.label, str(r.key)))


# --------------------------------------------------------------------------------------------
# Distributions: exits by reason, certification, situation at 6 months (one aggregate)
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Distributions:
    exits_by_reason: list[tuple[str, int]]
    certification: list[tuple[str, int]]
    exits: int
    situations_at_6_months: list[tuple[str, int, bool]]  # (label, count, counted as employment)
    followed: int

    @property
    def employed_at_6_months(self) -> int:
        return sum(count for _label, count, employed in self.situations_at_6_months if employed)


def distributions(tenant, filters: OutcomeFilters | None = None) -> Distributions:
    filters = filters or OutcomeFilters()
    validated = AssessmentState.VALIDATED
    aggregates = {"exits": Count("pk", filter=Q(exit_date__isnull=False))}
    for reason in ExitReason:
        aggregates[f"exit_{reason.value}"] = Count(
            "pk", filter=Q(exit_date__isnull=False, exit_reason=reason)
        )
    for result in CertificationResult:
        aggregates[f"cert_{result.value}"] = Count("pk", filter=Q(exit_outcome__certification_result=result))
    aggregates["followed"] = Count("pk", filter=Q(followup__state=validated))
    for situation in Situation:
        aggregates[f"fu_{situation.value}"] = Count(
            "pk", filter=Q(followup__state=validated, followup__situation=situation)
        )
    data = scoped(Enrolment, tenant).filter(filters.order_q("order__")).aggregate(**aggregates)
    certification = [(r.label, data[f"cert_{r.value}"]) for r in CertificationResult]
    entered = sum(count for _label, count in certification)
    certification.append(("Non renseignée (stagiaires sortis)", max(0, data["exits"] - entered)))
    return Distributions(
        exits_by_reason=[(r.label, data[f"exit_{r.value}"]) for r in ExitReason],
        certification=certification,
        exits=data["exits"],
        situations_at_6_months=[
            (s.label, data[f"fu_{s.value}"], s in EMPLOYMENT_SITUATIONS) for s in Situation
        ],
        followed=data["followed"],
    )


def with_dimension_default(dimension: str, tenant) -> str:
    return dimension if dimension in dimensions_for(tenant) else "dispositif"


__all__ = [
    "DIMENSIONS",
    "Distributions",
    "FilterChoices",
    "OutcomeFilters",
    "OutcomeRow",
    "dimensions_for",
    "distributions",
    "filter_choices",
    "outcome_rows",
    "total_row",
]

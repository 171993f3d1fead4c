"""The statements of an order executed by a group of OFs (groupement: a mandataire and co-traitants).

Pure Python (see :mod:`formarche.billing.engine`).  The rule [design, ADR 0018]: **each member's
statement is the single-provider statement of its own share** — the order's terms with the
amount A replaced by the member's share A_m (same unit price p, duration D, VAT, advance rate,
cap rate and resorption bands), computed on the hours of the member's own trainees.  So each
member has its own advance (α × base_m), its own cap (c × A_m), its own resorption (on its own
realisation rate r_m = C_m × p / A_m) and never bills beyond its share; the group's CRE shows one
line per provider and the total, which **is** the sum of the members' lines (cent for cent).

The cents rule: every member line is rounded at its own line, as a single-provider statement
is; the group's figures are sums of those rounded lines, never rounded again.  So the group's
total differs from a statement computed on the whole order (A, all hours) by the rounding of
each member (at most ½ cent per rounded line and member) *and* by the non-linear lines (cap,
resorption) when the members do not progress at the same pace — the property tests bound the
first case, the tables of ``tests/billing/test_engine_group.py`` show the second.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from formarche.billing.engine.results import PeriodInput, ProviderLine, Solde, Statement
from formarche.billing.engine.statements import compute_solde, compute_statements
from formarche.billing.engine.terms import EngineInputError, OrderTerms, StatementKind, _check_decimal
from formarche.utils.money import percent

_ZERO = Decimal("0.00")


@dataclass(frozen=True, slots=True)
class MemberShare:
    """One member of the group: its code (``IN1331``) and its share A_m of the order amount (€ HT)."""

    code: str
    amount: Decimal


@dataclass(frozen=True, slots=True, kw_only=True)
class GroupPeriodInput:
    """One month of a group order: each member's hours ``code → (réalisé, non réalisé comptabilisé)``.

    A member missing from ``member_hours`` delivered no hours that month.
    """

    period: date
    member_hours: Mapping[str, tuple[Decimal, Decimal]]
    final: bool = False


@dataclass(slots=True)
class GroupStatement:
    """The group's CRE / CREF of one period: each member's own statement, and the group's.

    ``total`` is the group's statement in the single-provider shape (what the CRE page, its PDF
    and the tables read): every amount and hour is the sum of the members' rounded lines, the
    rates are recomputed on the order (A, or the advance base), ``providers`` holds one line per
    member — "Détails des montants facturés sur la période et par prestataire" [seed layout].
    """

    period: date
    kind: StatementKind
    members: tuple[tuple[str, Statement], ...]  # (code, the member's statement on its share)
    total: Statement

    def member(self, code: str) -> Statement:
        return dict(self.members)[code]


def member_terms(terms: OrderTerms, share: MemberShare) -> OrderTerms:
    """The order's terms on one member's share: A → A_m, everything else unchanged."""
    return dataclasses.replace(terms, amount=share.amount)


def check_shares(terms: OrderTerms, shares: Sequence[MemberShare]) -> None:
    """At least two members, distinct codes, positive shares in cents adding up to A."""
    if len(shares) < 2:
        raise EngineInputError("shares", "un groupement compte au moins deux organismes")
    codes = [share.code for share in shares]
    if len(set(codes)) != len(codes) or not all(isinstance(code, str) and code for code in codes):
        raise EngineInputError("shares", "chaque membre a un code, distinct des autres")
    total = Decimal(0)
    for share in shares:
        amount = _check_decimal(f"shares[{share.code}]", share.amount, places=2)
        if amount <= 0:
            raise EngineInputError(f"shares[{share.code}]", "la part d'un membre doit être positive")
        total += amount
    if total != terms.amount:
        raise EngineInputError(
            "shares",
            f"la somme des parts ({total} €) doit égaler le montant de la commande ({terms.amount} €)",
        )


def compute_group_statements(
    terms: OrderTerms, shares: Sequence[MemberShare], periods: Sequence[GroupPeriodInput]
) -> list[GroupStatement]:
    """One :class:`GroupStatement` per period: each member's statement on its share, and the sums."""
    check_shares(terms, shares)
    codes = {share.code for share in shares}
    for item in periods:
        unknown = set(item.member_hours) - codes
        if unknown:
            raise EngineInputError("member_hours", f"membre inconnu : {', '.join(sorted(unknown))}")
    per_member = {}
    for share in shares:
        inputs = []
        for item in periods:
            realised, counted = item.member_hours.get(share.code, (_ZERO, _ZERO))
            inputs.append(
                PeriodInput(
                    period=item.period,
                    realised_hours=realised,
                    counted_unrealised_hours=counted,
                    final=item.final,
                )
            )
        per_member[share.code] = compute_statements(member_terms(terms, share), inputs)
    result = []
    for index, item in enumerate(periods):
        members = tuple((share.code, per_member[share.code][index]) for share in shares)
        result.append(_group_statement(terms, item, members))
    return result


_SUMMED = (
    "previous_realised_hours",
    "previous_counted_unrealised_hours",
    "realised_hours",
    "counted_unrealised_hours",
    "period_hours",
    "cumulative_hours",
    "billable",
    "cumulative_billable",
    "cap_amount",
    "cap_regulation",
    "cumulative_cap_regulation",
    "advance",
    "advance_due",
    "advance_already_resorbed",
    "advance_repayment",
    "repayment_carried_in",
    "total_ht",
    "vat",
    "total_ttc",
    "already_paid",
    "repayment_carried_out",
)


def _group_statement(terms: OrderTerms, item: GroupPeriodInput, members) -> GroupStatement:
    sums = {name: sum((getattr(statement, name) for _, statement in members), _ZERO) for name in _SUMMED}
    lines = tuple(
        ProviderLine(
            provider=code,
            hours=statement.period_hours,
            billed_rate=percent(statement.billable, terms.amount),  # [seed] % of the order amount A
            ht=statement.providers[0].ht,
            vat=statement.providers[0].vat,
            ttc=statement.providers[0].ttc,
            payable_ht=statement.total_ht,
            payable_vat=statement.vat,
            payable_ttc=statement.total_ttc,
        )
        for code, statement in members
    )
    amount, alpha, advance = terms.amount, terms.advance_rate, sums["advance"]
    first = members[0][1]
    total = Statement(
        period=item.period,
        kind=first.kind,
        unit_price=first.unit_price,
        vat_rate=first.vat_rate,
        # rates on the order: r = C × p / A; régulation / A; resorption / base (= S × α / avance)
        realisation_rate=percent(sums["cumulative_hours"] * terms.unit_price, amount),
        billable_rate=percent(sums["billable"], amount),
        cap_regulation_rate=percent(-sums["cap_regulation"], amount),
        advance_due_rate=percent(sums["advance_due"] * alpha, advance),
        advance_already_resorbed_rate=percent(sums["advance_already_resorbed"] * alpha, advance),
        advance_repayment_rate=percent(-sums["advance_repayment"] * alpha, advance),
        providers=lines,
        **sums,
    )
    return GroupStatement(period=item.period, kind=first.kind, members=members, total=total)


def compute_group_solde(
    terms: OrderTerms,
    shares: Sequence[MemberShare],
    statements: Sequence[GroupStatement],
    *,
    adjustments: Mapping[str, tuple[Decimal, Decimal]] | None = None,
) -> dict[str, Solde]:
    """Each member's solde on its own share and statements [design, ADR 0018]; ``adjustments``
    gives a member's (bonus, penalties) — the Région enters them against one member."""
    check_shares(terms, shares)
    adjustments = adjustments or {}
    result = {}
    for share in shares:
        own = [group.member(share.code) for group in statements]
        bonus, penalties = adjustments.get(share.code, (_ZERO, _ZERO))
        result[share.code] = compute_solde(member_terms(terms, share), own, bonus=bonus, penalties=penalties)
    return result

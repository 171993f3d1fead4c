"""Reads of a group order (groupement, ADR 0018): its members and shares, each member's hours
and frozen statements, the group's statements, each member's solde."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from formarche.attendance.selectors import MonthHours, order_month_totals_by_organisation
from formarche.billing import engine
from formarche.billing.models import Invoice, MemberStatement, Period, PeriodStatus
from formarche.orders.models import MemberRole, OrderMember
from formarche.orders.terms import order_terms
from formarche.organisations.models import Organisation, OrganisationKind
from formarche.utils.money import ZERO, percent


def order_members(order) -> list[OrderMember]:
    """The members of a group order, the mandataire first; ``[]`` for a single-provider order."""
    members = list(OrderMember.objects.filter(order=order).select_related("organisation"))
    for member in members:
        member.share_rate = percent(member.amount, order.amount)  # for display
    return sorted(members, key=lambda m: (m.role != MemberRole.MANDATAIRE, m.organisation.name, m.pk))


def member_code(member: OrderMember) -> str:
    """The member's code on the CRE: its code at the Région (``IN1331``), else its name."""
    return member.organisation.provider_code or member.organisation.name


def group_shares(members) -> list[engine.MemberShare]:
    return [engine.MemberShare(member_code(m), m.amount) for m in members]


def member_period_hours(order, month: date, members, validated) -> dict[int, MonthHours]:
    """Each member's hours of ``month`` (member id → hours): its trainees' hours through the end
    of the month minus what its validated periods before ``month`` froze — the same rule as the
    order's (corrections of earlier months included)."""
    totals = order_month_totals_by_organisation(order)
    frozen: dict[int, MonthHours] = {}
    for row in MemberStatement.objects.filter(period__in=[p for p in validated if p.month < month]):
        frozen[row.member_id] = frozen.get(row.member_id, MonthHours()) + MonthHours(
            row.realised_hours, row.counted_unrealised_hours
        )
    result = {}
    for member in members:
        months = totals.get(member.organisation_id, {})
        through = sum((h for m, h in months.items() if m <= month), MonthHours())
        billed = frozen.get(member.pk, MonthHours())
        result[member.pk] = MonthHours(
            through.realised - billed.realised, through.counted_unrealised - billed.counted_unrealised
        )
    return result


def group_statements_with(
    order, members, frozen_hours, new: tuple[date, dict[int, MonthHours], bool] | None = None
):
    """The group's statements of the validated periods (``frozen_hours``: period → member id →
    hours), plus ``new`` (month, hours, is_final) when a period is being validated."""
    periods = [
        engine.GroupPeriodInput(
            period=period.month,
            member_hours={
                member_code(m): (
                    hours.get(m.pk, MonthHours()).realised,
                    hours.get(m.pk, MonthHours()).counted_unrealised,
                )
                for m in members
            },
            final=period.is_final,
        )
        for period, hours in frozen_hours
    ]
    if new is not None:
        month, hours, is_final = new
        periods.append(
            engine.GroupPeriodInput(
                period=month,
                member_hours={
                    member_code(m): (hours[m.pk].realised, hours[m.pk].counted_unrealised) for m in members
                },
                final=is_final,
            )
        )
    return engine.compute_group_statements(order_terms(order), group_shares(members), periods)


def frozen_member_hours(order, validated) -> list[tuple[Period, dict[int, MonthHours]]]:
    rows = MemberStatement.objects.filter(period__in=validated)
    by_period: dict[int, dict[int, MonthHours]] = {}
    for row in rows:
        by_period.setdefault(row.period_id, {})[row.member_id] = MonthHours(
            row.realised_hours, row.counted_unrealised_hours
        )
    return [(p, by_period.get(p.pk, {})) for p in validated]


@dataclass
class MemberPart:
    """What one member of a group sees of its part: its share, its statements, its invoices."""

    member: OrderMember
    code: str
    contracted_hours: Decimal
    statements: list[MemberStatement] = field(default_factory=list)
    invoices: dict[int, Invoice] = field(default_factory=dict)  # period id → live invoice
    billed_ht: Decimal = ZERO
    paid_ht: Decimal = ZERO
    solde: engine.Solde | None = None

    @property
    def rows(self):
        return [(s, self.invoices.get(s.period_id)) for s in self.statements]


def group_parts(order, members, *, organisation_id: int | None = None) -> list[MemberPart]:
    """Each member's part (or only the one of ``organisation_id``): share, frozen statements,
    live invoices, and the solde of its part once the CRE final is validated."""
    terms = order_terms(order)
    statements = list(
        MemberStatement.objects.filter(period__order=order, period__status=PeriodStatus.VALIDATED)
        .select_related("period")
        .order_by("period__month")
    )
    invoices = Invoice.objects.live().filter(order=order, period__isnull=False)
    parts = []
    for member in members:
        if organisation_id is not None and member.organisation_id != organisation_id:
            continue
        own = [s for s in statements if s.member_id == member.pk]
        part = MemberPart(
            member=member,
            code=member_code(member),
            contracted_hours=engine.contracted_hours(engine.member_terms(terms, group_shares([member])[0])),
            statements=own,
            invoices={i.period_id: i for i in invoices if i.organisation_id == member.organisation_id},
            billed_ht=sum((s.billable for s in own), ZERO),
            paid_ht=sum((s.total_ht for s in own), ZERO),
        )
        if own and own[-1].period.is_final:
            part.solde = engine.compute_solde(
                engine.member_terms(terms, group_shares([member])[0]), [s.as_engine() for s in own]
            )
        parts.append(part)
    return parts


def member_statement_of_invoice(invoice: Invoice) -> MemberStatement | None:
    """The member statement a group member's invoice was issued from (``None`` otherwise)."""
    if not invoice.period_id:
        return None
    return (
        MemberStatement.objects.filter(
            period_id=invoice.period_id, member__organisation_id=invoice.organisation_id
        )
        .select_related("member")
        .first()
    )


def group_candidates(order) -> list[Organisation]:
    """The OFs the Région may add to the group of ``order`` (every OF but the mandataire)."""
    return list(
        Organisation.objects.filter(kind=OrganisationKind.OF).exclude(pk=order.provider_id).order_by("name")
    )

"""Groups (groupements, ADR 0018): the Région sets up the group of an order (the mandataire — the
order's provider — and the co-traitants, each with its share of the order amount); each member's
statement is frozen when the mandataire validates the group's period; each member issues its own
invoice, in its own numbering sequence."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from formarche.attendance.selectors import MonthHours
from formarche.billing import engine
from formarche.billing.models import Invoice, InvoiceStatus, MemberStatement, Period, PeriodStatus
from formarche.billing.selectors import (
    frozen_member_hours,
    group_statements_with,
    member_period_hours,
    order_members,
)
from formarche.billing.services._common import BillingError, as_user, require_not_archived
from formarche.billing.services.invoice import _issuable_period_statement_checks, invoice_create
from formarche.orders.models import MemberRole, Order, OrderMember
from formarche.organisations.models import Organisation
from formarche.trainees.models import Enrolment
from formarche.utils.formatting import format_amount
from formarche.utils.money import has_places


def _check_setup(order: Order, co_members) -> None:
    refusal = order.write_refusal("son groupement ne peut plus être modifié.")
    if refusal:
        raise BillingError(refusal)
    if Period.objects.filter(order=order, status=PeriodStatus.VALIDATED).exists():
        raise BillingError(
            "Une période de l'action est déjà validée : le groupement et ses parts ne peuvent plus être "
            "modifiés (il faudrait un avenant)."
        )
    seen = {order.provider_id}
    for organisation, amount in co_members:
        if not isinstance(organisation, Organisation) or not organisation.is_of:
            raise BillingError("Un co-traitant doit être un organisme de formation.")
        if organisation.pk == order.provider_id:
            raise BillingError(
                f"{organisation.name} est déjà le mandataire de l'action : il ne peut pas être co-traitant."
            )
        if organisation.pk in seen:
            raise BillingError(f"{organisation.name} figure deux fois dans le groupement.")
        seen.add(organisation.pk)
        if not isinstance(amount, Decimal) or amount <= 0 or not has_places(amount, 2):
            raise BillingError(f"La part de {organisation.name} doit être positive, en euros et centimes.")


@transaction.atomic
def group_members_set(
    *, order: Order, user, co_members: list[tuple[Organisation, Decimal]]
) -> list[OrderMember]:
    """Set up (or change, or dissolve with ``co_members=[]``) the group of ``order``: the
    co-traitants with their shares; the mandataire (the order's provider) gets the rest of the
    order amount. Refused once a period is validated, when a removed co-traitant has trainees
    enrolled, or when the shares leave nothing to the mandataire. Same data twice: nothing written."""
    order = Order.objects.select_for_update().select_related("provider").get(pk=order.pk)
    _check_setup(order, co_members)
    total = sum((amount for _, amount in co_members), Decimal("0.00"))
    mandataire_amount = order.amount - total
    if co_members and mandataire_amount <= 0:
        raise BillingError(
            f"Les parts des co-traitants ({format_amount(total)} €) atteignent ou dépassent le montant de la "
            f"commande ({format_amount(order.amount)} €) : il ne reste rien au mandataire."
        )
    wanted = {org.pk: amount for org, amount in co_members}
    current = {m.organisation_id: m for m in OrderMember.objects.filter(order=order)}
    removed = [
        m for org_id, m in current.items() if m.role == MemberRole.CO_TRAITANT and org_id not in wanted
    ]
    for member in removed:
        if Enrolment.objects.filter(order=order, trainee__organisation_id=member.organisation_id).exists():
            raise BillingError(
                f"{member.organisation.name} a des stagiaires inscrits sur l'action : il ne peut pas quitter le groupement."
            )
    if not co_members:
        for member in current.values():
            as_user(member, user).delete()
        return []
    wanted[order.provider_id] = mandataire_amount
    for member in removed:
        as_user(member, user).delete()
    result = []
    for org_id, amount in wanted.items():
        role = MemberRole.MANDATAIRE if org_id == order.provider_id else MemberRole.CO_TRAITANT
        member = current.get(org_id) or OrderMember(
            order=order, organisation_id=org_id, role=role, amount=amount
        )
        if member.pk is None or member.amount != amount or member.role != role:
            member.amount, member.role = amount, role
            as_user(member, user).save()
        result.append(member)
    return result


def group_statement_compute(*, order: Order, month: dt.date, validated, hours, is_final: bool):
    """The group's statements of ``month`` (inside period_validate): each member's hours, checked
    against the period's, and the engine's group statement. ``None`` for a single-provider order."""
    members = order_members(order)
    if not members:
        return None
    member_hours = member_period_hours(order, month, members, validated)
    realised = sum((h.realised for h in member_hours.values()), Decimal("0.00"))
    counted = sum((h.counted_unrealised for h in member_hours.values()), Decimal("0.00"))
    if (realised, counted) != (hours.realised, hours.counted_unrealised):
        raise BillingError(
            "Les heures des membres du groupement ne font pas celles de la période : des stagiaires "
            "n'appartiennent à aucun membre. Vérifiez les inscriptions."
        )
    if any(h.realised < 0 or h.counted_unrealised < 0 for h in member_hours.values()):
        raise BillingError(
            "Les corrections d'un membre du groupement retirent plus d'heures qu'il n'en compte sur la période."
        )
    try:
        group = group_statements_with(
            order,
            members,
            frozen_member_hours(order, validated),
            (month.replace(day=1), member_hours, is_final),
        )[-1]
    except engine.EngineInputError as exc:
        raise BillingError(f"Le relevé du groupement ne peut pas être calculé : {exc.reason}") from exc
    return members, group


def group_member_statements_store(*, period: Period, members, group, user) -> list[MemberStatement]:
    """Freeze each member's statement of a validated period (inside period_validate)."""
    rows = []
    for member, (_code, statement) in zip(members, group.members, strict=True):
        row = MemberStatement.from_engine(period, member, statement)
        as_user(row, user).save()
        rows.append(row)
    return rows


@transaction.atomic
def invoice_member_issue(
    *, period: Period, organisation: Organisation, user, today: dt.date | None = None
) -> Invoice:
    """A member of a group issues the invoice of its part of a validated period, numbered in its
    own sequence, from its own frozen statement."""
    today = today or timezone.localdate()
    period = (
        Period.objects.select_for_update()
        .select_related("order__provider", "order__region", "order__lot")
        .get(pk=period.pk)
    )
    require_not_archived(period.order, "aucune facture ne peut plus être émise.")
    _issuable_period_statement_checks(period)
    row = (
        MemberStatement.objects.filter(period=period, member__organisation=organisation)
        .select_related("member__organisation")
        .first()
    )
    if row is None:
        raise BillingError(f"{organisation.name} n'est pas membre du groupement de cette action.")
    live = Invoice.objects.live().filter(period=period, organisation=organisation).first()
    if live:
        raise BillingError(
            f"La facture de {organisation.name} pour la période {period.label} est déjà émise (n° {live.number})."
        )
    rejected = Invoice.objects.filter(
        period=period, organisation=organisation, status=InvoiceStatus.REJECTED, replaced_by__isnull=True
    ).first()
    statement = row.as_engine()
    return invoice_create(
        order=period.order,
        user=user,
        today=today,
        replaces=rejected,
        what="La facture",
        provider=organisation,
        filename_suffix=f"_{row.member.organisation.provider_code or row.member.pk}",
        period=period,
        support=statement.kind,
        billed_ht=statement.billable,
        billed_ttc=row.billed_ttc,
        payable_ht=statement.total_ht,
        vat=statement.vat,
        payable_ttc=statement.total_ttc,
    )


__all__ = [
    "MonthHours",
    "group_member_statements_store",
    "group_members_set",
    "group_statement_compute",
    "invoice_member_issue",
]

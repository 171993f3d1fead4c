"""Validating a period: its hours are frozen (corrections of earlier months included, the
rectificatif part kept apart) and the engine's statement is stored. The CRE final is a period
validated with ``is_final=True`` once the action is closed (what is missing comes from
:mod:`formarche.billing.closing_gate`)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from formarche.billing import engine
from formarche.billing.closing_gate import closing_missing
from formarche.billing.models import Period, PeriodStatus, Statement
from formarche.billing.selectors import controls_for, period_hours
from formarche.billing.services._common import BillingError, as_user, require_not_archived
from formarche.billing.services.group import group_member_statements_store, group_statement_compute
from formarche.orders.models import Order, OrderStatus
from formarche.orders.terms import order_terms
from formarche.utils.dates import month_bounds
from formarche.utils.formatting import format_month


def _check_final(order: Order, month: dt.date, label: str) -> None:
    missing = closing_missing(order)
    if missing:
        raise BillingError(
            "La période finale (CRE final) ne peut être validée qu'une fois l'action fermée. "
            f"Il manque : {' ; '.join(missing)}."
        )
    if order.real_end and month < order.real_end.replace(day=1):
        raise BillingError(
            f"Le CRE final porte sur le mois de la fin réelle de l'action ({format_month(order.real_end)}), "
            f"pas sur {label}."
        )


def _check_sequence(order: Order, month: dt.date, label: str, periods, *, is_final: bool) -> list[Period]:
    """The month comes next: not validated yet, no CRE final nor later period validated."""
    existing = next((p for p in periods if p.month == month), None)
    if existing and existing.is_validated:
        raise BillingError(f"La période {label} est déjà validée.")
    validated = [p for p in periods if p.is_validated]
    if any(p.is_final for p in validated):
        raise BillingError("Le CRE final est déjà validé : aucune autre période ne peut être validée.")
    if (
        not is_final
        and order.status == OrderStatus.CLOSED
        and order.real_end
        and month >= order.real_end.replace(day=1)
    ):
        raise BillingError(
            f"L'action est fermée : {label} est sa dernière période. Validez-la comme CRE final "
            "(cochez « CRE final »)."
        )
    later = [p for p in validated if p.month > month]
    if later:
        raise BillingError(
            f"Une période postérieure ({format_month(later[0].month)}) est déjà validée : les heures "
            f"de {label} seront facturées en rectificatif sur la prochaine période."
        )
    return validated


def _checked_hours(order: Order, month: dt.date, label: str, validated, *, is_final: bool):
    """The month's hours, refused when earlier months wait, corrections overflow, or controls block."""
    hours = period_hours(order, month, validated=validated)
    if hours.pending_months:
        raise BillingError(
            f"Validez d'abord la période {format_month(hours.pending_months[0])} : des heures y sont saisies."
        )
    if hours.realised < 0 or hours.counted_unrealised < 0:
        raise BillingError(
            f"Les corrections des mois déjà facturés retirent plus d'heures que n'en compte {label} : "
            "la période ne peut pas être validée ainsi. Vérifiez les rectificatifs."
        )
    if not hours.total and not is_final:
        raise BillingError(f"Aucune heure à facturer sur la période {label}.")
    _, blocking, _ = controls_for(order, month)
    if blocking:
        raise BillingError(
            f"La période {label} ne peut pas être validée : les contrôles signalent des anomalies bloquantes.",
            errors=blocking,
        )
    return hours


def _statement(order: Order, month: dt.date, label: str, validated, hours, *, is_final: bool):
    new = engine.PeriodInput(
        period=month,
        realised_hours=hours.realised,
        counted_unrealised_hours=hours.counted_unrealised,
        final=is_final,
    )
    try:
        return engine.compute_statements(order_terms(order), [p.engine_input() for p in validated] + [new])[
            -1
        ]
    except engine.EngineInputError as exc:
        raise BillingError(f"Le relevé de {label} ne peut pas être calculé : {exc.reason}") from exc


@transaction.atomic
def period_validate(
    *, order: Order, month: dt.date, user, is_final: bool = False, today: dt.date | None = None
) -> Period:
    """Validate ``month`` of ``order``: freeze its hours and store its statement."""
    today = today or timezone.localdate()
    month = month.replace(day=1)
    label = format_month(month)
    order = Order.objects.select_for_update().select_related("dispositif", "provider").get(pk=order.pk)
    require_not_archived(order, "ses périodes ne peuvent plus être validées.")
    if is_final:
        _check_final(order, month, label)
    if month_bounds(month)[1] >= today:
        raise BillingError(
            f"La période {label} n'est pas terminée : elle pourra être validée à partir du 1er du mois suivant."
        )
    periods = list(Period.objects.filter(order=order).order_by("month"))
    validated = _check_sequence(order, month, label, periods, is_final=is_final)
    hours = _checked_hours(order, month, label, validated, is_final=is_final)
    statement = _statement(order, month, label, validated, hours, is_final=is_final)
    # A group order (ADR 0018): each member's statement on its share; the period's is the group's.
    group = group_statement_compute(
        order=order, month=month, validated=validated, hours=hours, is_final=is_final
    )
    if group is not None:
        statement = group[1].total
    period = next((p for p in periods if p.month == month), None) or Period(order=order, month=month)
    period.status = PeriodStatus.VALIDATED
    period.is_final = is_final
    period.validated_at = timezone.now()
    period.validated_by = user
    period.realised_hours = hours.realised
    period.counted_unrealised_hours = hours.counted_unrealised
    period.realised_correction_hours = hours.realised_correction
    period.counted_unrealised_correction_hours = hours.counted_unrealised_correction
    as_user(period, user).save()
    as_user(Statement.from_engine(period, statement), user).save()
    if group is not None:
        group_member_statements_store(period=period, members=group[0], group=group[1], user=user)
    return period

"""Avenants (ADR 0020): the Région amends an order's hours, amount, unit price or dates, from an
effective date, with a reason. The statements already validated stay as they were (frozen); the
engine computes the next ones on the amended terms (``orders.terms.order_terms``).

The service lives in billing because what it must check is billing's: the validated periods (an
avenant never reaches back into a frozen statement), the amount already billed, the CRE final."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction

from formarche.billing.models import Period, PeriodStatus, Statement
from formarche.billing.services._common import BillingError, as_user, require_not_archived
from formarche.orders.models import Amendment, Order
from formarche.utils.dates import add_months
from formarche.utils.formatting import format_amount, format_date, format_month
from formarche.utils.money import has_places, round_cents


def _positive(value, what: str, places: int) -> Decimal | None:
    if value is None or value == "":
        return None
    if not isinstance(value, Decimal) or not value.is_finite() or value <= 0:
        raise BillingError(f"{what} : un nombre positif est attendu.")
    if not has_places(value, places):
        raise BillingError(f"{what} : {places} décimales au plus.")
    return value


def _new_terms(order: Order, *, amount, volume_hours, unit_price, planned_end, duration_months):
    """(amount, unit_price, planned_end, duration_months) after the avenant, checked."""
    amount = _positive(amount, "Nouveau montant HT", 2)
    volume = _positive(volume_hours, "Nouveau volume (heures stagiaires)", 2)
    price = _positive(unit_price, "Nouveau prix unitaire HT", 4) or order.unit_price
    if amount is not None and volume is not None:
        raise BillingError(
            "Indiquez le nouveau volume d'heures ou le nouveau montant, pas les deux : l'un découle de "
            "l'autre au prix unitaire."
        )
    if volume is not None:
        amount = round_cents(volume * price)
    elif amount is None:
        # a new price alone keeps the volume: the amount follows (as a change request does)
        amount = order.amount if price == order.unit_price else round_cents(order.contracted_hours * price)
    end = planned_end or order.planned_end
    if end < order.planned_start:
        raise BillingError(
            f"La nouvelle fin prévisionnelle ({format_date(end)}) précède le début de l'action "
            f"({format_date(order.planned_start)})."
        )
    if duration_months in (None, ""):
        duration = order.duration_months
    elif isinstance(duration_months, bool) or not isinstance(duration_months, int) or duration_months < 1:
        raise BillingError("Nouvelle durée : un nombre entier de mois, au moins 1.")
    else:
        duration = duration_months
    return amount, price, end, duration


def _check_effective(order: Order, effective_date: dt.date, validated: list[Period]) -> None:
    if not isinstance(effective_date, dt.date):
        raise BillingError("Indiquez la date d'effet de l'avenant.")
    if effective_date < order.planned_start:
        raise BillingError(
            f"La date d'effet ({format_date(effective_date)}) précède le début de l'action "
            f"({format_date(order.planned_start)})."
        )
    if any(p.is_final for p in validated):
        raise BillingError(
            "Le CRE final est validé : tous les relevés de l'action sont figés, un avenant n'y "
            "changerait plus rien."
        )
    if validated and effective_date.replace(day=1) <= validated[-1].month:
        last = validated[-1].month
        raise BillingError(
            f"La période {format_month(last)} est déjà validée : son relevé est figé. L'avenant ne "
            f"peut prendre effet qu'à partir du {format_date(add_months(last, 1))} (les relevés "
            "suivants appliqueront les nouvelles conditions)."
        )
    previous = order.amendments.order_by("-number").first()
    if previous is not None and effective_date < previous.effective_date:
        raise BillingError(
            f"L'avenant n° {previous.number} prend effet le {format_date(previous.effective_date)} : "
            "un nouvel avenant ne peut pas prendre effet avant lui."
        )


@transaction.atomic
def amendment_create(
    *,
    order: Order,
    user,
    effective_date: dt.date,
    reason: str,
    amount: Decimal | None = None,
    volume_hours: Decimal | None = None,
    unit_price: Decimal | None = None,
    planned_end: dt.date | None = None,
    duration_months: int | None = None,
) -> Amendment:
    """Avenant n° k+1 of ``order``: the new terms (what is not given stays), in force for the
    statements from the month of ``effective_date`` on. The Order row takes the new terms."""
    order = Order.objects.select_for_update().select_related("dispositif").get(pk=order.pk)
    require_not_archived(order, "aucun avenant ne peut plus y être passé.")
    reason = (reason or "").strip()
    if not reason:
        raise BillingError("Indiquez le motif de l'avenant.")
    validated = list(Period.objects.filter(order=order, status=PeriodStatus.VALIDATED).order_by("month"))
    _check_effective(order, effective_date, validated)
    new_amount, new_price, new_end, new_duration = _new_terms(
        order,
        amount=amount,
        volume_hours=volume_hours,
        unit_price=unit_price,
        planned_end=planned_end,
        duration_months=duration_months,
    )
    before = (order.amount, order.unit_price, order.planned_end, order.duration_months)
    after = (new_amount, new_price, new_end, new_duration)
    if before == after:
        raise BillingError(
            "L'avenant ne change rien aux conditions actuelles de la commande (montant, prix, volume, "
            "dates) : il n'est pas enregistré."
        )
    if validated:
        billed = Statement.objects.get(period=validated[-1]).as_engine().cumulative_billable
        if new_amount < billed:
            raise BillingError(
                f"Le nouveau montant ({format_amount(new_amount)} €) est inférieur au montant déjà facturé "
                f"sur les relevés validés ({format_amount(billed)} €) : un avenant ne réduit pas la "
                "commande en deçà de ce qui a été réalisé et facturé."
            )
    number = (order.amendments.order_by("-number").values_list("number", flat=True).first() or 0) + 1
    amendment = Amendment(
        order=order,
        number=number,
        effective_date=effective_date,
        reason=reason,
        amount_before=order.amount,
        amount_after=new_amount,
        unit_price_before=order.unit_price,
        unit_price_after=new_price,
        planned_end_before=order.planned_end,
        planned_end_after=new_end,
        duration_months_before=order.duration_months,
        duration_months_after=new_duration,
        created_by=user,
    )
    as_user(amendment, user).save()
    order.amount, order.unit_price, order.planned_end, order.duration_months = after
    order._change_reason = f"Avenant n° {number} : {reason}"[:100]
    as_user(order, user).save(update_fields=["amount", "unit_price", "planned_end", "duration_months"])
    return amendment

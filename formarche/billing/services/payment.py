"""Payments the Région records: an invoice's (in one or several parts) and the order's advance."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from formarche.billing import engine, notifications
from formarche.billing.models import InvoiceStatus, Payment, PaymentKind, Period, PeriodStatus
from formarche.billing.services._common import (
    BillingError,
    as_user,
    check_amount,
    lock_invoice,
    require_not_archived,
)
from formarche.orders.models import Order
from formarche.orders.terms import order_terms
from formarche.utils.formatting import format_amount, format_date, format_month, format_rate
from formarche.utils.money import ZERO

#: Two identical payments recorded by the same person within this delay are one double POST.
DOUBLE_POST_WINDOW = dt.timedelta(minutes=2)


@transaction.atomic
def payment_record(*, invoice, user, date: dt.date, amount: Decimal, reference: str = "") -> Payment:
    """Record all or part of an invoice's payment; the invoice is payée once fully paid."""
    check_amount(amount)
    invoice = lock_invoice(invoice)
    require_not_archived(invoice.order, "aucun paiement ne peut plus y être enregistré.")
    if invoice.status not in {InvoiceStatus.VALIDATED, InvoiceStatus.PARTIALLY_PAID}:
        raise BillingError(
            "Un paiement ne s'enregistre que sur une facture validée par la Région et non soldée."
        )
    if date < invoice.issue_date:
        raise BillingError("La date de paiement précède la date d'émission de la facture.")
    _refuse_double_post(invoice, user=user, date=date, amount=amount, reference=reference)
    paid = sum((p.amount for p in invoice.payments.all()), ZERO)
    remaining = invoice.payable_ttc - paid
    if amount > remaining:
        raise BillingError(
            f"Le paiement ({format_amount(amount)} €) dépasse le reste à payer ({format_amount(remaining)} €)."
        )
    payment = as_user(
        Payment(
            order=invoice.order,
            invoice=invoice,
            kind=PaymentKind.INVOICE,
            date=date,
            amount=amount,
            reference=reference,
            recorded_by=user,
        ),
        user,
    )
    payment.save()
    invoice.status = InvoiceStatus.PAID if amount == remaining else InvoiceStatus.PARTIALLY_PAID
    as_user(invoice, user).save()
    if invoice.status == InvoiceStatus.PAID:
        transaction.on_commit(lambda: notifications.invoice_paid(invoice, payment))
    return payment


def _refuse_double_post(invoice, *, user, date: dt.date, amount: Decimal, reference: str) -> None:
    """The same payment sent twice in a row (a double click, a reloaded form) is recorded once."""
    since = timezone.now() - DOUBLE_POST_WINDOW
    if invoice.payments.filter(
        date=date, amount=amount, reference=reference, recorded_by=user, recorded_at__gte=since
    ).exists():
        raise BillingError(
            f"Ce paiement ({format_amount(amount)} € du {format_date(date)}) vient d'être enregistré : "
            "il ne l'a pas été une seconde fois. Pour un second versement du même montant, indiquez une "
            "autre référence."
        )


@transaction.atomic
def advance_record(*, order: Order, user, date: dt.date, amount: Decimal, reference: str = "") -> Payment:
    """Record the advance the Région paid on the order (once), checked against the statements.

    ADR 0020: the statements deduct the whole advance round(α × base) (« Total déjà versé »
    includes it, the resorption recovers it), so the advance is recorded only at that amount, to
    the cent, in one payment. A partial or an excessive amount is refused with the expected one.
    Late (after a first CRE): accepted when the frozen statements were computed with the advance
    (``Order.advance_paid``), refused when they were computed without it; before any validated
    period an order « sans avance » becomes « avec avance » (the next statements deduct it)."""
    check_amount(amount)
    order = Order.objects.select_for_update().select_related("dispositif").get(pk=order.pk)
    require_not_archived(order, "aucun paiement ne peut plus y être enregistré.")
    if Payment.objects.filter(order=order, kind=PaymentKind.ADVANCE).exists():
        raise BillingError("L'avance de cette action est déjà enregistrée.")
    _check_advance(order, amount, user)
    payment = as_user(
        Payment(
            order=order,
            kind=PaymentKind.ADVANCE,
            date=date,
            amount=amount,
            reference=reference,
            recorded_by=user,
        ),
        user,
    )
    payment.save()
    return payment


def _check_advance(order: Order, amount: Decimal, user) -> None:
    """Refuse an advance the statements would not agree with (ADR 0020); see :func:`advance_record`."""
    rate = order.dispositif.advance_rate
    if not rate:
        raise BillingError(
            f"Le dispositif « {order.dispositif.name} » ne prévoit pas d'avance (taux 0 %) : "
            "aucune avance ne peut être enregistrée sur cette action."
        )
    terms = order_terms(order)
    with_rate = terms if order.advance_paid else dataclasses.replace(terms, advance_rate=rate)
    expected, base = engine.advance_amount(with_rate)
    if amount != expected:
        what = "est inférieur à" if amount < expected else "dépasse"
        raise BillingError(
            f"Le montant saisi ({format_amount(amount)} €) {what} l'avance de cette action : "
            f"{format_amount(expected)} € ({format_rate(rate * 100)} de la base de {format_amount(base)} €). "
            "L'avance se verse en une fois, à ce montant : les relevés (CRE) déduisent l'avance entière "
            "et « Total déjà versé » la compte. Rien n'a été enregistré."
        )
    if order.advance_paid:
        return
    first = Period.objects.filter(order=order, status=PeriodStatus.VALIDATED).order_by("month").first()
    if first is not None:
        raise BillingError(
            f"Cette action est sans avance et ses relevés sont calculés ainsi depuis {format_month(first.month)} "
            "(relevés figés) : une avance versée maintenant ne serait ni comptée dans « Total déjà versé » ni "
            "résorbée. Elle n'est pas enregistrée ; le montant dû est payé par les acomptes et le solde."
        )
    order.advance_paid = True
    order._change_reason = "Avance versée : les relevés la déduiront"
    as_user(order, user).save(update_fields=["advance_paid"])

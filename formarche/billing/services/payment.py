"""Payments the Région records: an invoice's (in one or several parts) and the order's advance."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from formarche.billing import notifications
from formarche.billing.models import InvoiceStatus, Payment, PaymentKind
from formarche.billing.services._common import (
    BillingError,
    as_user,
    check_amount,
    lock_invoice,
    require_not_archived,
)
from formarche.orders.models import Order
from formarche.utils.formatting import format_amount, format_date
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
    """Record the advance the Région paid on the order (once)."""
    check_amount(amount)
    order = Order.objects.select_for_update().get(pk=order.pk)
    require_not_archived(order, "aucun paiement ne peut plus y être enregistré.")
    if Payment.objects.filter(order=order, kind=PaymentKind.ADVANCE).exists():
        raise BillingError("L'avance de cette action est déjà enregistrée.")
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

"""The solde (VSF): issued by the OF once the CREF invoice is issued — a « Solde » invoice when
positive, a titre de reversement when negative, that the Région records as received."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from formarche.billing.models import SUPPORT_SOLDE, Invoice, InvoiceStatus, Rejection, Solde
from formarche.billing.pdf import render_repayment_order_pdf
from formarche.billing.selectors import (
    order_adjustments,
    repayment_order_context,
    solde_compute,
    solde_frozen_data,
    solde_payment_refusal,
    validated_periods_with_statements,
)
from formarche.billing.services._common import BillingError, as_user, require_not_archived, store_file
from formarche.billing.services.credit_note import credit_note_issue
from formarche.billing.services.invoice import invoice_create
from formarche.orders.models import Order
from formarche.utils.money import ZERO, round_cents


def _solde_invoice_issue(solde: Solde, user, today: dt.date) -> Invoice:
    rejected = Invoice.objects.filter(
        solde=solde, status=InvoiceStatus.REJECTED, replaced_by__isnull=True
    ).first()
    # « Montant facturé » of the solde = what it adds to the CRE / CREF facturable amounts B_n
    # (bonus, and any realised part the cap kept out), so that the order's invoices never count the
    # regulated part twice [design, ADR 0005]; « Montant à payer » is the solde itself.
    added = max(
        ZERO, solde.amount_due + solde.bonus - solde.penalties - Decimal(solde.data["cumulative_billable"])
    )
    billed_ttc = added + round_cents(added * Decimal(solde.data.get("vat_rate_percent", "0")) / 100)
    return invoice_create(
        order=solde.order,
        user=user,
        today=today,
        replaces=rejected,
        what="La facture du solde",
        filename_suffix="_solde",
        solde=solde,
        support=SUPPORT_SOLDE,
        billed_ht=added,
        billed_ttc=billed_ttc,
        payable_ht=solde.balance_ht,
        vat=solde.vat,
        payable_ttc=solde.balance_ttc,
    )


def _new_solde(order: Order, user, today: dt.date, row: Solde | None = None) -> Solde:
    """A new solde, or ``row`` (annulé by a reopening) recomputed in place (ADR 0021)."""
    solde, final, _cref, missing = solde_compute(order)
    if missing:
        raise BillingError("Le solde n'est pas encore disponible. " + " ".join(missing), errors=missing)
    statements = [p.statement.as_engine() for p in validated_periods_with_statements(order)]
    adjustments = order_adjustments(order)
    values = dict(
        final_period=final,
        amount_due=solde.amount_due,
        bonus=solde.bonus,
        penalties=solde.penalties,
        advance=solde.advance,
        instalments_paid=solde.instalments_paid,
        total_paid=solde.total_paid,
        balance_ht=solde.balance_ht,
        vat=solde.vat,
        balance_ttc=solde.balance_ttc,
        is_repayment_order=solde.is_repayment_order,
        data=solde_frozen_data(order, solde, statements, adjustments, statements[-1].vat_rate),
        issued_on=today,
        issued_by=user,
    )
    if row is None:
        return Solde(order=order, **values)
    for name, value in values.items():
        setattr(row, name, value)
    row.voided_at = row.voided_by = None
    row.void_reason = ""
    row.repayment_document = ""
    return row


@transaction.atomic
def solde_issue(*, order: Order, user, today: dt.date | None = None) -> Solde:
    """The OF issues the solde: its figures are frozen; positive, a « Solde » invoice is issued
    (same numbering as the CRE); negative, a titre de reversement (PDF) is produced. Issuing again
    after the Région rejected the solde invoice issues a new invoice with the same figures."""
    today = today or timezone.localdate()
    order = (
        Order.objects.select_for_update()
        .select_related("dispositif", "provider", "region", "lot")
        .get(pk=order.pk)
    )
    require_not_archived(order, "le solde ne peut plus être émis.")
    if order.members.exists():
        raise BillingError(
            "Cette action est réalisée en groupement : le solde est calculé pour chaque membre sur sa part "
            "(page « Groupement » de l'action)."
        )
    existing = Solde.objects.filter(order=order).first()
    if existing is not None and not existing.is_voided:
        if existing.balance_ttc > 0 and not Invoice.objects.live().filter(solde=existing).exists():
            _solde_invoice_issue(existing, user, today)
            return existing
        raise BillingError("Le solde de cette action est déjà émis.")
    row = _new_solde(order, user, today, row=existing)
    as_user(row, user).save()
    if row.balance_ttc > 0:
        _solde_invoice_issue(row, user, today)
    elif row.is_repayment_order:
        pdf = render_repayment_order_pdf(repayment_order_context(row))
        store_file(
            row.repayment_document,
            f"Titre_de_reversement_{order.number}.pdf",
            pdf,
            what="le titre de reversement",
        )
        as_user(row, user).save(update_fields=["repayment_document"])
    return row


@transaction.atomic
def solde_repayment_record(*, solde: Solde, user, date: dt.date, reference: str = "") -> Solde:
    """The Région records the OF's repayment (titre de reversement) as received."""
    solde = Solde.objects.select_for_update().select_related("order").get(pk=solde.pk)
    require_not_archived(solde.order, "aucun reversement ne peut plus y être enregistré.")
    if not solde.is_repayment_order:
        raise BillingError("Ce solde n'est pas un ordre de reversement : il n'y a rien à recevoir.")
    if solde.repayment_received_on:
        raise BillingError("Le reversement est déjà enregistré.")
    if date < solde.issued_on:
        raise BillingError("La date de réception précède l'émission du titre de reversement.")
    solde.repayment_received_on = date
    solde.repayment_reference = (reference or "").strip()[:80]
    solde.repayment_recorded_by = user
    as_user(solde, user).save()
    return solde


VOIDABLE_STATUSES = (InvoiceStatus.ISSUED, InvoiceStatus.SIGNED, InvoiceStatus.VALIDATED)


@transaction.atomic
def solde_void(*, order: Order, user, reason: str) -> Solde | None:
    """Annul the issued, unpaid solde of ``order`` (the Région reopens the action, ADR 0021).

    Its live invoice (issued, signed or validated, never paid) is rejected with ``reason``, so that
    the OF reads why, and cancelled by its avoir (:func:`credit_note_issue`, ADR 0019); a titre de reversement not received is annulled with it. The row keeps its
    figures (and its history) until the next :func:`solde_issue` recomputes them. Refused once the
    solde is paid (:func:`formarche.billing.selectors.solde_payment_refusal`). Returns the solde
    (None when none was issued).
    """
    reason = (reason or "").strip()
    if not reason:
        raise BillingError("Indiquez le motif de l'annulation du solde.")
    refusal = solde_payment_refusal(order)
    if refusal:
        raise BillingError(refusal)
    solde = Solde.objects.select_for_update().filter(order=order).first()
    if solde is None or solde.is_voided:
        return solde
    for invoice in Invoice.objects.select_for_update().filter(solde=solde, status__in=VOIDABLE_STATUSES):
        invoice.status = InvoiceStatus.REJECTED
        invoice.decided_at = timezone.now()
        invoice.decided_by = user
        as_user(invoice, user).save()
        as_user(Rejection(invoice=invoice, reason=reason, rejected_by=user), user).save()
        # a rejected invoice is cancelled by its avoir, as on the Région's rejection (ADR 0019)
        credit_note_issue(invoice=invoice, user=user, reason=reason)
    solde.voided_at = timezone.now()
    solde.voided_by = user
    solde.void_reason = reason
    as_user(solde, user).save(update_fields=["voided_at", "voided_by", "void_reason"])
    return solde

"""The Factur-X document of an invoice (a CRE / CREF statement, or the solde), from what was
frozen at issuance: the statement or the solde's figures, the seller and the buyer."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal

from formarche.billing import facturx
from formarche.billing.models import AdjustmentKind, CreditNote, Invoice, payment_delay_days
from formarche.billing.selectors.group import member_statement_of_invoice
from formarche.utils.formatting import format_amount, format_date, format_month


def _party(data: dict) -> facturx.Party:
    values = {k: v for k, v in data.items() if k != "provider_code"}
    values["address_lines"] = tuple(values.get("address_lines") or ())
    return facturx.Party(**values)


def payment_terms_text() -> str:
    days = payment_delay_days()
    return (
        f"Paiement par virement dans un délai de {days} jours à compter de la date de réception "
        "de la facture (délai global de paiement de la commande publique)."
    )


def chorus_options(order) -> dict:
    """The order's Chorus Pro fields as Factur-X options: BT-10, BT-13, BT-23 (None when empty)."""
    return {
        "buyer_reference": order.chorus_service_code or None,
        "purchase_order_reference": order.chorus_commitment_number or None,
        "billing_frame": order.chorus_billing_frame or None,
    }


def invoice_document(invoice: Invoice) -> facturx.InvoiceDocument:
    """The Factur-X document of an invoice, from its frozen statement (or solde) and parties."""
    if invoice.solde_id:
        return solde_invoice_document(invoice)
    member_statement = member_statement_of_invoice(invoice)  # a group member's invoice (ADR 0018)
    statement = (member_statement or invoice.period.statement).as_engine()
    order = invoice.order
    return facturx.invoice_from_statement(
        statement,
        number=invoice.number,
        issue_date=invoice.issue_date,
        due_date=invoice.issue_date + dt.timedelta(days=payment_delay_days()),
        order_number=order.number,
        seller=_party(invoice.seller),
        buyer=_party(invoice.buyer),
        payment_terms=payment_terms_text(),
        contract_reference=order.lot.label if order.lot_id else None,
        **chorus_options(order),
    )


def _adjustment_notes(data: dict) -> list[str]:
    notes = []
    for item in data.get("adjustments", []):
        sign = "+" if item["kind"] == AdjustmentKind.BONUS else "−"
        kind = AdjustmentKind(item["kind"]).label
        notes.append(
            f"{kind} « {item['label']} » : {sign}{format_amount(Decimal(item['amount']))} € HT — motif : {item['reason']}"
        )
    return notes


def _solde_notes(solde) -> list[str]:
    data = solde.data
    return [
        f"Montant dû = min(montant facturable cumulé {format_amount(Decimal(data['cumulative_billable']))} ; "
        f"montant de la commande {format_amount(Decimal(data['order_amount']))}) = "
        f"{format_amount(solde.amount_due)} € HT ({format_amount(Decimal(data['cumulative_hours']))} h réalisées "
        "et comptabilisées).",
        f"Déjà versé : avance {format_amount(solde.advance)} + acomptes CRE et CREF "
        f"{format_amount(solde.instalments_paid)} = {format_amount(solde.total_paid)} € HT.",
        *_adjustment_notes(data),
    ]


def solde_invoice_document(invoice: Invoice) -> facturx.InvoiceDocument:
    """The Factur-X document of the solde invoice, built directly (see ADR 0005, « Le solde »).

    One line « Solde de la commande » = the amount due min(B_n, A); bonus − penalties as one
    document-level charge / allowance (each item in a note); everything already paid (advance +
    every CRE / CREF total à verser) as the prepaid amount BT-113; BT-115 = the solde TTC.
    """
    solde = invoice.solde
    order = invoice.order
    end = order.real_end or order.planned_end
    line = facturx.InvoiceLine(
        label="Solde de la commande",
        quantity=Decimal(1),
        unit_price=solde.amount_due,
        net_amount=solde.amount_due,
        unit_code="C62",
    )
    return facturx.InvoiceDocument(
        number=invoice.number,
        issue_date=invoice.issue_date,
        due_date=invoice.issue_date + dt.timedelta(days=payment_delay_days()),
        order_number=order.number,
        period_label=f"{format_month(order.planned_start)} à {format_month(end)}",
        period_start=order.planned_start,
        period_end=end,
        support=facturx.SOLDE,
        seller=_party(invoice.seller),
        buyer=_party(invoice.buyer),
        lines=(line,),
        net_billable_amount=solde.amount_due,
        cap_regulation=solde.bonus - solde.penalties,
        cap_regulation_reason="Bonus et pénalités (détail en note)",
        advance_repayment=-solde.total_paid,
        total_ht=solde.balance_ht,
        vat_rate=Decimal(solde.data.get("vat_rate_percent", "0")),
        vat_amount=solde.vat,
        total_ttc=solde.balance_ttc,
        payment_terms=payment_terms_text(),
        contract_reference=order.lot.label if order.lot_id else None,
        notes=tuple(_solde_notes(solde)),
        **chorus_options(order),
    )


def credit_note_payment_terms(invoice: Invoice) -> str:
    return (
        f"Avoir sans paiement : il annule en totalité la facture n° {invoice.number}, rejetée par "
        "la Région et non payée ; la période sera facturée de nouveau par une facture distincte."
    )


def credit_note_document(credit_note: CreditNote) -> facturx.InvoiceDocument:
    """The Factur-X document of an avoir (type 381): the cancelled invoice's document, same lines,
    same figures (positive: the type code says they are credited), the invoice's frozen parties,
    with the avoir's own number and date, BT-25 / BT-26 naming the invoice, and the reason."""
    invoice = credit_note.invoice
    base = invoice_document(invoice)
    note = (
        f"Avoir n° {credit_note.number} annulant la facture n° {invoice.number} du "
        f"{format_date(invoice.issue_date)}, rejetée par la Région — motif : {credit_note.reason}"
    )
    return dataclasses.replace(
        base,
        number=credit_note.number,
        issue_date=credit_note.issue_date,
        due_date=credit_note.issue_date,
        type_code=facturx.TYPE_CREDIT_NOTE,
        preceding_invoice_number=invoice.number,
        preceding_invoice_date=invoice.issue_date,
        payment_terms=credit_note_payment_terms(invoice),
        notes=(note, *base.notes),
    )

"""The invoice of a CRE / CREF statement (the engine's :class:`Statement` and the parties)."""

from __future__ import annotations

from datetime import date

from formarche.billing.engine import Statement
from formarche.billing.facturx.document import (
    InvoiceDataError,
    InvoiceDocument,
    InvoiceLine,
    Party,
)
from formarche.utils.formatting import format_month

DEFAULT_LINE_LABEL = "Prix Heure stagiaire – Heure stag fact"


def invoice_from_statement(
    statement: Statement,
    *,
    number: str,
    issue_date: date,
    due_date: date,
    order_number: str,
    seller: Party,
    buyer: Party,
    payment_terms: str,
    line_label: str = DEFAULT_LINE_LABEL,
    **options: object,
) -> InvoiceDocument:
    """The invoice of one statement of :func:`formarche.billing.engine.compute_statements`.

    One line (the period's trainee-hours at the order's unit price) and the statement's figures
    as they are; ``options`` are the optional fields of :class:`InvoiceDocument`
    (``contract_reference``, ``buyer_reference``, ``late_payment_penalties``…). A period split
    between the members of a group (several providers) needs one invoice per provider, with
    each provider's share of the regulation and of the advance: not handled here yet.
    """
    if len(statement.providers) > 1:
        raise InvoiceDataError(
            "Période répartie entre plusieurs prestataires : la facture par prestataire d'un "
            "groupement n'est pas encore prise en charge."
        )
    line = InvoiceLine(
        label=line_label,
        quantity=statement.period_hours,
        unit_price=statement.unit_price,
        net_amount=statement.billable,
        realised_hours=statement.realised_hours,
        counted_unrealised_hours=statement.counted_unrealised_hours,
    )
    return InvoiceDocument(
        number=number,
        issue_date=issue_date,
        due_date=due_date,
        order_number=order_number,
        period_label=format_month(statement.period),
        support=str(statement.kind),
        seller=seller,
        buyer=buyer,
        lines=(line,),
        net_billable_amount=statement.billable,
        cap_regulation=statement.cap_regulation,
        advance_repayment=statement.advance_repayment,
        repayment_carried_in=statement.repayment_carried_in,
        total_ht=statement.total_ht,
        vat_rate=statement.vat_rate,
        vat_amount=statement.vat,
        total_ttc=statement.total_ttc,
        payment_terms=payment_terms,
        **options,
    )

"""E-mails of the invoicing workflow (Django e-mail: console in dev, locmem in tests).

- invoice issued or signed → the order's référent at the Région (or, without one, the Région's
  active members);
- invoice rejected or paid → the organisme's active members.

Called from ``transaction.on_commit`` by the services: nothing is sent for a rolled-back change.
"""

from __future__ import annotations

from formarche.accounts.models import Membership
from formarche.accounts.site import absolute_reverse
from formarche.jobs.tasks import mail_enqueue
from formarche.utils.formatting import format_amount, format_date


def _link(invoice) -> str:
    """The invoice's page, absolute (``FORMARCHE_SITE_URL``): an e-mail is read outside the site."""
    return absolute_reverse("billing:invoice", invoice_id=invoice.pk)


def _members(organisation_id) -> list[str]:
    return sorted(
        set(
            Membership.objects.active()
            .filter(organisation_id=organisation_id)
            .values_list("user__email", flat=True)
        )
    )


def region_recipients(order) -> list[str]:
    if order.referent_id and order.referent.is_active and order.referent.email:
        return [order.referent.email]
    return _members(order.region_id)


def of_recipients(order) -> list[str]:
    return _members(order.provider_id)


def _send(subject: str, lines: list[str], recipients: list[str]) -> None:
    if recipients:
        # sent by a task worker (FORMARCHE_TASKS=database), a thread, or at once in tests
        mail_enqueue(subject=subject, body="\n".join(lines), recipients=recipients)


def _head(invoice) -> list[str]:
    order = invoice.order
    return [
        f"Action : {order.number} — {order.title}",
        f"Organisme : {invoice.seller['name']}",
        f"Période : {invoice.period_label} ({invoice.support})",
        f"Facture n° {invoice.number} du {format_date(invoice.issue_date)}",
        f"Montant facturé HT : {format_amount(invoice.billed_ht)} €",
        f"Montant à payer TTC : {format_amount(invoice.payable_ttc)} €",
    ]


def invoice_issued(invoice) -> None:
    _send(
        f"[formarche] Facture émise — {invoice.order.number} — {invoice.period_label}",
        [
            "Bonjour,",
            "",
            "L'organisme de formation a émis une facture :",
            *_head(invoice),
            "",
            "Elle vous sera transmise signée.",
            f"Consulter : {_link(invoice)}",
        ],
        region_recipients(invoice.order),
    )


def invoice_signed(invoice) -> None:
    _send(
        f"[formarche] Facture signée à valider — {invoice.order.number} — {invoice.period_label}",
        [
            "Bonjour,",
            "",
            "La facture signée a été déposée et attend votre validation :",
            *_head(invoice),
            f"Date de réception : {format_date(invoice.received_on)}",
            "",
            f"Valider ou rejeter : {_link(invoice)}",
        ],
        region_recipients(invoice.order),
    )


def _credit_note_lines(invoice) -> list[str]:
    credit_note = getattr(invoice, "credit_note", None)
    if credit_note is None:
        return []
    return [
        f"L'avoir n° {credit_note.number} annulant cette facture a été établi (PDF Factur-X sur la page de la facture)."
    ]


def invoice_rejected(invoice, rejection) -> None:
    _send(
        f"[formarche] Facture rejetée — {invoice.order.number} — {invoice.period_label}",
        [
            "Bonjour,",
            "",
            "La Région a rejeté votre facture :",
            *_head(invoice),
            "",
            f"Motif du rejet : {rejection.reason}",
            *_credit_note_lines(invoice),
            "",
            "Émettez une facture corrigée pour cette période (onglet « A facturer »).",
            f"Consulter : {_link(invoice)}",
        ],
        of_recipients(invoice.order),
    )


def invoice_paid(invoice, payment) -> None:
    _send(
        f"[formarche] Facture payée — {invoice.order.number} — {invoice.period_label}",
        [
            "Bonjour,",
            "",
            "La Région a payé votre facture :",
            *_head(invoice),
            f"Dernier paiement : {format_amount(payment.amount)} € le {format_date(payment.date)}",
            "",
            f"Consulter : {_link(invoice)}",
        ],
        of_recipients(invoice.order),
    )

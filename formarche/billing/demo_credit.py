"""Demo world, credit notes (issue #18, ADR 0019): a rejected invoice with its avoir, then the
corrected invoice.

Order 23Q05322133_1 (Aude, OF IN1331): September 2023 (10 trainees × 119 h = 1 190 h) is
validated and invoiced on 05/10/2023; the Région's référent rejects the invoice on 12/10/2023
(« Heures de septembre à corriger… »), which issues the avoir cancelling it (next number of the
same sequence, its own PDF and Factur-X 381); the OF issues the corrected invoice on 16/10/2023,
left « émise » (awaiting its signed upload). On screen: Factures (OF and Région), the action's
Factures tab and the rejected invoice's page (« Avoir n° … annulant la facture n° … »).
Idempotent: each step is skipped when already done.
"""

from datetime import date

from formarche.billing import services
from formarche.billing.models import CreditNote, Invoice, InvoiceStatus, Period
from formarche.orders.demo import AUDE_ORDER

SEPTEMBER = date(2023, 9, 1)
ISSUED_ON = date(2023, 10, 5)
REJECTED_ON = date(2023, 10, 12)
REISSUED_ON = date(2023, 10, 16)
REJECTION_REASON = (
    "Heures de septembre à corriger : les absences du 18 au 22 septembre sont comptées comme "
    "réalisées. Merci d'émettre une facture corrigée."
)


def populate_credit(world) -> CreditNote | None:
    """The rejected September invoice of the Aude order, its avoir and the reissued invoice."""
    order = world.orders.get(AUDE_ORDER)
    if order is None:
        return None
    of_user = world.users["of1"]
    region_user = world.users["region"]
    september = Period.objects.filter(order=order, month=SEPTEMBER).first()
    if september is None or not september.is_validated:
        september = services.period_validate(order=order, month=SEPTEMBER, user=of_user)
    first = Invoice.objects.filter(period=september).order_by("sequence").first()
    if first is None:
        first = services.invoice_issue(period=september, user=of_user, today=ISSUED_ON)
    if first.status == InvoiceStatus.ISSUED:
        first = services.invoice_reject(
            invoice=first, user=region_user, reason=REJECTION_REASON, today=REJECTED_ON
        )
    if not Invoice.objects.live().filter(period=september).exists():
        services.invoice_issue(period=september, user=of_user, today=REISSUED_ON)
    return CreditNote.objects.filter(invoice=first).first()

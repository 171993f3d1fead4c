"""Demo world, billing: order 23Q00030612_1 as in the seed, up to its CREF (CRE final).

- the Région paid the advance, 11 564,00 € (30 % of 57 820 × 12 / 18);
- March 2023 (1 662 h) is validated, invoiced, signed, validated by the Région and paid
  (14 246,53 €);
- :func:`finalise_seed_order`: once the action is closed (closing's demo, which runs just before
  billing's: see INSTALLED_APPS), April 2023 (3 000 h) is validated as the **CRE final** and its
  invoice issued. Its statement reads, as the seed's, 35 400,00 invoiced, −8 755,60 cap
  regulation, −6 198,93 advance repayment, 20 445,47 to pay and 25 810,53 already paid. The
  invoice is left « émise », awaiting the OF's signed upload (``…_CRE FINAL.pdf``; sign it with
  ``formarche manage sign_demo_invoice``, see docs/guide/facturation.md).

The March invoice is stored as « signée » with ``skip_signature_check_for_demo=True`` (its
signature report says « non vérifiée (démonstration) »). A throw-away CA and signer are created
under ``var/demo-pki/`` (:mod:`formarche.billing.demo_pki`) so that a real signed upload can be
tried. Idempotent: each step is skipped when already done.
"""

from datetime import date
from decimal import Decimal

from formarche.billing import selectors, services
from formarche.billing.demo_amend import populate_amend
from formarche.billing.demo_credit import populate_credit
from formarche.billing.demo_group import populate_group
from formarche.billing.demo_pki import demo_pki_dir, ensure_demo_pki
from formarche.billing.models import Invoice, InvoiceStatus, Payment, PaymentKind, Period
from formarche.orders.demo import SEED_ORDER
from formarche.orders.models import OrderStatus

MARCH = date(2023, 3, 1)
APRIL = date(2023, 4, 1)
CREF_ISSUE_DATE = date(2023, 8, 8)  # the seed's « Date d'émission 08/08/2023 »


def populate(world):
    if demo_pki_dir() is not None:  # config/settings/dev.py: var/demo-pki/
        ensure_demo_pki()
    order = world.orders[SEED_ORDER]
    of_user = world.users["of1"]
    region_user = world.users["region"]
    if not Payment.objects.filter(order=order, kind=PaymentKind.ADVANCE).exists():
        services.advance_record(
            order=order,
            user=region_user,
            date=date(2023, 3, 24),
            amount=Decimal("11564.00"),
            reference="MANDAT-2023-0412",
        )
    march = Period.objects.filter(order=order, month=MARCH).first()
    if march is None or not march.is_validated:
        march = services.period_validate(order=order, month=MARCH, user=of_user)
    invoice = Invoice.objects.live().filter(period=march).first()
    if invoice is None:
        invoice = services.invoice_issue(period=march, user=of_user, today=date(2023, 4, 5))
    if invoice.status == InvoiceStatus.ISSUED:
        with invoice.document.open("rb") as handle:
            data = handle.read()
        invoice = services.invoice_upload_signed(
            invoice=invoice,
            data=data,
            filename=selectors.invoice_expected_filename(invoice),
            user=of_user,
            today=date(2023, 4, 7),
            skip_signature_check_for_demo=True,
        )
    if invoice.status == InvoiceStatus.SIGNED:
        invoice = services.invoice_validate(invoice=invoice, user=region_user)
    if invoice.status == InvoiceStatus.VALIDATED:
        services.payment_record(
            invoice=invoice,
            user=region_user,
            date=date(2023, 5, 2),
            amount=invoice.payable_ttc,
            reference="MANDAT-2023-0587",
        )
    finalise_seed_order(world)
    populate_amend(world)
    populate_credit(world)
    populate_group(world)


def finalise_seed_order(world):
    """April 2023 validated as the CRE final and its invoice issued (left « émise »), once the
    seed order is closed; nothing while it is open. Idempotent."""
    order = world.orders[SEED_ORDER]
    order.refresh_from_db()
    if order.status != OrderStatus.CLOSED:
        return None
    of_user = world.users["of1"]
    april = Period.objects.filter(order=order, month=APRIL).first()
    if april is None or not april.is_validated:
        april = services.period_validate(order=order, month=APRIL, user=of_user, is_final=True)
    invoice = Invoice.objects.live().filter(period=april).first()
    if invoice is None:
        invoice = services.invoice_issue(period=april, user=of_user, today=CREF_ISSUE_DATE)
    return invoice

"""Stages of the seed order up to the solde, shared by the CREF, solde and archiving tests."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from cryptography.hazmat.primitives import serialization

from formarche.billing import services
from tests.billing.closing_helpers import close_order
from tests.billing.workflow import APRIL, MARCH, seed_order, sign_unchecked, validate

D = Decimal


def pdf_bytes(field) -> bytes:
    with field.open("rb") as handle:
        return handle.read()


def paid_march(order, *, of_user, region_user):
    """Advance 11 564,00 paid; March 2023 validated, issued, signed, validated, paid (14 246,53)."""
    services.advance_record(order=order, user=region_user, date=dt.date(2023, 3, 24), amount=D("11564.00"))
    march = validate(order, MARCH, of_user)
    invoice = services.invoice_issue(period=march, user=of_user, today=dt.date(2023, 4, 5))
    invoice = sign_unchecked(invoice, of_user)
    invoice = services.invoice_validate(invoice=invoice, user=region_user)
    services.payment_record(
        invoice=invoice, user=region_user, date=dt.date(2023, 5, 2), amount=invoice.payable_ttc
    )
    return march


def seed_with_cref(world, *, pay_cref: bool = True):
    """The seed order of OF 1 / Région A: March paid, closed, April validated as the CRE final and
    its invoice issued (20 445,47), then signed, validated and paid when ``pay_cref``."""
    of_user, region_user = world.users["of1_manager"], world.users["region_a_officer"]
    order = seed_order(region=world.region_a, provider=world.of1, referent=region_user)
    paid_march(order, of_user=of_user, region_user=region_user)
    close_order(order, of_user=of_user, region_user=region_user)
    april = validate(order, APRIL, of_user, is_final=True)
    cref = services.invoice_issue(period=april, user=of_user, today=dt.date(2023, 8, 8))
    if pay_cref:
        cref = sign_unchecked(cref, of_user)
        cref = services.invoice_validate(invoice=cref, user=region_user)
        services.payment_record(
            invoice=cref, user=region_user, date=dt.date(2023, 9, 1), amount=cref.payable_ttc
        )
        cref.refresh_from_db()
    return order, cref


def trust(pki, tmp_path, settings):
    path = tmp_path / "racines.pem"
    path.write_bytes(pki.ca_certificate.public_bytes(serialization.Encoding.PEM))
    settings.FORMARCHE_SIGNATURE_TRUST_ROOTS = str(path)
    return pki

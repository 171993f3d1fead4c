"""An archived action is read-only: every billing write refuses it, in French, and changes nothing."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from formarche.billing import services
from formarche.billing.models import Adjustment, Invoice, Payment, Solde
from formarche.closing import services as closing
from tests.billing.stages import seed_with_cref

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def archived(world):
    order, cref = seed_with_cref(world, pay_cref=False)
    officer = world.users["region_a_officer"]
    penalty = services.adjustment_add(
        order=order, user=officer, kind="penalite", label="Retard", amount=D("10.00"), reason="Retard."
    )
    closing.order_archive(order=order, by=world.users["of1_manager"])
    order.refresh_from_db()
    return order, cref, penalty


def test_every_billing_write_refuses_an_archived_action(world, archived):
    order, cref, penalty = archived
    of_user, officer = world.users["of1_manager"], world.users["region_a_officer"]
    today = dt.date.today()
    writes = {
        "period_validate": lambda: services.period_validate(
            order=order, month=dt.date(2023, 5, 1), user=of_user, is_final=True
        ),
        "invoice_issue": lambda: services.invoice_issue(period=cref.period, user=of_user),
        "invoice_upload_signed": lambda: services.invoice_upload_signed(
            invoice=cref, data=b"%PDF-", filename="x.pdf", user=of_user, skip_signature_check_for_demo=True
        ),
        "invoice_validate": lambda: services.invoice_validate(invoice=cref, user=officer),
        "invoice_reject": lambda: services.invoice_reject(invoice=cref, user=officer, reason="Erreur."),
        "payment_record": lambda: services.payment_record(
            invoice=cref, user=officer, date=today, amount=D("1.00")
        ),
        "advance_record": lambda: services.advance_record(
            order=order, user=officer, date=today, amount=D("1.00")
        ),
        "adjustment_add": lambda: services.adjustment_add(
            order=order, user=officer, kind="bonus", label="B", amount=D("1.00"), reason="R."
        ),
        "adjustment_remove": lambda: services.adjustment_remove(adjustment=penalty, user=officer),
        "solde_issue": lambda: services.solde_issue(order=order, user=of_user),
    }
    before = (
        Invoice.objects.count(),
        Payment.objects.count(),
        Adjustment.objects.count(),
        Solde.objects.count(),
    )
    for name, write in writes.items():
        with pytest.raises(services.BillingError, match="L'action est archivée"):
            write()
        assert (
            Invoice.objects.count(),
            Payment.objects.count(),
            Adjustment.objects.count(),
            Solde.objects.count(),
        ) == before, name
    cref.refresh_from_db()
    assert cref.status == "emise"


def test_pages_of_an_archived_action_are_read_only(client, world, archived):
    order, _, _ = archived
    client.force_login(world.users["region_a_officer"])
    page = client.get(reverse("billing:penalties", kwargs={"order_id": order.pk})).content.decode()
    assert "lecture seule" in page and "Ajouter une pénalité" not in page
    client.force_login(world.users["of1_manager"])
    page = client.get(reverse("billing:solde", kwargs={"order_id": order.pk})).content.decode()
    assert "lecture seule" in page and "Émettre le solde" not in page

"""Réouverture d'une action fermée par la Région (issue #18, ADR 0021): who may, in which states,
what becomes of the CREF and of an issued solde, and the solde after a correction of hours."""

import datetime as dt
import html
from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse

from formarche.attendance.services import attendance_set_month_total
from formarche.billing import selectors as billing_selectors
from formarche.billing import services as billing
from formarche.billing.models import Invoice, InvoiceStatus, Solde
from formarche.closing import services
from formarche.closing.models import Reopening
from formarche.closing.selectors import closing_history
from formarche.orders.models import OrderStatus
from tests.billing.closing_helpers import close_order
from tests.billing.stages import seed_with_cref
from tests.billing.workflow import APRIL, sign_unchecked
from tests.factories import EnrolmentFactory

pytestmark = pytest.mark.django_db
D = Decimal
REASON = "La sortie de MARTIN est au 14/04 et non au 28/04 : corrigez ses heures d'avril."


def text(response) -> str:
    return html.unescape(response.content.decode()).replace("\u202f", " ")


def reopen_url(order):
    return reverse("closing:reopen", kwargs={"order_id": order.pk})


def close_url(order):
    return reverse("closing:close", kwargs={"order_id": order.pk})


def _issued_solde(world, *, validate=False, pay=False):
    order, _cref = seed_with_cref(world)
    of_user, officer = world.users["of1_manager"], world.users["region_a_officer"]
    solde = billing.solde_issue(order=order, user=of_user, today=dt.date(2023, 10, 2))
    invoice = Invoice.objects.get(solde=solde)
    if validate or pay:
        invoice = billing.invoice_validate(invoice=sign_unchecked(invoice, of_user), user=officer)
    if pay:
        billing.payment_record(invoice=invoice, user=officer, date=dt.date(2023, 11, 2), amount=D("100.00"))
    order.refresh_from_db()
    return order, solde, invoice


# --- the table of states ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("stage", "refusal"),
    [
        ("cref_issued", None),
        ("solde_issued", None),
        ("solde_validated", None),
        (
            "solde_partly_paid",
            "La facture du solde n° .* est payée : le solde est réglé. L'action ne peut plus",
        ),
        ("open", "L'action est ouverte : il n'y a rien à rouvrir."),
        ("archived", "L'action est archivée : elle ne peut plus être rouverte."),
    ],
)
def test_which_states_may_be_reopened(world, stage, refusal):
    officer = world.users["region_a_officer"]
    if stage == "cref_issued":
        order, _ = seed_with_cref(world)
    elif stage in ("solde_issued", "solde_validated", "solde_partly_paid"):
        order, _, _ = _issued_solde(
            world, validate=stage == "solde_validated", pay=stage == "solde_partly_paid"
        )
    else:
        order, _ = seed_with_cref(world)
        if stage == "open":
            services.order_reopen(order=order, by=officer, reason=REASON)
        else:
            services.order_archive(order=order, by=officer)
    before = order.history.count()
    if refusal is None:
        reopening = services.order_reopen(order=order, by=officer, reason=REASON)
        order.refresh_from_db()
        assert order.status == OrderStatus.OPEN and reopening.reason == REASON
        assert order.history.first().history_change_reason.startswith("Réouverture de l'action : La sortie")
    else:
        with pytest.raises(services.ClosingError, match=refusal):
            services.order_reopen(order=order, by=officer, reason=REASON)
        assert order.history.count() == before  # nothing changed


def test_a_reason_is_required(world):
    order, _ = seed_with_cref(world)
    with pytest.raises(services.ClosingError, match="Indiquez le motif"):
        services.order_reopen(order=order, by=world.users["region_a_officer"], reason="   ")
    order.refresh_from_db()
    assert order.status == OrderStatus.CLOSED and not Reopening.objects.exists()


def test_a_received_repayment_settles_the_solde(world):
    order, _, _ = _issued_solde(world)
    Solde.objects.filter(order=order).update(
        is_repayment_order=True,
        balance_ht=D("-1.00"),
        vat=D("0"),
        balance_ttc=D("-1.00"),
        repayment_received_on=dt.date(2023, 12, 1),
    )
    with pytest.raises(services.ClosingError, match="Le reversement du solde a été reçu le 01/12/2023"):
        services.order_reopen(order=order, by=world.users["region_a_officer"], reason=REASON)


# --- the solde after a correction -------------------------------------------------------------------


def test_issued_solde_is_annulled_then_recomputed_with_the_rectificatif(
    world, django_capture_on_commit_callbacks
):
    """Seed solde 8 755,60 (invoice validated, not paid). Reopened; one trainee's April goes
    1 500 → 600 h: the CREF stays (20 445,47), the solde takes −900 h × 11,80 = −10 620,00:
    amount due 55 011,60 − 10 620,00 = 44 391,60, paid 46 256,00 → titre de reversement 1 864,40."""
    order, solde, first = _issued_solde(world, validate=True)
    of_user, officer = world.users["of1_manager"], world.users["region_a_officer"]
    assert solde.balance_ttc == D("8755.60")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.order_reopen(order=order, by=officer, reason=REASON)
    first.refresh_from_db()
    solde.refresh_from_db()
    assert first.status == InvoiceStatus.REJECTED and first.rejection.reason.endswith(REASON)
    avoir = first.credit_note  # the annulled solde invoice is cancelled by its avoir (ADR 0019)
    assert (avoir.organisation, avoir.payable_ttc) == (first.organisation, first.payable_ttc)
    assert solde.is_voided and solde.balance_ttc == D("8755.60")  # kept as issued until recomputed
    body = mail.outbox[0].body
    assert len(mail.outbox) == 1 and REASON in body and "solde émis est annulé" in body
    assert of_user.email in mail.outbox[0].to
    # While reopened, no solde.
    with pytest.raises(billing.BillingError, match="L'action est rouverte par la Région"):
        billing.solde_issue(order=order, user=of_user)
    enrolment = order.enrolments.order_by("pk")[0]
    row = attendance_set_month_total(enrolment=enrolment, month=APRIL, realised_hours=D("600"), by=of_user)
    assert row.is_correction  # April is validated (the CREF): a rectificatif
    services.order_close(order=order, by=of_user)
    again = billing.solde_issue(order=order, user=of_user, today=dt.date(2023, 12, 4))
    assert again.pk == solde.pk and not again.is_voided
    figures = again.as_engine()
    assert (figures.correction_hours, figures.correction_billable) == (D("-900.00"), D("-10620.00"))
    assert (again.amount_due, again.total_paid, again.balance_ttc) == (
        D("44391.60"),
        D("46256.00"),
        D("-1864.40"),
    )
    assert again.is_repayment_order and again.repayment_document
    assert not Invoice.objects.live().filter(solde=again).exists()
    # the CREF is untouched
    cref = Invoice.objects.get(period__is_final=True, order=order)
    assert cref.payable_ttc == D("20445.47") and cref.status == InvoiceStatus.PAID
    # history: closed → reopened → closed again
    events = closing_history(order)
    assert [e.label for e in events] == ["Fermée", "Rouverte par la Région", "Fermée de nouveau"]
    assert events[1].reason == REASON and events[1].by == (officer.get_full_name() or officer.email)
    assert Reopening.objects.get(order=order).reclosed_by == of_user


def test_hours_added_after_reopening_enter_the_solde_invoice(world):
    """A trainee forgotten in April (100 h) once reopened: +1 180,00 → solde 9 935,60, a new
    solde invoice replacing the annulled one."""
    order, solde, first = _issued_solde(world)
    of_user, officer = world.users["of1_manager"], world.users["region_a_officer"]
    reopening = services.order_reopen(order=order, by=officer, reason=REASON)
    assert reopening.solde_voided
    enrolment = EnrolmentFactory(order=order, planned_hours=D("200"))
    attendance_set_month_total(enrolment=enrolment, month=APRIL, realised_hours=D("100"), by=of_user)
    close_order(order, of_user=of_user, region_user=officer)
    figures, *_rest, missing = billing_selectors.solde_compute(order)
    assert not missing
    assert (figures.correction_hours, figures.correction_billable, figures.amount_due) == (
        D("100.00"),
        D("1180.00"),
        D("56191.60"),
    )
    again = billing.solde_issue(order=order, user=of_user, today=dt.date(2023, 12, 4))
    second = Invoice.objects.live().get(solde=again)
    assert second.replaces == first and second.payable_ttc == D("9935.60") and second.number != first.number
    # « Montant facturé » of the solde: what it adds to B_n (the rectificatif), the regulated part
    # (8 755,60) being paid in « Montant à payer » as before
    assert second.billed_ht == D("1180.00")


# --- pages, tenancy, double POST --------------------------------------------------------------------


def test_the_region_reopens_from_the_page_and_the_of_reads_why(client, world):
    order, _ = seed_with_cref(world)
    officer = world.users["region_a_officer"]
    client.force_login(officer)
    page = text(client.get(close_url(order)))
    assert "Rouvrir l'action" in page
    form = text(client.get(reopen_url(order)))
    assert "Souhaitez-vous vraiment rouvrir l'action" in form and "Poursuivre" in form
    empty = client.post(reopen_url(order), {"reason": ""})
    assert empty.status_code == 200 and "Indiquez le motif de la réouverture" in text(empty)
    assert Reopening.objects.count() == 0
    done = client.post(reopen_url(order), {"reason": REASON}, follow=True)
    assert "L'action a été rouverte" in text(done)
    again = client.post(reopen_url(order), {"reason": REASON}, follow=True)  # double POST
    assert "L'action est ouverte : il n'y a rien à rouvrir." in text(again)
    assert Reopening.objects.count() == 1
    client.force_login(world.users["of1_manager"])
    page = text(client.get(close_url(order)))
    assert "Action rouverte par la Région" in page and REASON in page and "Rouvrir l'action" not in page
    assert "Rouverte par la Région le" in page


@pytest.mark.parametrize(
    ("user", "status"), [("of1_manager", 403), ("of1_staff", 403), ("region_b_officer", 404)]
)
def test_others_cannot_reopen(client, world, user, status):
    order, _ = seed_with_cref(world)
    client.force_login(world.users[user])
    assert client.get(reopen_url(order)).status_code == status
    assert client.post(reopen_url(order), {"reason": REASON}).status_code == status
    order.refresh_from_db()
    assert order.status == OrderStatus.CLOSED and not Reopening.objects.exists()
    if user == "of1_manager":
        assert "Rouvrir l'action" not in text(client.get(close_url(order)))


def test_the_journal_shows_the_reopening_and_the_new_closing(client, world):
    order, _ = seed_with_cref(world)
    officer, of_user = world.users["region_a_officer"], world.users["of1_manager"]
    services.order_reopen(order=order, by=officer, reason=REASON)
    services.order_close(order=order, by=of_user)
    client.force_login(officer)
    page = text(client.get(reverse("audit:order_journal", kwargs={"order_id": order.pk})))
    assert "Réouverture de l'action : La sortie de MARTIN" in page
    assert "Nouvelle fermeture de l'action" in page and "Réouverture de l'action" in page

"""Faults a user meets from the browser (issue #17 point 4): a decision posted twice, the database
connection lost during a request, the disk full while a PDF is written. Each leaves one effect or
none, and a French message or the French error page — never a half-written row, never a number
skipped in the invoices' sequence."""

from __future__ import annotations

import errno
import html
from decimal import Decimal

import pytest
from django.core.files.storage import storages
from django.db import OperationalError, connection
from django.test import Client
from django.urls import reverse

from formarche.accounts.models import Membership, Role, User
from formarche.billing import facturx, services
from formarche.billing.models import Invoice, InvoiceCounter, InvoiceStatus, Payment, Period
from tests.billing.workflow import APRIL, MARCH, sign_unchecked, validate

D = Decimal


def text(response) -> str:
    return html.unescape(response.content.decode())


def client_of(user) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


def region_user(order) -> User:
    user = User.objects.create(email="region@pannes.fr")
    Membership.objects.create(user=user, organisation=order.region, role=Role.REGION_OFFICER)
    return user


def issue_url(order, period="2023-03"):
    return reverse("billing:issue", kwargs={"order_id": order.pk, "period": period})


# --- a double POST of each decision -----------------------------------------------------------


@pytest.mark.django_db
def test_double_post_of_validate_period_validates_once(seeded):
    order, user = seeded
    client = client_of(user)
    url = reverse("billing:validate_period", kwargs={"order_id": order.pk, "period": "2023-03"})
    assert "La période Mars 2023 a été validée" in text(client.post(url, follow=True))
    second = client.post(url, follow=True)
    assert second.status_code == 200
    assert "déjà validée" in text(second), text(second)
    assert Period.objects.filter(order=order, month=MARCH).count() == 1


@pytest.mark.django_db
def test_double_post_of_issue_issues_once(seeded):
    order, user = seeded
    validate(order, MARCH, user)
    client = client_of(user)
    assert "La facture a été validée." in text(client.post(issue_url(order), follow=True))
    second = client.post(issue_url(order), follow=True)
    assert second.status_code == 200 and "déjà émise (n° " in text(second)
    assert Invoice.objects.count() == 1 and InvoiceCounter.objects.get().last_number == 1


@pytest.mark.django_db
def test_double_post_of_the_region_validation_validates_once(seeded):
    order, user = seeded
    invoice = sign_unchecked(services.invoice_issue(period=validate(order, MARCH, user), user=user), user)
    client = client_of(region_user(order))
    url = reverse("billing:invoice_validate", kwargs={"invoice_id": invoice.pk})
    assert "a été validée" in text(client.post(url, follow=True))
    second = client.post(url, follow=True)
    assert second.status_code == 200 and "déjà validée" in text(second), text(second)
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.VALIDATED


@pytest.mark.django_db
@pytest.mark.parametrize("partial", [False, True], ids=["full", "partial"])
def test_double_post_of_a_payment_records_one_payment(seeded, partial):
    order, user = seeded
    invoice = sign_unchecked(services.invoice_issue(period=validate(order, MARCH, user), user=user), user)
    region = region_user(order)
    invoice = services.invoice_validate(invoice=invoice, user=region)
    client = client_of(region)
    url = reverse("billing:invoice_pay", kwargs={"invoice_id": invoice.pk})
    data = {
        "date": invoice.issue_date.isoformat(),
        "amount": "100.00" if partial else str(invoice.payable_ttc),
        "reference": "VIR-1",
    }
    assert "Le paiement a été enregistré." in text(client.post(url, data, follow=True))
    second = client.post(url, data, follow=True)
    assert second.status_code == 200
    assert "vient d'être enregistré" in text(second) or "non soldée" in text(second), text(second)
    assert Payment.objects.filter(invoice=invoice).count() == 1


# --- the database connection lost during a request --------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_connection_lost_mid_issuance_gives_the_french_error_page_and_writes_nothing(seeded, monkeypatch):
    order, user = seeded
    validate(order, MARCH, user)
    counter_before = list(InvoiceCounter.objects.values_list("last_number", flat=True))

    def lost(document):
        connection.close()  # the number is taken, the invoice not yet saved
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(facturx, "build_facturx_pdf", lost)
    response = client_of(user).post(issue_url(order))
    assert response.status_code == 500
    assert "Une erreur est survenue" in text(response) and 'lang="fr"' in text(response)
    assert Invoice.objects.count() == 0
    assert list(InvoiceCounter.objects.values_list("last_number", flat=True)) == counter_before
    monkeypatch.undo()
    assert (
        services.invoice_issue(period=Period.objects.get(order=order, month=MARCH), user=user).sequence == 1
    )


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_backend_terminated_mid_issuance_gives_the_french_error_page_and_writes_nothing(
    seeded, monkeypatch, postgresql_only
):
    """The server kills the request's backend (pg_terminate_backend from another connection)."""
    import psycopg

    order, user = seeded
    validate(order, MARCH, user)
    build = facturx.build_facturx_pdf
    params = {
        k: v for k, v in connection.get_connection_params().items() if k in ("dbname", "user", "host", "port")
    }

    def terminated(document):
        pid = connection.connection.info.backend_pid
        with psycopg.connect(**params, autocommit=True) as other:
            other.execute("SELECT pg_terminate_backend(%s)", [pid])
        return build(document)

    monkeypatch.setattr(facturx, "build_facturx_pdf", terminated)
    response = client_of(user).post(issue_url(order))
    assert response.status_code == 500 and "Une erreur est survenue" in text(response)
    connection.close()
    assert Invoice.objects.count() == 0
    assert InvoiceCounter.objects.filter(last_number__gt=0).count() == 0
    monkeypatch.undo()
    assert (
        services.invoice_issue(period=Period.objects.get(order=order, month=MARCH), user=user).sequence == 1
    )


# --- the disk full while a PDF is written -----------------------------------------------------


class Disk:
    """The storage's disk: :meth:`fill` makes every write fail with ENOSPC, :meth:`free` undoes it."""

    def __init__(self, monkeypatch):
        self.monkeypatch = monkeypatch

    def fill(self):
        def full(storage, name, content):
            raise OSError(errno.ENOSPC, "No space left on device")

        self.monkeypatch.setattr(type(storages["default"]), "_save", full)

    def free(self):
        self.monkeypatch.undo()


@pytest.fixture
def disk(monkeypatch):
    return Disk(monkeypatch)


@pytest.mark.django_db
def test_disk_full_refuses_the_issuance_and_leaves_the_invoice_unissued(seeded, disk):
    order, user = seeded
    march, april = validate(order, MARCH, user), validate(order, APRIL, user)
    first = services.invoice_issue(period=march, user=user)
    disk.fill()
    response = client_of(user).post(issue_url(order, "2023-04"), follow=True)
    page = text(response)
    assert response.status_code == 200
    assert "Impossible d'enregistrer le PDF de la facture (espace disque insuffisant)" in page, page
    assert "rien n'a été modifié" in page
    assert not Invoice.objects.filter(period=april).exists()
    assert InvoiceCounter.objects.get().last_number == 1  # the number was given back
    disk.free()
    second = services.invoice_issue(period=april, user=user)
    assert second.sequence == first.sequence + 1  # no gap, no repeat


@pytest.mark.django_db
def test_disk_full_refuses_the_signed_upload_and_leaves_the_invoice_issued(seeded, disk):
    order, user = seeded
    invoice = services.invoice_issue(period=validate(order, MARCH, user), user=user)
    disk.fill()
    with pytest.raises(services.BillingError, match="espace disque insuffisant"):
        sign_unchecked(invoice, user)
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.ISSUED and not invoice.signed_file
    disk.free()
    assert sign_unchecked(invoice, user).status == InvoiceStatus.SIGNED

"""Concurrent issuing on PostgreSQL: threads with their own connections and transactions.

SQLite serialises every write transaction (the project opens them IMMEDIATE), so the race cannot
happen there and the test would prove nothing: it is skipped on SQLite and runs in the CI's
PostgreSQL pass.
"""

import threading

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from formarche.accounts.models import Membership, Role, User
from formarche.billing import services
from formarche.billing.models import Invoice, InvoiceCounter
from tests.billing.workflow import APRIL, MARCH, seed_order, validate
from tests.factories import OrganisationFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def postgresql_only():
    if connection.vendor == "sqlite":
        pytest.skip("SQLite serialises write transactions: the concurrency test runs on PostgreSQL only")


@pytest.fixture
def setup():
    provider = OrganisationFactory(name="Organisme Concurrence")
    user = User.objects.create(email="of@concurrence.fr")
    Membership.objects.create(user=user, organisation=provider, role=Role.OF_MANAGER)
    order = seed_order(region=OrganisationFactory(region=True), provider=provider)
    return order, user


def run_together(functions):
    """Start every function at the same instant, each in its thread; returns results or errors."""
    barrier = threading.Barrier(len(functions))
    results = [None] * len(functions)

    def run(index, function):
        try:
            barrier.wait()
            results[index] = function()
        except Exception as exc:  # noqa: BLE001 - the test inspects it
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, f)) for i, f in enumerate(functions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_concurrent_issuing_of_one_period_gives_one_invoice(setup):
    order, user = setup
    march = validate(order, MARCH, user)
    results = run_together([lambda: services.invoice_issue(period=march, user=user)] * 6)
    issued = [r for r in results if isinstance(r, Invoice)]
    refused = [r for r in results if isinstance(r, services.BillingError)]
    assert len(issued) == 1 and len(refused) == 5, results
    assert all("déjà émise" in str(error) for error in refused)
    assert Invoice.objects.count() == 1
    assert InvoiceCounter.objects.get().last_number == 1


def test_concurrent_issuing_of_two_periods_numbers_them_without_gap_or_duplicate(setup):
    order, user = setup
    march, april = validate(order, MARCH, user), validate(order, APRIL, user)
    results = run_together(
        [
            lambda: services.invoice_issue(period=march, user=user),
            lambda: services.invoice_issue(period=april, user=user),
        ]
    )
    assert all(isinstance(r, Invoice) for r in results), results
    assert sorted(Invoice.objects.values_list("sequence", flat=True)) == [1, 2]
    assert InvoiceCounter.objects.get().last_number == 2


def test_a_double_click_sent_as_two_concurrent_requests_issues_one_invoice(setup):
    order, user = setup
    validate(order, MARCH, user)
    url = reverse("billing:issue", kwargs={"order_id": order.pk, "period": "2023-03"})

    def post():
        client = Client()
        client.force_login(user)
        return client.post(url).status_code

    assert run_together([post, post]) == [302, 302]
    assert Invoice.objects.count() == 1
    assert InvoiceCounter.objects.get().last_number == 1


def test_concurrent_rejection_and_issuing_number_the_avoir_without_gap_or_duplicate(setup):
    """Two rejections of one invoice at once: one avoir; a rejection and an issuance at once: the
    avoir and the new invoice share the counter without gap or duplicate (ADR 0019)."""
    from formarche.billing.models import CreditNote

    order, user = setup
    march, april = validate(order, MARCH, user), validate(order, APRIL, user)
    first = services.invoice_issue(period=march, user=user)
    results = run_together(
        [lambda: services.invoice_reject(invoice=first, user=user, reason="Erreur")] * 2
        + [lambda: services.invoice_issue(period=april, user=user)]
    )
    refused = [r for r in results if isinstance(r, services.BillingError)]
    assert len(refused) == 1 and "ne peut plus être rejetée" in str(refused[0]), results
    assert CreditNote.objects.count() == 1
    sequences = sorted(
        [
            *Invoice.objects.values_list("sequence", flat=True),
            *CreditNote.objects.values_list("sequence", flat=True),
        ]
    )
    assert sequences == [1, 2, 3], results
    assert InvoiceCounter.objects.get().last_number == 3

"""The per-(organisation, year) invoice counter: a number is taken inside the issuing transaction
and never reused (rule 4 of the house)."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from formarche.billing.models import InvoiceCounter


def invoice_number_take(*, organisation, year: int) -> tuple[int, str]:
    """Take the next number of (organisation, year): the counter row is locked until commit, so a
    concurrent issuance waits, and a rollback gives the number back (no gap, no reuse)."""
    try:
        with transaction.atomic():
            InvoiceCounter.objects.get_or_create(organisation=organisation, year=year)
    except IntegrityError:  # created meanwhile by a concurrent transaction
        pass
    counter = InvoiceCounter.objects.select_for_update().get(organisation=organisation, year=year)
    counter.last_number += 1
    counter.save(update_fields=["last_number"])
    return counter.last_number, f"{year}-{counter.last_number:05d}"


def invoice_counter_lock(*, organisation, year: int) -> None:
    """Lock the counter of (organisation, year) now, before the caller's first write of a row that
    raises the organisation's data version (ADR 0025): every path then takes the counter before
    the version row, and a rejection (invoice written, then the avoir's number) no longer
    deadlocks with a concurrent issuance (counter taken, then the invoice written)."""
    try:
        with transaction.atomic():
            InvoiceCounter.objects.get_or_create(organisation=organisation, year=year)
    except IntegrityError:  # created meanwhile by a concurrent transaction
        pass
    list(InvoiceCounter.objects.select_for_update().filter(organisation=organisation, year=year))

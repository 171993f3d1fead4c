"""The billing history is written by bulk insertion (docs/interchange.md): periods, statements,
invoices and payments in a few batches, the periods just created reused by their invoices, so the
number of queries of an import does not grow with its invoices."""

from __future__ import annotations

import dataclasses

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from benchmarks.dataset import Size, write_documents
from formarche.billing.models import Invoice, InvoiceCounter, Payment, Period
from formarche.interchange.importer import import_document, load_json

pytestmark = pytest.mark.django_db

SMALL = Size(ofs=1, actions_per_of=2, trainees_per_of=6, rows_per_trainee=30, invoices_per_action=2)


class _Undo(Exception):
    pass


def _import(size: Size, tmp_path) -> tuple[int, int]:
    """(queries, invoices) of importing the benchmark document of ``size``, then undone."""
    (path,), billing = write_documents(size, 8, tmp_path)
    doc = load_json(path.read_bytes())
    try:
        with transaction.atomic():
            with CaptureQueriesContext(connection) as ctx:
                counts = import_document(doc)
            assert counts["invoices"] == billing["invoices"] == Invoice.objects.count()
            assert Period.objects.count() == billing["periods"]
            assert Payment.objects.count() == billing["payments"] > 0
            # the yearly counters are raised past the imported numbers
            counters = InvoiceCounter.objects.all()
            assert counters
            for counter in counters:
                numbers = Invoice.objects.filter(organisation=counter.organisation, year=counter.year)
                assert counter.last_number == max(numbers.values_list("sequence", flat=True))
            raise _Undo
    except _Undo:
        pass
    return len(ctx.captured_queries), counts["invoices"]


def test_the_queries_of_an_import_do_not_grow_with_its_invoices(tmp_path):
    few, n_few = _import(SMALL, tmp_path / "a")
    many, n_many = _import(dataclasses.replace(SMALL, invoices_per_action=6), tmp_path / "b")
    assert n_many == 3 * n_few
    assert many == few

"""The benchmarks' synthetic data (benchmarks/dataset.py, issue #8): the documents carry the billing
(validated periods, statements computed by the engine, invoices, payments) and the importer,
which recomputes every statement, accepts them; the data is deterministic from the seed."""

from __future__ import annotations

import pytest

from benchmarks.dataset import Size, order_number, write_documents
from formarche.billing.models import Invoice, Payment, Period, PeriodStatus, Statement
from formarche.interchange.importer import import_document, load_json

pytestmark = pytest.mark.django_db

TINY = Size(ofs=2, actions_per_of=2, trainees_per_of=6, rows_per_trainee=30, invoices_per_action=4)


def test_the_documents_carry_the_billing_and_import_without_refusal(tmp_path):
    paths, billing = write_documents(TINY, 8, tmp_path / "a")
    assert billing["periods"] == billing["invoices"] == TINY.invoices == 16
    totals = {"invoices": 0, "payments": 0, "periods": 0}
    for path in paths:
        counts = import_document(load_json(path.read_bytes()))
        for key in totals:
            totals[key] += counts[key]
    assert totals == billing
    assert Period.objects.filter(status=PeriodStatus.VALIDATED).count() == 16
    assert Statement.objects.count() == 16  # every period with its statement, as recomputed
    assert Invoice.objects.count() == 16
    assert Payment.objects.count() == billing["payments"] > 0
    # each action: its first months validated, one invoice each, numbered per OF and year
    order = order_number(1, 1)
    months = list(
        Period.objects.filter(order__number=order).order_by("month").values_list("month", flat=True)
    )
    assert [f"{m:%Y-%m}" for m in months] == ["2023-01", "2023-02", "2023-03", "2023-04"]
    assert Invoice.objects.filter(order__number=order, period__isnull=False).count() == 4
    for invoice in Invoice.objects.select_related("period__statement"):
        assert invoice.payable_ttc == invoice.period.statement.total_ttc


def test_the_documents_are_deterministic_from_the_seed(tmp_path):
    first, _ = write_documents(TINY, 8, tmp_path / "a")
    again, _ = write_documents(TINY, 8, tmp_path / "b")
    other, _ = write_documents(TINY, 9, tmp_path / "c")
    assert [p.read_bytes() for p in first] == [p.read_bytes() for p in again]
    assert [p.read_bytes() for p in first] != [p.read_bytes() for p in other]

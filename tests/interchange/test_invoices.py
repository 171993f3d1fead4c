"""Invoices and payments in the interchange format: historical records, imported as they are."""

import copy
import datetime as dt
import json
from decimal import Decimal as D

import pytest
from django.db import transaction

from formarche.billing.models import Invoice, InvoiceCounter, Payment, Period
from formarche.billing.services import invoice_number_take
from formarche.interchange.exporter import export_document
from formarche.interchange.importer import import_document, load_json
from formarche.interchange.validation import InterchangeError
from tests.bpf import django_world
from tests.factories import OrderFactory, OrganisationFactory
from tests.interchange.test_interchange import _cells, _wipe

pytestmark = pytest.mark.django_db


def _invoice(order, month, seq, status, **extra):
    period = Period.objects.create(
        order=order,
        month=month,
        status="validee",
        validated_at=dt.datetime(2023, 5, 2, tzinfo=dt.UTC),
        is_final=extra.pop("is_final", False),
    )
    return Invoice.objects.create(
        order=order,
        period=period,
        organisation=order.provider,
        year=2023,
        sequence=seq,
        number=f"2023-{seq:05d}",
        support=extra.pop("support", "CRE"),
        status=status,
        issue_date=month.replace(day=28),
        billed_ht=D("100.00"),
        billed_ttc=D("120.00"),
        payable_ht=D("90.00"),
        vat=D("18.00"),
        payable_ttc=D("108.00"),
        seller={},
        buyer={},
        **extra,
    )


def _world():
    world = django_world.build()
    a, b, _ = world["orders"]
    paid = _invoice(a, dt.date(2023, 3, 1), 1, "payee", received_on=dt.date(2023, 4, 2))
    Payment.objects.create(
        order=a, invoice=paid, kind="facture", date=dt.date(2023, 4, 20), amount=D("50.00")
    )
    Payment.objects.create(
        order=a, invoice=paid, kind="facture", date=dt.date(2023, 5, 3), amount=D("58.00"), reference="M-1"
    )
    _invoice(
        b,
        dt.date(2023, 6, 1),
        2,
        "signee",
        received_on=dt.date(2023, 7, 1),
        support="CRE final",
        is_final=True,
    )
    _invoice(a, dt.date(2023, 4, 1), 3, "rejetee")
    InvoiceCounter.objects.create(organisation=world["of"], year=2023, last_number=3)
    return world


def _snapshot():
    invoices = sorted(
        Invoice.objects.values_list(
            "number",
            "order__number",
            "period__month",
            "period__is_final",
            "support",
            "status",
            "issue_date",
            "received_on",
            "billed_ht",
            "billed_ttc",
            "payable_ht",
            "vat",
            "payable_ttc",
        )
    )
    payments = sorted(Payment.objects.values_list("invoice__number", "date", "amount", "reference", "kind"))
    return invoices, payments


def _doc(world):
    doc = export_document(organisation=world["of"], start=dt.date(2022, 1, 1), end=dt.date(2024, 12, 31))
    return json.loads(json.dumps(doc))


def test_round_trip_gives_the_same_invoices_payments_and_bpf():
    world = _world()
    before = _snapshot(), _cells(world["fy"])
    doc = _doc(world)
    assert [i["number"] for i in doc["invoices"]] == ["2023-00001", "2023-00002", "2023-00003"]
    assert doc["invoices"][0]["period"] == "2023-03"
    assert doc["invoices"][0]["payments"][1] == {"date": "2023-05-03", "amount": "58.00", "reference": "M-1"}
    _wipe()
    counts = import_document(load_json(json.dumps(doc).encode()))
    assert counts["invoices"] == 3 and counts["payments"] == 2
    from formarche.bpf.models import FiscalYear

    assert (_snapshot(), _cells(FiscalYear.objects.get(end=dt.date(2023, 12, 31)))) == before
    assert all(p.status == "validee" and not hasattr(p, "statement") for p in Period.objects.all())
    org = Invoice.objects.first().organisation
    with transaction.atomic():
        assert invoice_number_take(organisation=org, year=2023) == (4, "2023-00004")


def test_counter_is_raised_to_the_highest_imported_number():
    world = _world()
    doc = _doc(world)
    _wipe()
    doc["invoices"][2]["number"] = "2023-00041"
    import_document(doc)
    counter = InvoiceCounter.objects.get(year=2023)
    assert counter.last_number == 41
    with transaction.atomic():
        assert invoice_number_take(organisation=counter.organisation, year=2023)[1] == "2023-00042"


def _small_doc(org, invoices):
    return {
        "format": "formarche-interchange",
        "version": 1,
        "period": {"from": "2023-01-01", "to": "2023-12-31"},
        "organisation": {"code": org.provider_code, "name": org.name},
        "invoices": invoices,
    }


def _paths(doc):
    with pytest.raises(InterchangeError) as exc:
        import_document(doc)
    return dict(exc.value.errors)


def test_foreign_order_unknown_order_and_duplicate_numbers_are_refused_with_their_paths():
    world = _world()
    item = _doc(world)["invoices"][0]
    other = OrderFactory(provider=OrganisationFactory(), region=world["orders"][0].region)
    foreign = dict(copy.deepcopy(item), order=other.number, number="2023-00010")
    unknown = dict(copy.deepcopy(item), order="BC-INCONNU", number="2023-00011")
    taken = dict(copy.deepcopy(item), period="2023-09")  # 2023-00001 already exists
    twice = [dict(copy.deepcopy(item), number="2023-00012", period=m) for m in ("2023-10", "2023-11")]
    before = _snapshot()
    errors = _paths(_small_doc(world["of"], [foreign, unknown, taken, *twice]))
    assert "autre organisme" in errors["/invoices/0/order"]
    assert "absent" in errors["/invoices/1/order"]
    assert "existe déjà" in errors["/invoices/2/number"]
    assert "deux fois" in errors["/invoices/4/number"]
    assert "/invoices/3/number" not in errors
    assert _snapshot() == before  # nothing written


def test_an_invoice_on_an_order_already_in_formarche_is_imported():
    world = _world()
    item = dict(_doc(world)["invoices"][0], number="2023-00007", period="2023-09")
    counts = import_document(_small_doc(world["of"], [item]))
    assert counts["invoices"] == 1
    assert InvoiceCounter.objects.get(year=2023).last_number == 7
    invoice = Invoice.objects.get(number="2023-00007")
    assert invoice.period.month == dt.date(2023, 9, 1) and invoice.payments.count() == 2


def test_bad_values_are_refused_with_french_messages():
    world = _world()
    item = _doc(world)["invoices"][0]
    bad = [
        dict(copy.deepcopy(item), number="F-2023-1"),
        dict(copy.deepcopy(item), number="2023-00020", status="perdue", vat="-1"),
        dict(copy.deepcopy(item), number="2023-00021", support="Solde", period=None),
        dict(copy.deepcopy(item), number="2023-00022", issue_date="28/03/2023", payable_ttc="1.00"),
        dict(copy.deepcopy(item), number="2023-00023", period="2023-13"),
        dict(copy.deepcopy(item), number="2023-00024", period="2023-10", received_on=None),
    ]
    errors = _paths(_small_doc(world["of"], bad))
    assert "AAAA-NNNNN" in errors["/invoices/0/number"]
    assert "inconnue" in errors["/invoices/1/status"]
    assert "/invoices/1/vat" in errors
    assert "solde" in errors["/invoices/2/support"]
    assert "/invoices/3/issue_date" in errors and "/invoices/3/payable_ttc" in errors
    assert "/invoices/4/period" in errors
    assert "réception" in errors["/invoices/5/received_on"]


def test_export_with_invoices_matches_the_json_schema():
    jsonschema = pytest.importorskip("jsonschema")
    from tests.interchange.test_interchange import SCHEMA

    jsonschema.validate(_doc(_world()), json.loads(SCHEMA.read_text()))


def test_an_invoice_on_a_validated_period_already_in_formarche_reuses_it():
    world = _world()
    rejected = next(i for i in _doc(world)["invoices"] if i["number"] == "2023-00003")
    period = Period.objects.get(order__number=rejected["order"], month=dt.date(2023, 4, 1))
    item = dict(rejected, number="2023-00008", status="emise", rejection=None, payments=[])
    counts = import_document(_small_doc(world["of"], [item]))
    assert (counts["invoices"], counts["payments"]) == (1, 0)
    invoice = Invoice.objects.get(number="2023-00008")
    assert invoice.period == period and invoice.order == period.order
    assert Period.objects.filter(order=period.order, month=period.month).count() == 1
    assert InvoiceCounter.objects.get(year=2023).last_number == 8
    assert not invoice.history.exists()  # bulk insertion: the import is the trace

"""Credit notes (avoirs) in the interchange format: the optional key ``credit_note`` of a rejected
invoice travels and imports (same sequence as the invoices, counter raised); documents without it
import as before; bad values are refused with their paths."""

import copy
import datetime as dt
import json

import pytest
from django.db import transaction

from formarche.billing.models import CreditNote, Invoice, InvoiceCounter, Rejection
from formarche.billing.services import invoice_number_take
from formarche.interchange.importer import import_document, load_json
from tests.interchange.test_interchange import _cells, _wipe
from tests.interchange.test_invoices import _doc, _paths, _small_doc, _world

pytestmark = pytest.mark.django_db


def _world_with_credit_note():
    world = _world()
    rejected = Invoice.objects.get(number="2023-00003")
    Rejection.objects.create(invoice=rejected, reason="Heures erronées")
    CreditNote.objects.create(
        invoice=rejected,
        order=rejected.order,
        organisation=rejected.organisation,
        year=2023,
        sequence=4,
        number="2023-00004",
        issue_date=dt.date(2023, 5, 2),
        reason="Heures erronées",
        billed_ht=rejected.billed_ht,
        billed_ttc=rejected.billed_ttc,
        payable_ht=rejected.payable_ht,
        vat=rejected.vat,
        payable_ttc=rejected.payable_ttc,
    )
    InvoiceCounter.objects.filter(year=2023).update(last_number=4)
    return world


def _wipe_all():
    CreditNote.objects.all().delete()
    Rejection.objects.all().delete()
    _wipe()


def test_credit_note_round_trip():
    world = _world_with_credit_note()
    cells = _cells(world["fy"])
    doc = _doc(world)
    by_number = {i["number"]: i for i in doc["invoices"]}
    assert by_number["2023-00003"]["credit_note"] == {"number": "2023-00004", "issue_date": "2023-05-02"}
    assert by_number["2023-00001"]["credit_note"] is None
    _wipe_all()
    import_document(load_json(json.dumps(doc).encode()))
    credit = CreditNote.objects.get()
    assert (credit.number, credit.sequence, credit.issue_date) == ("2023-00004", 4, dt.date(2023, 5, 2))
    assert credit.invoice.number == "2023-00003" and credit.reason == "Heures erronées"
    assert credit.payable_ttc == credit.invoice.payable_ttc and credit.order == credit.invoice.order
    from formarche.bpf.models import FiscalYear

    assert _cells(FiscalYear.objects.get(end=dt.date(2023, 12, 31))) == cells  # the BPF is unchanged
    with transaction.atomic():  # the avoir's number is taken: the next invoice is 2023-00005
        assert invoice_number_take(organisation=credit.organisation, year=2023) == (5, "2023-00005")


def test_export_with_credit_notes_matches_the_json_schema():
    jsonschema = pytest.importorskip("jsonschema")
    from tests.interchange.test_interchange import SCHEMA

    jsonschema.validate(_doc(_world_with_credit_note()), json.loads(SCHEMA.read_text()))


def test_a_document_without_the_key_imports_as_before():
    world = _world_with_credit_note()
    doc = _doc(world)
    for item in doc["invoices"]:
        del item["credit_note"]
    _wipe_all()
    import_document(doc)
    assert Invoice.objects.count() == 3 and not CreditNote.objects.exists()


def test_bad_credit_notes_are_refused_with_their_paths():
    world = _world()
    items = _doc(world)["invoices"]
    rejected = next(i for i in items if i["status"] == "rejetee")
    paid = next(i for i in items if i["status"] == "payee")
    bad = [
        dict(
            copy.deepcopy(paid),
            number="2023-00030",
            period="2023-09",
            credit_note={"number": "2023-00031", "issue_date": "2023-10-01"},
        ),
        dict(
            copy.deepcopy(rejected),
            number="2023-00032",
            period="2023-10",
            credit_note={"number": "2023-00032", "issue_date": "2023-11-01"},
        ),
        dict(
            copy.deepcopy(rejected),
            number="2023-00033",
            period="2023-11",
            credit_note={"number": "AV-1", "issue_date": "2023-12-01"},
        ),
        dict(
            copy.deepcopy(rejected),
            number="2023-00034",
            period="2023-12",
            credit_note={"number": "2023-00035", "issue_date": "2023-01-01"},
        ),
        dict(
            copy.deepcopy(rejected),
            number="2023-00036",
            period="2023-08",
            credit_note={"number": "2023-00001", "issue_date": "2023-12-01"},
        ),
    ]
    before = CreditNote.objects.count(), Invoice.objects.count()
    errors = _paths(_small_doc(world["of"], bad))
    assert "seule une facture rejetée" in errors["/invoices/0/credit_note"]
    assert "déjà celui d'une facture ou d'un avoir du document" in errors["/invoices/1/credit_note/number"]
    assert "AAAA-NNNNN" in errors["/invoices/2/credit_note/number"]
    assert "ne peut pas précéder" in errors["/invoices/3/credit_note/issue_date"]
    assert "existe déjà dans cet organisme" in errors["/invoices/4/credit_note/number"]
    assert (CreditNote.objects.count(), Invoice.objects.count()) == before

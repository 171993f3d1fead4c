"""The Chorus Pro fields of an order travel in the interchange document (optional key
``chorus_pro``): exported, imported back, refused in French when wrong; a document without the
key still imports."""

import copy
import json

import pytest

from formarche.interchange.importer import import_document, load_json
from formarche.interchange.validation import InterchangeError
from formarche.orders.models import Order
from tests.interchange.test_interchange import SCHEMA, _roundtrip_doc, _wipe

pytestmark = pytest.mark.django_db
CHORUS = {"billing_frame": "A1", "commitment_number": "1300045678", "service_code": "FORMATION-PRO"}


def _doc_with_chorus():
    world, _, _ = _roundtrip_doc()
    Order.objects.all().update(
        chorus_billing_frame="A1", chorus_commitment_number="1300045678", chorus_service_code="FORMATION-PRO"
    )
    import datetime as dt

    from formarche.interchange.exporter import export_document

    doc = export_document(organisation=world["of"], start=dt.date(2022, 1, 1), end=dt.date(2024, 12, 31))
    return json.loads(json.dumps(doc))


def test_the_fields_go_out_and_come_back():
    doc = _doc_with_chorus()
    assert doc["orders"][0]["chorus_pro"] == CHORUS
    jsonschema = pytest.importorskip("jsonschema")
    jsonschema.validate(doc, json.loads(SCHEMA.read_text()))
    _wipe()
    import_document(load_json(json.dumps(doc).encode()))
    order = Order.objects.get(number=doc["orders"][0]["number"])
    assert (order.chorus_billing_frame, order.chorus_commitment_number, order.chorus_service_code) == (
        "A1",
        "1300045678",
        "FORMATION-PRO",
    )


def test_a_document_without_the_key_still_imports():
    doc = _doc_with_chorus()
    for order in doc["orders"]:
        order.pop("chorus_pro")
    _wipe()
    import_document(load_json(json.dumps(doc).encode()))
    assert set(Order.objects.values_list("chorus_service_code", flat=True)) == {""}


def test_a_bad_value_is_refused_with_its_path():
    doc = _doc_with_chorus()
    _wipe()
    bad = copy.deepcopy(doc)
    bad["orders"][0]["chorus_pro"] = {**CHORUS, "billing_frame": "Z9"}
    with pytest.raises(InterchangeError) as exc:
        import_document(bad)
    errors = dict(exc.value.errors)
    assert "cadre de facturation « Z9 » inconnu" in errors["/orders/0/chorus_pro"]
    assert not Order.objects.exists()

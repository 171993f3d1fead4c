"""Issue #18 in the interchange format: a CQP registered at the RNCP without level (BPF F-3 a
« dont CQP sans niveau ») and a CQP not registered (F-3 c) travel export → import; a document
without them (an older one) still imports."""

import datetime as dt
import json

import pytest

from formarche.bpf.models import FiscalYear
from formarche.interchange.exporter import export_document
from formarche.interchange.importer import import_document, load_json
from formarche.orders.models import Order
from tests.bpf import django_world
from tests.interchange.test_interchange import _cells, _wipe

pytestmark = pytest.mark.django_db


def test_a_cqp_without_level_round_trips_and_lands_in_f3_a_dont_cqp():
    world = django_world.build()
    a, _b, c = world["orders"]
    Order.objects.filter(pk=a.pk).update(
        certification_type="rncp_cqp", certification_code="RNCP36004", certification_level=""
    )
    Order.objects.filter(pk=c.pk).update(certification_type="cqp", certification_code="")
    cells, _ = _cells(world["fy"])
    assert cells["F3.acqp.h"] == cells["F3.a.h"] and cells["F3.acqp.h"] not in (0, "0", None)
    doc = json.loads(
        json.dumps(
            export_document(organisation=world["of"], start=dt.date(2022, 1, 1), end=dt.date(2024, 12, 31))
        )
    )
    rows = {o["number"]: o for o in doc["orders"]}
    assert (rows[a.number]["certification_type"], rows[a.number]["certification_level"]) == ("rncp_cqp", "")
    assert rows[c.number]["certification_type"] == "cqp"
    _wipe()
    import_document(load_json(json.dumps(doc).encode()))
    imported = Order.objects.get(number=a.number)
    assert (imported.certification_type, imported.certification_code, imported.certification_level) == (
        "rncp_cqp",
        "RNCP36004",
        "",
    )
    assert Order.objects.get(number=c.number).certification_type == "cqp"
    assert _cells(FiscalYear.objects.get(end=dt.date(2023, 12, 31)))[0] == cells


def test_an_unknown_certification_type_is_refused_with_the_known_values():
    world = django_world.build()
    doc = json.loads(
        json.dumps(
            export_document(organisation=world["of"], start=dt.date(2022, 1, 1), end=dt.date(2024, 12, 31))
        )
    )
    doc["orders"][0]["certification_type"] = "cqp_rncp"
    _wipe()
    from formarche.interchange.validation import InterchangeError

    with pytest.raises(InterchangeError) as exc:
        import_document(doc)
    message = " ".join(m for _, m in exc.value.errors)
    assert "cqp_rncp" in message and "rncp_cqp" in message

"""Avenants in the interchange format (ADR 0020): an order amended mid-action is exported with
its ``amendments``, imported into an empty database and exported again to the same document; the
statements are recomputed on the initial terms with the avenant's steps. Without the key, or with
a broken chain, the file is refused with the path."""

import copy
import datetime as dt
import json
from decimal import Decimal as D

import pytest

from formarche.accounts.models import Membership, Role, User
from formarche.billing import services
from formarche.billing.models import Statement
from formarche.interchange.exporter import export_document
from formarche.interchange.figures import STATEMENT_FIGURES
from formarche.interchange.importer import import_document
from formarche.interchange.validation import InterchangeError
from formarche.orders.models import Amendment, Order
from tests.billing.workflow import APRIL, MARCH, seed_order, validate
from tests.factories import OrganisationFactory
from tests.interchange.test_interchange import SCHEMA, _wipe

pytestmark = pytest.mark.django_db
START, END = dt.date(2020, 1, 1), dt.date(2030, 12, 31)


@pytest.fixture
def doc():
    region = OrganisationFactory(region=True, name="Région Occitanie", provider_code="R76")
    provider = OrganisationFactory(name="Formations Agricoles du Tarn", provider_code="IN1331")
    region_user = User.objects.create(email="referent@region.fr")
    Membership.objects.create(user=region_user, organisation=region, role=Role.REGION_MANAGER)
    of_user = User.objects.create(email="of@organisme.fr")
    order = seed_order(region=region, provider=provider)
    services.advance_record(order=order, user=region_user, date=dt.date(2023, 3, 24), amount=D("11564.00"))
    validate(order, MARCH, of_user)
    services.amendment_create(
        order=order,
        user=region_user,
        effective_date=dt.date(2023, 4, 10),
        reason="Hausse des effectifs.",
        volume_hours=D("5500"),
    )
    validate(order, APRIL, of_user)
    return json.loads(json.dumps(export_document(organisation=provider, start=START, end=END)))


def _figures():
    return {
        s.period.month: {name: getattr(s.as_engine(), name) for name in STATEMENT_FIGURES}
        for s in Statement.objects.select_related("period")
    }


def _empty():
    Membership.objects.all().delete()
    _wipe()


def _order(doc):
    return doc["orders"][0]


def test_amended_order_round_trips(doc):
    row = _order(doc)
    assert row["amount"] == "64900.00"
    (amendment,) = row["amendments"]
    assert (amendment["number"], amendment["amount_before"], amendment["amount_after"]) == (
        1,
        "57820.00",
        "64900.00",
    )
    jsonschema = pytest.importorskip("jsonschema")
    jsonschema.validate(doc, json.loads(SCHEMA.read_text()))
    statements = _figures()
    _empty()
    import_document(copy.deepcopy(doc))
    order = Order.objects.get(number=row["number"])
    assert Amendment.objects.get(order=order).amount_after == D("64900.00")
    assert _figures() == statements
    assert statements[APRIL]["total_ht"] == D("26109.47")  # on the avenant's terms
    provider = order.provider
    assert json.loads(json.dumps(export_document(organisation=provider, start=START, end=END))) == doc


def _refused(doc) -> dict:
    _empty()
    with pytest.raises(InterchangeError) as info:
        import_document(doc)
    return dict(info.value.errors)


def test_without_its_avenants_the_amended_statements_are_refused(doc):
    del _order(doc)["amendments"]
    errors = _refused(doc)
    assert any(path.startswith("/orders/0/periods/1/statement/") for path in errors), errors


def test_a_broken_avenant_chain_is_refused_with_the_path(doc):
    _order(doc)["amendments"][0]["amount_after"] = "60000.00"
    errors = _refused(doc)
    assert (
        "le dernier avenant donne 60000.00, l'action indique 64900.00"
        in errors["/orders/0/amendments/0/amount_after"]
    )

"""Issue #18 in the interchange format: a CQP registered at the RNCP without level (BPF F-3 a
« dont CQP sans niveau ») and a CQP not registered (F-3 c) travel export → import; a document
without them (an older one) still imports."""

import copy
import datetime as dt
import json
import time
from decimal import Decimal

import pytest

from formarche.bpf.models import FiscalYear
from formarche.interchange.exporter import export_document
from formarche.interchange.importer import import_document, load_json
from formarche.orders.models import Order
from tests.bpf import django_world
from tests.interchange.test_interchange import SCHEMA, _cells, _wipe

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


# --- an edited dispositif (issue #18, ADR 0021) ------------------------------------------------------


def _statements(number):
    from formarche.billing.models import Statement

    return {
        s.period.month: s.as_engine()
        for s in Statement.objects.filter(period__order__number=number).select_related("period")
    }


@pytest.fixture(scope="module")
def edited(django_db_setup, django_db_blocker):
    """The seed order: March validated and paid with the dispositif at 30 % / 80 %;
    then the dispositif edited to 25 % advance and a 90 % cap; April validated as the CRE final
    with the new parameters, its invoice and the solde issued. The export, the statements; the
    database is left empty (rolled back)."""
    from django.db import transaction

    from formarche.billing import services
    from tests.billing.closing_helpers import close_order
    from tests.billing.stages import paid_march
    from tests.billing.workflow import APRIL, seed_order, validate
    from tests.world import build_world

    with django_db_blocker.unblock(), transaction.atomic():
        world = build_world()
        of_user, officer = world.users["of1_manager"], world.users["region_a_officer"]
        order = seed_order(region=world.region_a, provider=world.of1, referent=officer)
        paid_march(order, of_user=of_user, region_user=officer)
        # the format keeps moments to the second: the edit comes a second after March's validation,
        # April's a second after the edit
        time.sleep(1.1)
        dispositif = order.dispositif
        dispositif.advance_rate, dispositif.cap_rate = Decimal("0.25"), Decimal("0.90")
        dispositif.save()
        time.sleep(1.1)
        close_order(order, of_user=of_user, region_user=officer)
        april = validate(order, APRIL, of_user, is_final=True)
        services.invoice_issue(period=april, user=of_user, today=dt.date(2023, 8, 8))
        services.solde_issue(order=order, user=of_user, today=dt.date(2023, 9, 4))
        doc = json.loads(
            json.dumps(
                export_document(organisation=world.of1, start=dt.date(2020, 1, 1), end=dt.date(2030, 12, 31))
            )
        )
        result = {"doc": doc, "number": order.number, "statements": _statements(order.number)}
        transaction.set_rollback(True)
    return result


def _order(doc, number):
    return next(o for o in doc["orders"] if o["number"] == number)


def _refusal(doc) -> str:
    from formarche.interchange.validation import InterchangeError

    with pytest.raises(InterchangeError) as exc:
        import_document(doc)
    return "\n".join(f"{path} : {message}" for path, message in exc.value.errors)


def test_an_edited_dispositif_travels_with_its_parameters_and_imports_with_identical_statements(edited):
    doc = copy.deepcopy(edited["doc"])
    order = _order(doc, edited["number"])
    history = order["dispositif"]["billing_history"]
    assert [(h["advance_rate"], h["cap_rate"]) for h in history] == [("0.3", "0.8"), ("0.25", "0.9")]
    assert (order["dispositif"]["advance_rate"], order["dispositif"]["cap_rate"]) == ("0.25", "0.9")
    jsonschema = pytest.importorskip("jsonschema")
    jsonschema.validate(doc, json.loads(SCHEMA.read_text()))
    import_document(copy.deepcopy(doc))
    # every line of both statements (engine values: "0" and "0.00" hours are the same number)
    assert _statements(edited["number"]) == edited["statements"]
    # the next export carries the same history (the import wrote it into the dispositif)
    from formarche.organisations.models import Organisation

    org = Organisation.objects.get(provider_code=doc["organisation"]["code"])
    again = json.loads(
        json.dumps(export_document(organisation=org, start=dt.date(2020, 1, 1), end=dt.date(2030, 12, 31)))
    )
    assert _order(again, edited["number"])["dispositif"]["billing_history"] == history


def test_without_its_history_the_refusal_explains_the_dispositif_and_the_statement(edited):
    doc = copy.deepcopy(edited["doc"])
    order = _order(doc, edited["number"])
    del order["dispositif"]["billing_history"]  # a document of an older formarche
    message = _refusal(doc)
    code = order["dispositif"]["code"]
    assert f"le relevé de 2023-03 recalculé avec les paramètres actuels du dispositif « {code} »" in message
    assert "taux d'avance 0.25 ; taux de plafonnement 0.9" in message
    assert "dispositif/billing_history" in message and "exportez-le de nouveau" in message
    assert "/periods/0/statement/advance_repayment" in message or "/periods/0/statement/total_ht" in message


def test_a_tampered_history_is_refused_naming_the_parameter_that_changed(edited):
    doc = copy.deepcopy(edited["doc"])
    order = _order(doc, edited["number"])
    order["dispositif"]["billing_history"][0]["advance_rate"] = "0.35"
    message = _refusal(doc)
    code = order["dispositif"]["code"]
    assert (
        f"le relevé de 2023-03 recalculé avec les paramètres du dispositif « {code} » en vigueur à sa validation"
        in message
    )
    assert "taux d'avance 0.35 → 0.25" in message and "taux de plafonnement 0.8 → 0.9" in message
    assert "a été modifié après l'export" in message


def test_a_history_that_does_not_end_with_the_current_parameters_is_refused(edited):
    doc = copy.deepcopy(edited["doc"])
    order = _order(doc, edited["number"])
    order["dispositif"]["billing_history"][-1]["cap_rate"] = "0.85"
    message = _refusal(doc)
    assert "l'historique doit finir par les paramètres actuels" in message and "0.85" in message


def test_the_rules_of_a_cqp_registered_at_the_rncp():
    from formarche.bpf import inputs as bi
    from formarche.bpf.loading import objective_of
    from formarche.orders.rules import certification_error

    assert certification_error("rncp_cqp", "RNCP36004") is None
    assert "RNCP suivi de chiffres" in certification_error("rncp_cqp", "")
    assert objective_of("formation", "rncp_cqp", "") == (bi.Objective.RNCP_CQP, None)
    assert objective_of("formation", "rncp_cqp", "4") == (bi.Objective.RNCP_CQP, 4)
    assert objective_of("formation", "cqp", "") == (bi.Objective.CQP, None)


def test_opening_an_action_as_a_cqp_registered_at_the_rncp_keeps_its_level(world):
    from formarche.orders import services as orders
    from tests.factories import OrderFactory

    order = OrderFactory(region=world.region_a, provider=world.of1)
    common = dict(order=order, actual_start=order.planned_start, place="Albi", nsf_code="210")
    opened = orders.order_open(
        **common, certification_type="rncp_cqp", certification_code="rncp36004", certification_level=""
    )
    assert (opened.certification_type, opened.certification_code, opened.certification_level) == (
        "rncp_cqp",
        "RNCP36004",
        "",
    )
    assert opened.get_certification_type_display() == "CQP enregistré au RNCP (avec ou sans niveau)"
    again = orders.order_open(
        **common, certification_type="rncp_cqp", certification_code="RNCP36004", certification_level="3"
    )
    assert again.certification_level == "3"
    with pytest.raises(orders.OrderError, match="Le code RNCP s'écrit"):
        orders.order_open(**common, certification_type="rncp_cqp", certification_code="")

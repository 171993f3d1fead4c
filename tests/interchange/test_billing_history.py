"""The whole billing history in the interchange format (issue #7, point 8): the demo organisation,
with a rejected and reissued CREF invoice, penalties and bonus, its solde and a rejected and reissued
solde invoice, and co-fundings, is exported, imported into an empty database and exported again
to the same document — same BPF, same solde. Figures are recomputed at import: a tampered one
refuses the file whole, naming the field and both values."""

import copy
import datetime as dt
import json
from decimal import Decimal as D

import pytest
from django.apps import apps
from django.db import transaction
from django.test import override_settings

from formarche.billing import services
from formarche.billing.models import (
    Adjustment,
    CreditNote,
    Invoice,
    Payment,
    Period,
    Rejection,
    Solde,
    Statement,
)
from formarche.bpf.models import FiscalYear
from formarche.interchange.exporter import export_document
from formarche.interchange.importer import import_document
from formarche.interchange.validation import InterchangeError
from formarche.orders.demo import SEED_ORDER
from formarche.orders.models import Order
from formarche.organisations.models import Organisation
from formarche.trainees.models import Enrolment, EnrolmentFunding
from tests.interchange.test_interchange import SCHEMA, _cells

pytestmark = pytest.mark.django_db
START, END = dt.date(2020, 1, 1), dt.date(2030, 12, 31)
SOLDE_FIELDS = (
    "amount_due",
    "bonus",
    "penalties",
    "advance",
    "instalments_paid",
    "total_paid",
    "balance_ht",
    "vat",
    "balance_ttc",
    "is_repayment_order",
    "issued_on",
    "data",
)


def _solde(order_number):
    s = Solde.objects.select_related("final_period").get(order__number=order_number)
    return {f: getattr(s, f) for f in SOLDE_FIELDS} | {"final_period": s.final_period.month}


def _bpf(org):
    return [(fy.start, _cells(fy)) for fy in FiscalYear.objects.filter(organisation=org).order_by("start")]


def _enrich_demo(world):
    """The demo, then what it lacks: the CREF invoice rejected and reissued, a penalty and a
    bonus, the solde issued, its invoice rejected and reissued, two co-fundings."""
    order = Order.objects.get(number=SEED_ORDER)
    of_user, region_user = world.users["of1"], world.users["region"]
    april = Period.objects.get(order=order, is_final=True)
    cref = Invoice.objects.live().get(period=april)
    services.invoice_reject(invoice=cref, user=region_user, reason="Le nom du bon de commande est erroné.")
    services.invoice_issue(period=april, user=of_user, today=dt.date(2023, 8, 21))
    for kind, label, amount in (("penalite", "Bilans tardifs", "1000.00"), ("bonus", "Insertion", "200.00")):
        services.adjustment_add(
            order=order, user=region_user, kind=kind, label=label, amount=D(amount), reason="Motif : " + label
        )
    solde = services.solde_issue(order=order, user=of_user, today=dt.date(2023, 9, 4))
    services.invoice_reject(
        invoice=Invoice.objects.live().get(solde=solde), user=region_user, reason="Adresse de facturation."
    )
    services.solde_issue(order=order, user=of_user, today=dt.date(2023, 9, 11))
    enrolments = Enrolment.objects.filter(order=order).order_by("pk")
    EnrolmentFunding.objects.create(
        enrolment=enrolments[0], payer="c9", amount=D("150.00"), label="reste à charge"
    )
    EnrolmentFunding.objects.create(enrolment=enrolments[1], payer="c2e", hourly_rate=D("2.5000"))


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The enriched demo's export, BPF and solde; the database is left empty (rolled back)."""
    from formarche.accounts.demo import build_demo_world

    with django_db_blocker.unblock(), override_settings(DEBUG=True), transaction.atomic():
        world = build_demo_world()
        _enrich_demo(world)
        result = {
            "doc": json.loads(json.dumps(export_document(organisation=world.of1, start=START, end=END))),
            "bpf": _bpf(world.of1),
            "solde": _solde(SEED_ORDER),
            "invoices": Invoice.objects.filter(order__number=SEED_ORDER).count(),
        }
        transaction.set_rollback(True)
    return result


@pytest.fixture
def doc(demo):
    return copy.deepcopy(demo["doc"])


def _seed(doc, number=SEED_ORDER):
    index = next(i for i, o in enumerate(doc["orders"]) if o["number"] == number)
    return index, doc["orders"][index]


def _refused(doc) -> dict:
    with pytest.raises(InterchangeError) as exc:
        import_document(doc)
    return dict(exc.value.errors)


def test_the_demo_round_trips_with_its_whole_billing_history(demo, doc):
    _, seed = _seed(doc)
    assert seed["status"] == "fermee" and seed["advance"]["amount"] == "11564.00"
    assert [(p["month"], p["is_final"], p["statement"]["total_ttc"]) for p in seed["periods"]] == [
        ("2023-03", False, "14246.53"),
        ("2023-04", True, "20445.47"),
    ]
    assert [a["kind"] for a in seed["adjustments"]] == ["penalite", "bonus"]
    assert (seed["solde"]["balance_ttc"], seed["solde"]["final_period"]) == ("7955.60", "2023-04")
    supports = [
        (i["support"], i["status"], i["replaces"]) for i in doc["invoices"] if i["order"] == SEED_ORDER
    ]
    assert len(supports) == demo["invoices"] == 5
    assert [s for s, *_ in supports].count("Solde") == 2
    assert all(i["rejection"] for i in doc["invoices"] if i["status"] == "rejetee")
    assert any(e["fundings"] for e in doc["enrolments"])

    assert not Organisation.objects.exists()  # an empty database
    counts = import_document(copy.deepcopy(doc))
    # periods: the seed order's two, and September 2023 of the Aude order (its rejected invoice,
    # cancelled by an avoir, and the corrected one: billing/demo_credit.py)
    assert (counts["periods"], counts["soldes"], counts["adjustments"], counts["advances"]) == (3, 1, 2, 1)
    assert counts["fundings"] == 2
    org = Organisation.objects.get(provider_code=doc["organisation"]["code"])
    assert json.loads(json.dumps(export_document(organisation=org, start=START, end=END))) == demo["doc"]
    assert _bpf(org) == demo["bpf"]
    assert _solde(SEED_ORDER) == demo["solde"]
    # the statements stored are the engine's, whole
    april = Statement.objects.get(period__order__number=SEED_ORDER, period__is_final=True)
    assert (
        april.data["cumulative_billable"] == "55011.60"
        and april.data["advance_already_resorbed"] == "5365.07"
    )
    # written by bulk insertion, reusing what was just created: no change-history record
    # (docs/interchange.md), the import is the trace
    for model in (Period, Statement, Invoice, Payment, Rejection, Adjustment, Solde, CreditNote):
        assert model.objects.exists() and not model.history.exists(), model.__name__


def test_rejection_and_reissue_round_trip(doc):
    import_document(doc)
    order = Order.objects.get(number=SEED_ORDER)
    rejected = Invoice.objects.get(order=order, support="CRE final", status="rejetee")
    reissued = Invoice.objects.live().get(order=order, support="CRE final")
    assert reissued.replaces == rejected and reissued.period == rejected.period
    assert rejected.rejection.reason == "Le nom du bon de commande est erroné."
    assert rejected.rejection.rejected_by is None and rejected.decided_at is not None  # users do not travel
    solde = Solde.objects.get(order=order)
    live = Invoice.objects.live().get(solde=solde)
    assert live.replaces.solde == solde and live.replaces.rejection.reason == "Adresse de facturation."
    assert (live.payable_ttc, live.billed_ht) == (D("7955.60"), D("0.00"))
    # the next invoice of the year continues the numbering
    with transaction.atomic():
        year = live.year
        assert (
            services.invoice_number_take(organisation=order.provider, year=year)[0]
            == Invoice.objects.filter(year=year).count() + CreditNote.objects.filter(year=year).count() + 1
        )


def test_a_tampered_solde_figure_is_refused_with_its_path_and_both_values(doc):
    i, seed = _seed(doc)
    seed["solde"]["balance_ht"] = "8955.60"
    seed["solde"]["bonus"] = "1200.00"
    errors = _refused(doc)
    assert errors[f"/orders/{i}/solde/balance_ht"] == (
        "le solde recalculé par formarche donne 7955.60, le document indique 8955.60."
    )
    assert "donne 200.00 (somme des pénalités et bonus de l'action)" in errors[f"/orders/{i}/solde/bonus"]
    assert "1200.00" in errors[f"/orders/{i}/solde/bonus"]
    assert not Organisation.objects.exists()


def test_a_tampered_statement_or_invoice_figure_is_refused(doc):
    hours = copy.deepcopy(doc)
    i, seed = _seed(doc)
    seed["periods"][1]["statement"]["advance_repayment"] = "-6198.94"
    cref = next(k for k, inv in enumerate(doc["invoices"]) if inv["support"] == "CRE final")
    doc["invoices"][cref]["payable_ht"] = "20445.48"
    doc["invoices"][cref]["payable_ttc"] = "20445.48"
    errors = _refused(doc)
    assert errors[f"/orders/{i}/periods/1/statement/advance_repayment"] == (
        "le relevé recalculé par formarche donne -6198.93, le document indique -6198.94."
    )
    assert errors[f"/invoices/{cref}/payable_ht"] == (
        "le relevé de la période recalculé par formarche donne 20445.47, la facture indique 20445.48."
    )
    # every figure follows the frozen hours: one more hour in March
    _seed(hours)[1]["periods"][0]["realised_hours"] = "1663.00"
    errors = _refused(hours)
    assert (
        "donne 19623.40, le document indique 19611.60" in errors[f"/orders/{i}/periods/0/statement/billable"]
    )
    assert not Organisation.objects.exists()


def test_a_solde_invoice_without_its_solde_is_refused(doc):
    i, seed = _seed(doc)
    seed["solde"] = None
    errors = _refused(doc)
    solde_invoices = [k for k, inv in enumerate(doc["invoices"]) if inv["support"] == "Solde"]
    for k in solde_invoices:
        assert errors[f"/invoices/{k}/support"].startswith("facture de solde sans solde : l'action")
        assert f"/orders/{i}/solde" in errors[f"/invoices/{k}/support"]
    assert not Organisation.objects.exists()


def test_a_negative_solde_travels_without_invoice_and_refuses_one(doc):
    """A 10 000 € penalty turns the solde into a titre de reversement: no invoice, its PDF is not
    in the format; received, it keeps its date and reference."""
    i, seed = _seed(doc)
    seed["adjustments"][0]["amount"] = "10000.00"
    seed["solde"].update(
        penalties="10000.00",
        balance_ht="-1044.40",
        vat="0.00",
        balance_ttc="-1044.40",
        is_repayment_order=True,
        repayment_received_on="2023-10-02",
        repayment_reference="TR-42",
    )
    with_invoices = copy.deepcopy(doc)
    doc["invoices"] = [inv for inv in doc["invoices"] if inv["support"] != "Solde"]
    import_document(doc)
    solde = Solde.objects.get(order__number=SEED_ORDER)
    assert solde.is_repayment_order and solde.repayment_amount == D("1044.40")
    assert (solde.repayment_received_on, solde.repayment_reference) == (dt.date(2023, 10, 2), "TR-42")
    assert not solde.repayment_document and not solde.invoices.exists()
    assert solde.data["adjustments"][0]["amount"] == "10000.00"

    with_invoices = _other_copy(with_invoices)
    errors = _refused(with_invoices)
    k = next(k for k, inv in enumerate(with_invoices["invoices"]) if inv["support"] == "Solde")
    assert "ordre de reversement" in errors[f"/invoices/{k}/support"]


def _counts():
    return {m._meta.label: m.objects.count() for m in apps.get_models() if not m._meta.proxy}


def _other_copy(doc):
    """The same data for another organisation, to import beside the first one."""
    other = copy.deepcopy(doc)
    other["organisation"]["code"] = "IN9999"
    rename = {o["number"]: o["number"] + "-B" for o in other["orders"]}
    for o in other["orders"]:
        o["number"] = rename[o["number"]]
    for item in other["enrolments"] + other["invoices"] + other["other_products"]:
        item["order"] = rename.get(item["order"], item["order"])
    for t in other["trainers"]:
        for h in t["hours"]:
            h["order"] = rename.get(h["order"], h["order"])
    for inv in other["invoices"]:
        inv["number"] = str(int(inv["number"][:4]) + 1) + inv["number"][4:]
        if inv["replaces"]:
            inv["replaces"] = str(int(inv["replaces"][:4]) + 1) + inv["replaces"][4:]
    other["fiscal_years"] = []
    return other


def test_a_refused_file_changes_nothing_in_a_database_that_has_data(doc):
    import_document(copy.deepcopy(doc))
    other = _other_copy(doc)
    i, seed = _seed(other, SEED_ORDER + "-B")
    seed["solde"]["amount_due"] = "55011.61"
    before = _counts()
    errors = _refused(other)
    assert list(errors) == [f"/orders/{i}/solde/amount_due"]
    assert _counts() == before
    seed["solde"]["amount_due"] = "55011.60"
    import_document(other)  # the same file, untampered, goes in
    assert Solde.objects.count() == 2 and Payment.objects.filter(kind="avance").count() == 2


def test_bad_history_values_are_refused_with_french_messages(doc):
    i, seed = _seed(doc)
    seed["periods"][0]["validated_at"] = "2023-04-02 10:00"
    seed["periods"][1]["month"] = "2023-03"
    seed["adjustments"][1]["kind"] = "prime"
    seed["status"] = "close"
    seed["dispositif"]["resorption_bands"] = [["10", "20"]]
    enrolment = next(k for k, e in enumerate(doc["enrolments"]) if e["fundings"])
    doc["enrolments"][enrolment]["fundings"][0]["hourly_rate"] = "3.00"
    rejected = next(k for k, inv in enumerate(doc["invoices"]) if inv["status"] == "rejetee")
    live = next(k for k, inv in enumerate(doc["invoices"]) if inv["replaces"])
    doc["invoices"][live]["rejection"] = {"reason": "Non."}
    doc["invoices"][rejected]["decided_at"] = "2023-08-20T10:00:00"
    doc["invoices"][live]["replaces"] = "2023-09999"
    errors = _refused(doc)
    op = f"/orders/{i}"
    assert "AAAA-MM-JJTHH:MM:SS+00:00" in errors[f"{op}/periods/0/validated_at"]
    assert "figure deux fois" in errors[f"{op}/periods/1/month"]
    assert "inconnue" in errors[f"{op}/adjustments/1/kind"] and "inconnue" in errors[f"{op}/status"]
    assert "[de %, à %, fraction]" in errors[f"{op}/dispositif/resorption_bands"]
    assert "soit un montant forfaitaire" in errors[f"/enrolments/{enrolment}/fundings/0"]
    assert "seule une facture rejetée" in errors[f"/invoices/{live}/rejection"]
    assert "fuseau" in errors[f"/invoices/{rejected}/decided_at"]
    assert "absente de /invoices" in errors[f"/invoices/{live}/replaces"]


def test_an_existing_dispositif_with_other_parameters_is_named(doc):
    from formarche.orders.models import Dispositif
    from tests.factories import OrganisationFactory

    i, seed = _seed(doc)
    region = OrganisationFactory(region=True, provider_code=seed["region"])
    Dispositif.objects.create(
        region=region,
        code=seed["dispositif"]["code"],
        name="Autre",
        advance_rate=D("0.25"),
        cap_rate=D("0.80"),
    )
    errors = _refused(doc)
    assert errors[f"/orders/{i}/dispositif/advance_rate"].startswith(
        f"le dispositif « {seed['dispositif']['code']} » existe déjà dans formarche pour cette Région avec "
        "advance_rate = 0.25 ; le document indique 0.3."
    )


def test_the_export_matches_the_json_schema(doc):
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads(SCHEMA.read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.validate(doc, schema)


def test_adjustments_keep_their_date(doc):
    _, seed = _seed(doc)
    import_document(doc)
    stored = [a.created_at.isoformat() for a in Adjustment.objects.order_by("created_at", "pk")]
    assert stored == [a["created_at"] for a in seed["adjustments"]]
    assert Rejection.objects.count() == 3  # the seed's two, the Aude order's (billing/demo_credit.py)


def test_a_period_without_statement_still_enters_the_engine_with_its_hours(doc):
    """A period imported without statement (older files) counts with its frozen hours: the next
    statement is checked as formarche computed it; the solde needs every statement."""
    i, seed = _seed(doc)
    seed["periods"][0]["statement"] = None
    errors = _refused(copy.deepcopy(doc))
    assert errors[f"/orders/{i}/solde/final_period"].endswith("2023-03 n'en a pas.")
    seed["solde"] = None
    doc["invoices"] = [inv for inv in doc["invoices"] if inv["support"] != "Solde"]
    import_document(doc)
    march, april = Period.objects.filter(order__number=SEED_ORDER).order_by("month")
    assert not hasattr(march, "statement") and april.statement.total_ttc == D("20445.47")


def test_co_fundings_follow_the_rules_of_the_enrolment_page(doc):
    k = next(k for k, e in enumerate(doc["enrolments"]) if e["fundings"])
    enrolment = doc["enrolments"][k]
    enrolment["fundings"].append({"payer": enrolment["payer"], "hourly_rate": "1.50", "label": ""})
    enrolment["fundings"].append(dict(enrolment["fundings"][0]))
    errors = _refused(doc)
    n = len(enrolment["fundings"])
    assert "déjà le financeur principal" in errors[f"/enrolments/{k}/fundings/{n - 2}"]
    assert "cofinance déjà cette inscription" in errors[f"/enrolments/{k}/fundings/{n - 1}"]


def test_hours_of_validated_months_are_dated_by_their_validation_so_controls_stay_clean(doc):
    """The hours of a month the document says was validated are the hours as validated: they are
    dated by that validation, not by the import, so the month controls do not see « modifications
    d'un mois validé sans rectificatif » in every imported row (found by the benchmark: 650
    blocking messages on one imported action, and its next month could not be validated)."""
    from django.utils import timezone

    from formarche.attendance.controls import run_controls
    from formarche.attendance.models import Attendance

    before = timezone.now()
    import_document(doc)
    order = Order.objects.get(number=SEED_ORDER)
    periods = {p.month: p.validated_at for p in Period.objects.filter(order=order)}
    assert set(periods) == {dt.date(2023, 3, 1), dt.date(2023, 4, 1)}
    rows = Attendance.objects.filter(enrolment__order=order)
    assert rows.exists()
    for row in rows:
        month = row.day.replace(day=1)
        if month in periods:
            assert row.updated_at == periods[month], row.day
        else:
            assert row.updated_at >= before, row.day
    codes = {issue.code for issue in run_controls(order).blocking}
    assert "modification_non_rectificative" not in codes

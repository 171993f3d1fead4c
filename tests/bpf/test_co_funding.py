"""Issue #7: co-fundings recorded in the database feed the BPF (selector → engine → records).

An action paid by the Région (C-6) at 10 € an hour, three trainees planned for 100 h each:
  Un     job-seeker, 40 h realised in 2023                                   C-6  400
  Deux   job-seeker, 100 h realised; also pays 300 € flat herself (c9)      C-6 1 000, C-9 300
  Trois  employee, 30 h realised + 5 h counted unrealised; CPF 2 €/h (c2e)  C-6  350, C-e 70
C-6 = 175 h × 10 = 1 750; C-9 = 300 × 100 / 100 = 300; C-e = C-2 = 35 × 2 = 70; total 2 120.
F-1: Un in c (40 h), Deux in d — her own share makes her a *particulier* — (100 h), Trois in a
(30 h): 3 trainees, 170 h, and F-3 / F-4 say the same.
"""

import datetime as dt
import html
from decimal import Decimal as D

import pytest
from django.urls import reverse

import tests.bpf.needs_django  # noqa: F401  (first: skips without Django)
from formarche.bpf.engine import compute_bpf
from formarche.bpf.models import FiscalYear, Subcontracting
from formarche.bpf.records import cell_records, funding_lines_of_cell
from formarche.bpf.selectors import bpf_compute, bpf_inputs
from formarche.trainees.models import EnrolmentFunding, EntryStatus
from tests.bpf.django_world import hours
from tests.factories import EnrolmentFactory, OrderFactory, OrganisationFactory, TraineeFactory
from tests.world import MARKER

pytestmark = pytest.mark.django_db


def _fund(enrolment, payer, **kw):
    return EnrolmentFunding.objects.create(enrolment=enrolment, payer=payer, **kw)


@pytest.fixture
def action():
    of = OrganisationFactory(name="OF cofinancé")
    order = OrderFactory(
        provider=of,
        region=OrganisationFactory(region=True),
        unit_price=D("10.00"),
        certification_type="rncp",
        certification_level="4",
        nsf_code="314",
    )

    def enrol(name, status):
        trainee = TraineeFactory(organisation=of, last_name=name, entry_status=status)
        return EnrolmentFactory(order=order, trainee=trainee, payer="c6", planned_hours=D("100"))

    un = enrol("Un", EntryStatus.JOB_SEEKER)
    deux = enrol("Deux", EntryStatus.JOB_SEEKER)
    trois = enrol("Trois", EntryStatus.EMPLOYEE)
    hours(un, dt.date(2023, 3, 1), "40", kind="mois")
    hours(deux, dt.date(2023, 3, 1), "60", kind="mois")
    hours(deux, dt.date(2023, 4, 1), "40", kind="mois")
    hours(trois, dt.date(2023, 3, 1), "30", "5", kind="mois")
    own = _fund(deux, "c9", amount=D("300.00"), label="Participation personnelle")
    cpf = _fund(trois, "c2e", hourly_rate=D("2"))
    fy = FiscalYear.objects.create(organisation=of, start=dt.date(2023, 1, 1), end=dt.date(2023, 12, 31))
    return {"of": of, "order": order, "fy": fy, "enrolments": (un, deux, trois), "own": own, "cpf": cpf}


def test_the_trainees_own_share_is_c9_and_makes_her_a_particulier(action):
    report = bpf_compute(fiscal_year=action["fy"]).report
    got = {
        key: report[key]
        for key in (
            "C.6",
            "C.9",
            "C.e",
            "C.2",
            "C.total",
            "F1.a.n",
            "F1.a.h",
            "F1.c.n",
            "F1.c.h",
            "F1.d.n",
            "F1.d.h",
            "F1.total.n",
            "F1.total.h",
            "F3.total.n",
            "F3.total.h",
            "F4.total.n",
            "F4.total.h",
        )
    }
    assert got == {
        "C.6": 1750,
        "C.9": 300,
        "C.e": 70,
        "C.2": 70,
        "C.total": 2120,
        "F1.a.n": 1,
        "F1.a.h": D("30.00"),
        "F1.c.n": 1,
        "F1.c.h": D("40.00"),
        "F1.d.n": 1,
        "F1.d.h": D("100.00"),
        "F1.total.n": 3,
        "F1.total.h": D("170.00"),
        "F3.total.n": 3,
        "F3.total.h": D("170.00"),
        "F4.total.n": 3,
        "F4.total.h": D("170.00"),
    }
    codes = {c.code for c in report.checks}
    assert "F_TOTAUX_DIFFERENTS" not in codes and "C_TOTAL_SOMME" not in codes
    assert "PARTICULIERS_SANS_C9" not in codes
    un, deux, trois = action["enrolments"]
    assert {r.id for r in report.sources("C.9")} == {deux.pk}
    assert {r.id for r in report.sources("F1.d.n")} == {deux.pk}


def test_the_engine_receives_the_principal_funding_then_the_co_fundings(action):
    inputs = bpf_inputs(action["fy"])
    by_id = {e.id: e for e in inputs.enrolments}
    un, deux, trois = action["enrolments"]
    assert [(f.c_line.value, f.hourly_rate, f.amount) for f in by_id[un.pk].fundings] == [
        ("6", D("10.0000"), None)
    ]
    assert [(f.c_line.value, f.hourly_rate, f.amount) for f in by_id[deux.pk].fundings] == [
        ("6", D("10.0000"), None),
        ("9", None, D("300.00")),
    ]
    assert [f.c_line.value for f in by_id[trois.pk].fundings] == ["6", "e"]


def test_c9_records_list_the_co_funding_with_its_product_of_the_year(action):
    fy = action["fy"]
    report = bpf_compute(fiscal_year=fy).report
    records = cell_records(fy, report, "C.9")
    assert records.fundings == [action["own"]]
    assert records.fundings[0].fy_amount == D("300.00") and records.total["funding"] == 1
    assert [f.pk for f in cell_records(fy, report, "F1.d.n").fundings] == [action["own"].pk]
    assert [f.pk for f in cell_records(fy, report, "C.2").fundings] == [action["cpf"].pk]
    assert cell_records(fy, report, "C.e").fundings[0].fy_amount == D("70.00")
    assert {f.pk for f in cell_records(fy, report, "C.total").fundings} == {
        action["own"].pk,
        action["cpf"].pk,
    }
    assert cell_records(fy, report, "C.6").fundings == []
    assert cell_records(fy, report, "F1.c.n").fundings == []


@pytest.mark.parametrize(
    ("edition", "key", "lines"),
    [
        ("10443*17", "C.9", {"9"}),
        ("10443*17", "C.2", set("abcdefgh")),
        ("10443*17", "C.10", {"10"}),
        ("10443*17", "F1.d.h", {"9"}),
        ("10443*17", "F1.c.h", set()),
        ("10443*17", "E.1.n", set()),
        ("10443*12", "p2.A4", {"9"}),
        ("10443*12", "p2.A3.total", {"3", "4", "5", "6", "7", "8"}),
        ("10443*12", "p4.A.3.n", {"9"}),
        ("10443*12", "p2.A6.b", set()),
    ],
)
def test_which_co_fundings_explain_a_cell(edition, key, lines):
    assert funding_lines_of_cell(edition, key) == lines


def test_a_flat_amount_is_accrued_over_two_fiscal_years(action):
    of, fy2023 = action["of"], action["fy"]
    fy2024 = FiscalYear.objects.create(organisation=of, start=dt.date(2024, 1, 1), end=dt.date(2024, 12, 31))
    order = OrderFactory(provider=of, region=action["order"].region, unit_price=D("12.00"), nsf_code="314")
    trainee = TraineeFactory(organisation=of, last_name="Quatre", entry_status=EntryStatus.OTHER)
    spanning = EnrolmentFactory(order=order, trainee=trainee, payer="c6", planned_hours=D("80"))
    _fund(spanning, "c9", amount=D("250.00"))
    hours(spanning, dt.date(2023, 12, 1), "30", kind="mois")
    hours(spanning, dt.date(2024, 1, 1), "50", kind="mois")

    def c9(fy):
        return compute_bpf(None, bpf_inputs(fy))

    first, second = c9(fy2023), c9(fy2024)
    # 250 × 30 / 80 = 93,75 → 94 in 2023 (plus Deux's 300); 250 × 50 / 80 = 156,25 → 156 in 2024
    assert first["C.9"] == 300 + 94
    assert second["C.9"] == 156
    assert second["C.6"] == 50 * 12
    assert (second["F1.d.n"], second["F1.d.h"], second["F1.total.n"]) == (1, D("50.00"), 1)
    records = cell_records(fy2024, second, "C.9")
    assert [(f.pk, f.fy_amount) for f in records.fundings] == [(spanning.fundings.get().pk, D("156.25"))]


def test_a_flat_amount_is_never_over_counted_when_the_hours_exceed_the_plan(action):
    """250 € for 100 planned hours, 60 h in 2023 and 60 h in 2024 (50 realised + 10 counted
    unrealised): 150 € in 2023, then only the 100 € left in 2024 (not 150 €: 300 € in all). The
    hours before the year are read only for enrolments with a flat co-funding."""
    of, fy2023 = action["of"], action["fy"]
    fy2024 = FiscalYear.objects.create(organisation=of, start=dt.date(2024, 1, 1), end=dt.date(2024, 12, 31))
    order = OrderFactory(provider=of, region=action["order"].region, unit_price=D("12.00"), nsf_code="314")
    trainee = TraineeFactory(organisation=of, last_name="Cinq", entry_status=EntryStatus.OTHER)
    spanning = EnrolmentFactory(order=order, trainee=trainee, payer="c6", planned_hours=D("100"))
    funding = _fund(spanning, "c9", amount=D("250.00"))
    hours(spanning, dt.date(2023, 11, 1), "25", kind="mois")
    hours(spanning, dt.date(2023, 12, 1), "35", kind="mois")
    hours(spanning, dt.date(2024, 1, 1), "50", "10", kind="mois")
    hourly_only = EnrolmentFactory(
        order=order, trainee=TraineeFactory(organisation=of, last_name="Six"), planned_hours=D("100")
    )
    hours(hourly_only, dt.date(2023, 12, 1), "30", kind="mois")
    hours(hourly_only, dt.date(2024, 2, 1), "20", kind="mois")

    inputs = {fy: bpf_inputs(fy) for fy in (fy2023, fy2024)}
    by_id = {e.id: e for e in inputs[fy2024].enrolments}
    assert by_id[spanning.pk].billable_hours_before == D("60")
    assert by_id[hourly_only.pk].billable_hours_before == 0  # no flat funding: not read
    first, second = (compute_bpf(None, inputs[fy]) for fy in (fy2023, fy2024))
    assert first["C.9"] == 300 + 150  # Deux's 300 € and 250 × 60 / 100
    assert second["C.9"] == 100  # min(250, 250 × 120 / 100) − 150, not 150 more
    assert second["C.6"] == (60 + 20) * 12  # hourly rates are unaffected
    for fy, expected in ((fy2023, D("150.00")), (fy2024, D("100.00"))):
        records = cell_records(fy, compute_bpf(None, inputs[fy]), "C.9")
        assert (funding.pk, expected) in [(f.pk, f.fy_amount) for f in records.fundings]


def test_the_control_workbook_accrues_a_flat_amount_over_the_years(action):
    import io

    from openpyxl import load_workbook

    from formarche.bpf.documents import xlsx_bytes

    of = action["of"]
    fy2024 = FiscalYear.objects.create(organisation=of, start=dt.date(2024, 1, 1), end=dt.date(2024, 12, 31))
    deux = action["enrolments"][1]
    hours(deux, dt.date(2024, 1, 1), "20", kind="mois")  # 100 h already in 2023: 300 € all earned
    computed = bpf_compute(fiscal_year=fy2024)
    assert computed.report["C.9"] == 0 and computed.report["C.6"] == 200
    book = load_workbook(io.BytesIO(xlsx_bytes(computed.report, computed.inputs)))
    rows = list(book["Actions"].values)
    values = dict(zip(rows[0], rows[1], strict=True))
    assert (values["Produits C-9"], values["Produits C-6"]) == (0, 200)  # not 300 × 20 / 100 = 60


def test_a_co_funding_of_an_action_received_from_another_of_goes_to_c10(action):
    Subcontracting.objects.create(order=action["order"], direction="recue", partner_name="Autre OF")
    report = compute_bpf(None, bpf_inputs(action["fy"]))
    assert report["C.9"] == 0 and report["C.e"] == 0
    assert report["C.10"] == 1750 + 300 + 70
    assert report["G.n"] == 3 and report["F1.total.n"] == 0
    records = cell_records(action["fy"], report, "C.10")
    assert {(f.pk, f.fy_line) for f in records.fundings} == {
        (action["own"].pk, "10"),
        (action["cpf"].pk, "10"),
    }
    assert cell_records(action["fy"], report, "C.9").fundings == []


def test_query_count_of_the_selector_is_constant_with_co_fundings(action, django_assert_max_num_queries):
    fy = action["fy"]
    with django_assert_max_num_queries(14) as before:
        bpf_inputs(fy)
    n = len(before.captured_queries)
    order = action["order"]
    for _ in range(12):
        e = EnrolmentFactory(
            order=order, trainee=TraineeFactory(organisation=action["of"]), planned_hours=D("50")
        )
        hours(e, dt.date(2022, 11, 1), "5", kind="mois")  # before the year: read for flat ones
        hours(e, dt.date(2023, 5, 1), "10", kind="mois")
        _fund(e, "c9", amount=D("100"))
        _fund(e, "c2e", hourly_rate=D("1.5"))
    with django_assert_max_num_queries(n):
        inputs = bpf_inputs(fy)
    report = compute_bpf(None, inputs)
    assert report["C.9"] == 300 + 12 * 20  # 100 × (5 + 10) / 50 − 100 × 5 / 50 each
    assert report["C.e"] == 70 + 12 * 15
    assert report["F1.d.n"] == 13


def test_the_cell_page_shows_the_trainees_own_payment(world, login):
    """The URL-walk world: OF 1's trainee has 7 h in March 2023 and a marked 300 € co-funding (c9)
    for 300 planned hours → 7 € in C-9."""
    client = login(world.users["of1_manager"])
    url = reverse("bpf:cell", kwargs={"fiscal_year_id": world.objects["fiscal_year"].pk, "cell_key": "C.9"})
    body = html.unescape(client.get(url).content.decode())
    assert "Cofinancements (1)" in body
    assert f"Reste à charge {MARKER}" in body
    assert "300,00 € HT forfaitaires" in body and "7,00" in body


def test_the_control_workbook_counts_the_co_fundings(action):
    """The accountant's workbook: products per action and line, flat amounts pro rata included,
    so that they add up to the C cells."""
    import io

    from openpyxl import load_workbook

    from formarche.bpf.documents import xlsx_bytes

    computed = bpf_compute(fiscal_year=action["fy"])
    book = load_workbook(io.BytesIO(xlsx_bytes(computed.report, computed.inputs)))
    rows = list(book["Actions"].values)
    header, values = rows[0], dict(zip(rows[0], rows[1], strict=True))
    assert {"Produits C-6", "Produits C-9", "Produits C-e"} <= set(header)
    assert (values["Produits C-6"], values["Produits C-9"], values["Produits C-e"]) == (1750, 300, 70)
    enrolments = {row[1]: row for row in book["Inscriptions"].values if row[0] != "Inscription"}
    deux = action["enrolments"][1].trainee_id
    assert enrolments[str(deux)][5] == "6, 9" and enrolments[str(deux)][9] == 1300

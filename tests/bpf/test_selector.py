"""The selector on a small world equals a hand computation (django_world.py).

Products (accrual: hours of 2023 × the order's price; counted-unrealised hours are billed):
  C-6  = (7 + 3,5 + 3,5 + 20) × 10 [Un, action A] + 7 × 10 [Trois, absent but billed]   = 410
  C-9  = 6 × 10 [Deux pays herself: a *particulier*]                                   =  60
  C-h  = 4 × 20 [Un, bilan]                                                            =  80
  C-10 = 10 × 15 [Quatre, action received from another OF: C-10 whoever pays]          = 150
  C-11 = 100 [teaching tools]; the 500 € advance is excluded
  total 800; turnover 2 000 (account 706) → 40 %
Charges (key 0,5; 604 at 100 %): 6411 500 + 604 200 + 6226 50 + 606 150 = 900; salaries 500;
purchases 250.
Trainees (realised hours of 2023 only): Un/A 30,5 h (job-seeker), Un/B 4 h, Deux/A 6 h
(particulier); Trois has no realised hour (not a trainee); Quatre/C 10 h → G.
Trainers: one CDI, 7 + 20 = 27 h; one external, 5,4 h → 5.
"""

from decimal import Decimal as D

import pytest

import tests.bpf.needs_django  # noqa: F401  (first: skips without Django)
from formarche.bpf.engine import compute_bpf
from formarche.bpf.selectors import bpf_compute, bpf_inputs
from tests.bpf import django_world

pytestmark = pytest.mark.django_db

EXPECTED = {
    "B.distance": False,
    "C.1": 0,
    "C.h": 80,
    "C.2": 80,
    "C.6": 410,
    "C.9": 60,
    "C.10": 150,
    "C.11": 100,
    "C.total": 800,
    "C.pct": 40,
    "D.total": 900,
    "D.salaries": 500,
    "D.purchases": 250,
    "E.1.n": 1,
    "E.1.h": 27,
    "E.2.n": 1,
    "E.2.h": 5,
    "F1.a.n": 0,
    "F1.c.n": 2,
    "F1.c.h": D("34.50"),
    "F1.d.n": 1,
    "F1.d.h": D("6.00"),
    "F1.total.n": 3,
    "F1.total.h": D("40.50"),
    "F2.n": 0,
    "F3.a.n": 2,
    "F3.a.h": D("36.50"),
    "F3.a4.n": 2,
    "F3.e.n": 1,
    "F3.e.h": D("4.00"),
    "F3.total.h": D("40.50"),
    "F4.1.code": "314",
    "F4.1.n": 2,
    "F4.1.h": D("36.50"),
    "F4.2.code": "315",
    "F4.2.h": D("4.00"),
    "F4.3.code": None,
    "F4.total.h": D("40.50"),
    "G.n": 1,
    "G.h": D("10.00"),
}


@pytest.fixture
def small():
    return django_world.build()


def test_selector_equals_hand_computation(small):
    report = bpf_compute(fiscal_year=small["fy"]).report
    assert report.edition == "10443*17"
    got = {key: report[key] for key in EXPECTED}
    assert got == EXPECTED
    codes = {c.code for c in report.checks}
    assert "F_TOTAUX_DIFFERENTS" not in codes and "C_TOTAL_SOMME" not in codes
    excluded = [e.source for e in report.excluded]
    assert any(ref.kind == "product" for ref in excluded)  # the advance


def test_sources_point_to_the_records(small):
    report = bpf_compute(fiscal_year=small["fy"]).report
    e1a, e2a, e3a, e1b, e4c = small["enrolments"]
    assert {r.id for r in report.sources("F1.c.h")} == {e1a.pk, e1b.pk}
    assert {r.id for r in report.sources("G.n")} == {e4c.pk}
    assert e3a.pk in {r.id for r in report.sources("C.6")}
    assert {r.kind for r in report.sources("D.total")} == {"accounts"}


def test_query_count_does_not_grow_with_rows(small, django_assert_max_num_queries):
    from tests.bpf.django_world import hours

    fy = small["fy"]
    with django_assert_max_num_queries(12) as before:
        bpf_inputs(fy)
    n = len(before.captured_queries)
    e1a = small["enrolments"][0]
    import datetime as dt

    for day in range(8, 28):
        hours(e1a, dt.date(2023, 2, day), "1")
    with django_assert_max_num_queries(n):
        inputs = bpf_inputs(fy)
    assert compute_bpf(None, inputs)["F1.c.h"] == D("54.50")


def test_manual_amounts_override_accounts(small):
    fy = small["fy"]
    fy.training_charges = D("1234.40")
    fy.total_turnover = D("1600")
    fy.save()
    report = bpf_compute(fiscal_year=fy).report
    assert report["D.total"] == 1234
    assert report["C.pct"] == 50


def test_month_straddling_a_fiscal_year_limit_blocks(small):
    import datetime as dt

    from formarche.bpf.models import FiscalYear

    of = small["of"]
    fy = FiscalYear.objects.create(organisation=of, start=dt.date(2024, 1, 1), end=dt.date(2024, 6, 15))
    django_world.hours(small["enrolments"][0], dt.date(2024, 6, 1), "10", kind="mois")
    report = bpf_compute(fiscal_year=fy).report
    assert "PRESENCE_MOIS_A_CHEVAL" in {c.code for c in report.checks}

"""The seed's 4-page form (10443*12/13) from the same hand-built year."""

from decimal import Decimal

import pytest

from formarche.bpf.engine import compute_bpf
from formarche.bpf.report import SourceRef
from tests.bpf.test_engine_year import build_year


@pytest.fixture(scope="module")
def report():
    return compute_bpf("10443*12", build_year())


PRODUCTS = {
    "p2.A1.a": 441,
    "p2.A1.b": 0,
    "p2.A2.a": 96,  # plan (today's h)
    "p2.A2.b": 160,  # professionnalisation / DIF: today's b, c, e, f
    "p2.A2.c": 40,  # CIF (today's d)
    "p2.A2.d": 70,  # non-salaried funds (g)
    "p2.A2.total": 366,
    "p2.A3.a": 10,
    "p2.A3.d": 900,
    "p2.A3.total": 934,
    "p2.A4": 792,
    "p2.A5": 200,
    "p2.A6.e": 300,  # the penalty, as an exceptional product (seed)
    "p2.A6.f": 121,
    "p2.A6.total": 421,
    "p2.total": 3154,  # apprenticeship products (1 000 €) have no line on this form
}


@pytest.mark.parametrize(("key", "value"), PRODUCTS.items())
def test_products_page_2(report, key, value):
    assert report[key] == value


def test_apprenticeship_products_are_blocking(report):
    check = next(c for c in report.checks if c.code == "C_A_SANS_EQUIVALENT")
    assert SourceRef("enrolment", 6) in check.sources


TRAINEES = {
    # A, C and D count what we trained: own account (B 1) and for another organisation (B 2)
    "p4.A.total": (16, "264.35"),
    "p4.A.1": (10, "171.35"),  # employees with apprentices
    "p4.A.3": (2, "52.00"),
    "p4.B.1": (15, "256.35"),
    "p4.B.2": (1, "8.00"),
    "p4.B.total": (16, "264.35"),
    "p4.B.3": (1, "5.00"),  # entrusted to another organisation: only in B 3
    "p4.C.1": (4, "162.00"),
    "p4.C.1_IV": (2, "60.00"),
    "p4.C.1_V": (1, "100.00"),
    "p4.C.3": (2, "13.00"),
    "p4.C.3_bilan": (1, "12.00"),
    "p4.C.total": (16, "264.35"),
    "p4.D.total": (16, "264.35"),
}


@pytest.mark.parametrize(("prefix", "expected"), TRAINEES.items())
def test_trainees_page_4(report, prefix, expected):
    n, h = expected
    assert (report[f"{prefix}.n"], report[f"{prefix}.h"]) == (n, Decimal(h))


def test_people_page_1(report):
    assert (report["p1.D.1.b.n"], report["p1.D.1.b.h"]) == (1, 21)
    assert (report["p1.D.1.c.n"], report["p1.D.1.c.h"]) == (1, 13)
    assert (report["p1.D.1.total.n"], report["p1.D.1.total.h"]) == (2, 34)
    assert (report["p1.D.2.n"], report["p1.D.2.h"]) == (1, 2)
    assert (report["p1.D.total.n"], report["p1.D.total.h"]) == (3, 36)
    assert (report["p1.D.lt30.n"], report["p1.D.lt30.h"]) == (1, 21)  # Tr2 trained on one day


def test_speciality_of_the_g_action_is_counted(report):
    assert report["p4.D.3.code"] == "312" and report["p4.D.3.h"] == Decimal("68.00")  # 60 + 8 (G)


def test_only_the_apprenticeship_check_blocks(report):
    assert {c.code for c in report.blocking} == {"C_A_SANS_EQUIVALENT", "P3_MANQUANT"}

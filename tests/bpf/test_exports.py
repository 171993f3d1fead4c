"""Exports carry exactly the cell keys of docs/bpf.md ("Cell keys of the *17 edition")."""

import csv
import io
import json
from datetime import date
from decimal import Decimal

import pytest

from formarche.bpf.engine import compute_bpf
from formarche.bpf.exports import from_json, to_csv_rows, to_json
from formarche.bpf.inputs import CLine
from tests.bpf.builders import D, accounts, action, day, enrolment, inputs


def bpf_md_keys_17() -> list[str]:
    """Written out from the domain document, independently of the code."""
    keys = ["B.from", "B.to", "B.distance"]
    keys += ["C.1"] + [f"C.{x}" for x in "abcdefgh"] + ["C.2"] + [f"C.{i}" for i in range(3, 12)]
    keys += ["C.total", "C.pct", "D.total", "D.salaries", "D.purchases", "E.1.n", "E.1.h", "E.2.n", "E.2.h"]
    for line in ["a", "b", "c", "d", "e", "total"]:
        keys += [f"F1.{line}.n", f"F1.{line}.h"]
    keys += ["F2.n", "F2.h"]
    for line in ["a", "a6_8", "a5", "a4", "a3", "a2", "acqp", "b", "c", "d", "e", "f", "total"]:
        keys += [f"F3.{line}.n", f"F3.{line}.h"]
    for i in range(1, 6):
        keys += [f"F4.{i}.code", f"F4.{i}.n", f"F4.{i}.h"]
    keys += ["F4.other.n", "F4.other.h", "F4.total.n", "F4.total.h", "G.n", "G.h"]
    return keys


@pytest.fixture
def report():
    data = inputs(
        actions=[action(1, c_line=CLine.EMPLOYER, hourly_rate=D("20.50"))],
        enrolments=[enrolment(i, 1) for i in range(3)],
        attendance=[day(i, date(2024, 3, 1), "6.25") for i in range(3)],
        accounts=accounts(),
    )
    return compute_bpf(None, data)


def test_json_has_exactly_the_documented_keys(report):
    exported = to_json(report)
    assert list(exported["cells"]) == bpf_md_keys_17()
    assert set(exported) == {"edition", "organisation", "fiscal_year", "cells", "checks"}
    assert exported["edition"] == "10443*17"
    assert exported["fiscal_year"] == {"from": "2024-01-01", "to": "2024-12-31"}


def test_json_values(report):
    cells = to_json(report)["cells"]
    assert cells["F1.total.h"] == "18.75"  # exact hours, two places, no float
    assert cells["C.1"] == 384  # 18,75 × 20,50 = 384,375 → 384
    assert cells["B.distance"] is False
    assert cells["F4.2.code"] is None
    json.dumps(to_json(report))  # serialisable as is


def test_json_checks_levels():
    report = compute_bpf(None, inputs(accounts=accounts()))  # no activity but charges
    exported = to_json(report)["checks"]
    assert {"code": "NEANT_AVEC_CHARGES", "level": "error"} == {
        k: v for k, v in exported[0].items() if k != "message"
    }
    assert from_json(to_json(report)).checks[0].level.value == "bloquant"


def test_from_json_refuses_other_keys(report):
    exported = to_json(report)
    exported["cells"]["F1.distance.n"] = 0
    with pytest.raises(ValueError, match="en trop"):
        from_json(exported)


def test_round_trip_keeps_decimal_hours(report):
    loaded = from_json(json.loads(json.dumps(to_json(report))))
    assert loaded["F1.total.h"] == Decimal("18.75")
    assert loaded["B.to"] == date(2024, 12, 31)


def test_csv_rows(report):
    rows = to_csv_rows(report)
    assert rows[0] == ["cle", "cadre", "libelle", "valeur"]
    assert [r[0] for r in rows[1:]] == bpf_md_keys_17()
    by_key = {r[0]: r for r in rows[1:]}
    assert by_key["F1.total.h"][3] == "18,75"
    assert by_key["B.distance"][3] == "non"
    assert by_key["C.6"][2] == "Conseils régionaux"
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=";").writerows(rows)
    assert "F1.total.h;F-1;" in buffer.getvalue()


def test_2016_keys_differ_only_by_distance(report):
    data = inputs(accounts=accounts(charges="0", salaries="0", purchases="0"))
    keys16 = list(to_json(compute_bpf("10443*16", data))["cells"])
    expected = [k for k in bpf_md_keys_17() if k != "B.distance"]
    expected.insert(expected.index("F1.total.h") + 1, "F1.distance.n")
    assert keys16 == expected

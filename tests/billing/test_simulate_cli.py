"""``formarche statement simulate``: the JSON contract, the table, and French errors on bad input."""

import copy
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from formarche.billing import simulate

NNBSP = "\u202f"
SEED_INPUT = {
    "order": {
        "amount": "57820.00",
        "unit_price": "11.80",
        "duration_months": 18,
        "advance_rate": "0.30",
        "cap_rate": "0.80",
        "vat_rate": "0.00",
    },
    "periods": [
        {"period": "2023-03", "realised_hours": "1662.00", "counted_unrealised_hours": "0.00"},
        {"period": "2023-04", "realised_hours": "3000.00", "counted_unrealised_hours": "0.00", "final": True},
    ],
}
CONTRACT_KEYS = (
    "period kind period_hours cumulative_hours realisation_rate billable billable_rate cap_regulation "
    "cap_regulation_rate advance advance_due advance_due_rate advance_already_resorbed "
    "advance_already_resorbed_rate advance_repayment advance_repayment_rate repayment_carried_in total_ht vat "
    "total_ttc already_paid repayment_carried_out"
).split()


def run(argv, stdin_text=""):
    stdout, stderr = io.StringIO(), io.StringIO()
    status = simulate.main(argv, stdin=io.StringIO(stdin_text), stdout=stdout, stderr=stderr)
    return status, stdout.getvalue(), stderr.getvalue()


def run_json(document, *extra):
    return run(["--input", "-", *extra], json.dumps(document))


def test_seed_example_from_stdin():
    status, out, err = run_json(SEED_INPUT)
    assert (status, err) == (0, "")
    statements = json.loads(out)["statements"]
    assert [s["kind"] for s in statements] == ["CRE", "CRE final"]
    last = statements[-1]
    assert set(CONTRACT_KEYS) <= set(last)
    assert {key: last[key] for key in CONTRACT_KEYS} == {
        "period": "2023-04",
        "kind": "CRE final",
        "period_hours": "3000.00",
        "cumulative_hours": "4662.00",
        "realisation_rate": "95.14",
        "billable": "35400.00",
        "billable_rate": "61.22",
        "cap_regulation": "-8755.60",
        "cap_regulation_rate": "15.14",
        "advance": "11564.00",
        "advance_due": "11564.00",
        "advance_due_rate": "30.00",
        "advance_already_resorbed": "5365.07",
        "advance_already_resorbed_rate": "13.92",
        "advance_repayment": "-6198.93",
        "advance_repayment_rate": "16.08",
        "repayment_carried_in": "0.00",
        "total_ht": "20445.47",
        "vat": "0.00",
        "total_ttc": "20445.47",
        "already_paid": "25810.53",
        "repayment_carried_out": "0.00",
    }
    # the solde pays what the 80 % cap withheld from the instalments
    assert json.loads(out)["solde"]["balance_ht"] == "8755.60"


def test_input_file_and_json_numbers(tmp_path):
    document = copy.deepcopy(SEED_INPUT)
    document["order"]["amount"] = 57820.00  # a JSON number is read as an exact decimal
    path = tmp_path / "commande.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    status, out, _ = run(["--input", str(path)])
    assert status == 0
    assert json.loads(out)["statements"][-1]["total_ht"] == "20445.47"
    status, out, _ = run([f"--input={path}", "--format=json"])
    assert status == 0


def test_no_solde_without_a_final_period():
    document = copy.deepcopy(SEED_INPUT)
    del document["periods"][1]["final"]
    status, out, _ = run_json(document)
    assert status == 0 and "solde" not in json.loads(out)


def test_table_format_looks_like_the_seed():
    status, out, err = run_json(SEED_INPUT, "--format", "table")
    assert (status, err) == (0, "")
    for text in (
        "CRE final — Avril 2023",
        "Récapitulatif des volumes des réalisations",
        "Heure stag fact",
        "4 662,00",
        "95,14 %",
        "Montant facturable au regard des données contractuelles",
        "35 400,00",
        "Régulation pour plafonnement",
        "-8 755,60",
        "Remboursement avance au regard du pourcentage de réalisation",
        "Montant de l'avance déjà résorbé",
        "-6 198,93",
        "Total à verser €HT",
        "20 445,47",
        "TVA 0,00 %",
        "Total déjà versé : 25 810,53 €",
        "Plafonnement à hauteur de : 46 256,00 €",
        "CRE — Mars 2023",
    ):
        assert text in out.replace(NNBSP, " "), text
    assert f"35{NNBSP}400,00" in out and f"95,14{NNBSP}%" in out


def test_groups_bands_dispositif_and_vat():
    document = {
        "order": {
            "amount": "10000.00",
            "unit_price": "10.00",
            "duration_months": 12,
            "advance_rate": "0.30",
            "vat_rate": "0.20",
            "dispositif": "competences_plus",
            "resorption_bands": [
                {"from_percent": "0", "to_percent": "50", "fraction": "1/2"},
                {"from_percent": "50", "to_percent": "100", "fraction": "1"},
            ],
        },
        "periods": [
            {
                "period": "2024-01",
                "realised_hours": "200.00",
                "counted_unrealised_hours": "50.00",
                "providers": {"IN1331": "150.00", "IN2042": "100.00"},
            }
        ],
    }
    status, out, err = run_json(document)
    assert (status, err) == (0, "")
    (statement,) = json.loads(out)["statements"]
    # 250 h = 25 %: f = 1/4 of 3 000 → 750; HT 2 500 − 750 = 1 750; TVA 350; cap 80 % from the preset
    assert (statement["advance_due"], statement["total_ht"], statement["vat"], statement["total_ttc"]) == (
        "750.00",
        "1750.00",
        "350.00",
        "2100.00",
    )
    assert statement["cap_amount"] == "8000.00"
    assert [(p["provider"], p["ht"], p["payable_ht"]) for p in statement["providers"]] == [
        ("IN1331", "1500.00", "1050.00"),
        ("IN2042", "1000.00", "700.00"),
    ]
    status, out, _ = run_json(document, "--format", "table")
    assert status == 0 and "IN2042" in out


def test_no_cap_with_null():
    document = copy.deepcopy(SEED_INPUT)
    document["order"]["cap_rate"] = None
    status, out, _ = run_json(document)
    last = json.loads(out)["statements"][-1]
    assert (status, last["cap_regulation"], last["cap_amount"]) == (0, "0.00", "57820.00")


def _with(path, value):
    document = copy.deepcopy(SEED_INPUT)
    target = document
    for key in path[:-1]:
        target = target[key]
    if value is KeyError:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return json.dumps(document)


BAD_INPUTS = [
    ("not json", "{order:", "JSON invalide"),
    ("empty", "", "JSON invalide"),
    ("a list", "[]", "entrée"),
    ("NaN", '{"order": {"amount": NaN}}', "NaN"),
    ("missing amount", _with(["order", "amount"], KeyError), "order.amount : champ obligatoire manquant"),
    ("missing order", _with(["order"], KeyError), "entrée.order : champ obligatoire manquant"),
    ("missing cap", _with(["order", "cap_rate"], KeyError), "order.cap_rate"),
    ("missing hours", _with(["periods", 0, "realised_hours"], KeyError), "periods[0].realised_hours"),
    (
        "negative hours",
        _with(["periods", 1, "realised_hours"], "-3.00"),
        "periods[1].realised_hours : ne peut pas",
    ),
    ("negative amount", _with(["order", "amount"], "-1.00"), "order.amount : ne peut pas être négatif"),
    ("unit price 0", _with(["order", "unit_price"], "0"), "order.unit_price : le prix unitaire doit être"),
    ("decimal comma", _with(["order", "unit_price"], "11,80"), "order.unit_price : « 11,80 »"),
    ("too many places", _with(["order", "amount"], "1.001"), "order.amount : au plus 2"),
    ("advance > 1", _with(["order", "advance_rate"], "30"), "order.advance_rate"),
    ("cap 0", _with(["order", "cap_rate"], "0"), "order.cap_rate"),
    ("duration", _with(["order", "duration_months"], "dix-huit"), "order.duration_months"),
    ("unknown field", _with(["order", "amout"], "1"), "order.amout : champ inconnu"),
    ("bad month", _with(["periods", 0, "period"], "2023-13"), "periods[0].period"),
    (
        "twice",
        _with(["periods", 1, "period"], "2023-03"),
        "periods[1].period : la période 2023-03 est listée deux",
    ),
    ("order", _with(["periods", 1, "period"], "2023-01"), "ordre chronologique"),
    ("final not last", _with(["periods", 0, "final"], True), "periods[0].final"),
    ("final not bool", _with(["periods", 1, "final"], "oui"), "periods[1].final"),
    ("no periods", _with(["periods"], []), "periods : une liste non vide"),
    (
        "providers",
        _with(["periods", 1, "providers"], {"IN1331": "2999.00"}),
        "periods[1].providers : la somme",
    ),
    (
        "band",
        _with(["order", "resorption_bands"], [{"from_percent": "20", "to_percent": "10", "fraction": "1"}]),
        "order.resorption_bands[0]",
    ),
    ("dispositif", _with(["order", "dispositif"], "inconnu"), "order.dispositif : dispositif inconnu"),
    ("float hours as bool", _with(["periods", 0, "realised_hours"], True), "periods[0].realised_hours"),
    ("huge amount", _with(["order", "amount"], "100000000000000.00"), "order.amount : le montant"),
    (
        "huge hours",
        _with(["periods", 0, "realised_hours"], "99999999999.00"),
        "periods[0].realised_hours : nombre",
    ),
    ("deep", "[" * 100000 + "]" * 100000, "entrée"),
]


@pytest.mark.parametrize(("label", "text", "expected"), BAD_INPUTS, ids=[case[0] for case in BAD_INPUTS])
def test_bad_input_exit_2_one_french_line(label, text, expected):
    status, out, err = run(["--input", "-"], text)
    assert status == 2
    assert out == ""
    assert err.count("\n") == 1 and err.startswith("erreur : ")
    assert "Traceback" not in err
    assert expected in err


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        ([], "--input est obligatoire"),
        (["--input"], "attend une valeur"),
        (["--input", "-", "--format", "xml"], "--format"),
        (["--verbose"], "argument inconnu"),
        (["--input", "/nonexistent/commande.json"], "--input : fichier introuvable"),
    ],
)
def test_bad_arguments(argv, expected):
    status, out, err = run(argv)
    assert status == 2 and expected in err and err.count("\n") == 1


def test_directory_as_input(tmp_path):
    status, _, err = run(["--input", str(tmp_path)])
    assert status == 2 and "dossier" in err


def test_help():
    status, out, _ = run(["--help"])
    assert status == 0 and "formarche statement simulate" in out


def test_python_dash_m(tmp_path):
    path = tmp_path / "seed.json"
    path.write_text(json.dumps(SEED_INPUT), encoding="utf-8")
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run(
        [sys.executable, "-m", "formarche.billing.simulate", "--input", str(path)],
        capture_output=True,
        text=True,
        cwd=root,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["statements"][-1]["total_ttc"] == "20445.47"
    done = subprocess.run(
        [sys.executable, "-m", "formarche.billing.simulate", "--input", "-"],
        input="pas du json",
        capture_output=True,
        text=True,
        cwd=root,
        check=False,
    )
    assert done.returncode == 2 and done.stderr.startswith("erreur : entrée : JSON invalide")
    assert "Traceback" not in done.stderr

"""`formarche bpf`: formats, output file, exit codes and one French line on stderr."""

import json

import pytest

import tests.bpf.needs_django  # noqa: F401  (first: skips without Django)
from formarche.bpf.cerfa import get_edition
from formarche.bpf.cli import main
from tests.bpf import django_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def code():
    return django_world.build()["of"].provider_code


def test_json_to_stdout(code, capsysbinary):
    assert main(["--organisation", code, "--year", "2023", "--format", "json"]) == 0
    data = json.loads(capsysbinary.readouterr().out)
    assert list(data["cells"]) == list(get_edition("10443*17").keys)
    assert data["cells"]["C.total"] == 800


def test_csv_and_pdf_to_files(code, tmp_path):
    out = tmp_path / "bpf.csv"
    assert main(["--organisation", code, "--year", "2023", "--format", "csv", "--output", str(out)]) == 0
    assert out.read_text(encoding="utf-8-sig").startswith("cle;cadre;libelle;valeur")
    pdf = tmp_path / "bpf.pdf"
    assert main(["--organisation", code, "--year", "2023", "--format", "pdf", "--output", str(pdf)]) == 0
    assert pdf.read_bytes().startswith(b"%PDF")


def test_calendar_year_when_no_fiscal_year_is_recorded(code, capsysbinary):
    assert main(["--organisation", code, "--year", "2024", "--format", "json"]) == 0
    captured = capsysbinary.readouterr()
    assert "exercice civil 2024" in captured.err.decode()
    assert json.loads(captured.out)["cells"]["G.h"] == "10.00"


@pytest.mark.parametrize(
    "argv, message",
    [
        ([], "usage : formarche bpf"),
        (["--organisation", "X", "--year", "2023"], "usage : formarche bpf"),
        (["--organisation", "{code}", "--year", "23", "--format", "json"], "Année invalide"),
        (["--organisation", "{code}", "--year", "2023", "--format", "xml"], "Format inconnu"),
        (["--organisation", "{code}", "--year", "2023", "--format", "pdf"], "--output"),
        (["--organisation", "INCONNU", "--year", "2023", "--format", "json"], "Organisme inconnu"),
        (["--organisation", "{code}", "--year", "2017", "--format", "json"], "Aucune édition du BPF"),
    ],
)
def test_bad_arguments_exit_2_with_one_french_line(code, capsys, argv, message):
    argv = [a.replace("{code}", code) for a in argv]
    status = main(argv)
    err = capsys.readouterr().err
    assert status in {1, 2} and (status == 2 or "Aucune édition" in err)
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) >= 1 and message in lines[-1]
    if "Aucune édition" not in message:
        assert len(lines) == 1

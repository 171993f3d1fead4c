"""Interchange format: export then import into an empty database gives the same BPF; bad files are
refused whole with their JSON paths; the exported document satisfies docs/interchange.schema.json."""

import copy
import datetime as dt
import hashlib
import json
from pathlib import Path

import pytest

from formarche.bpf.exports import to_json
from formarche.bpf.models import FiscalYear
from formarche.bpf.selectors import bpf_compute
from formarche.interchange.cli import cli_export, cli_import
from formarche.interchange.exporter import export_document
from formarche.interchange.importer import import_document, load_json
from formarche.interchange.validation import InterchangeError
from tests.bpf import django_world

pytestmark = pytest.mark.django_db
SCHEMA = Path(__file__).resolve().parents[2] / "docs" / "interchange.schema.json"


def _wipe():
    """Empty every table the format covers (an empty database for the import)."""
    from formarche.attendance.models import Attendance
    from formarche.billing.models import Invoice as InvoiceModel
    from formarche.billing.models import InvoiceCounter, Payment, Period, Statement
    from formarche.bpf.models import (
        AccountLine,
        OtherProduct,
        Subcontracting,
        Trainer,
        TrainerHours,
        TrainerStatusPeriod,
    )
    from formarche.imports.models import ImportJob
    from formarche.orders.models import Dispositif, Lot, Market, Order
    from formarche.organisations.models import Organisation
    from formarche.trainees.models import Enrolment, Trainee

    for model in (
        ImportJob,
        Payment,
        InvoiceModel,
        Statement,
        Period,
        InvoiceCounter,
        Attendance,
        Enrolment,
        Trainee,
        TrainerHours,
        TrainerStatusPeriod,
        Trainer,
        AccountLine,
        FiscalYear,
        OtherProduct,
        Subcontracting,
        Order,
        Lot,
        Market,
        Dispositif,
    ):
        model.objects.all().delete()
    Organisation.objects.all().delete()


def _cells(fy):
    data = to_json(bpf_compute(fiscal_year=fy).report)
    return data["cells"], data["organisation"]


def _roundtrip_doc():
    world = django_world.build()
    before = _cells(world["fy"])
    doc = export_document(organisation=world["of"], start=dt.date(2022, 1, 1), end=dt.date(2024, 12, 31))
    return world, before, json.loads(json.dumps(doc))


def test_export_then_import_into_an_empty_database_gives_the_same_bpf():
    world, before, doc = _roundtrip_doc()
    _wipe()
    counts = import_document(load_json(json.dumps(doc).encode()))
    assert counts["attendance"] == 9 and counts["enrolments"] == 5
    fy = FiscalYear.objects.get(end=dt.date(2023, 12, 31))
    assert _cells(fy) == before


def test_export_matches_the_json_schema():
    jsonschema = pytest.importorskip("jsonschema")
    _, _, doc = _roundtrip_doc()
    schema = json.loads(SCHEMA.read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.validate(doc, schema)


def test_a_bad_file_is_refused_whole_with_paths():
    _, _, doc = _roundtrip_doc()
    _wipe()
    bad = copy.deepcopy(doc)
    bad["attendance"][3]["realised"] = "sept"
    bad["attendance"][4]["enrolment"] = "E-inconnue"
    bad["enrolments"][0]["payer"] = "c99"
    bad["trainees"][1]["birth_date"] = "31/02/1990"
    with pytest.raises(InterchangeError) as exc:
        import_document(bad)
    paths = {path for path, _ in exc.value.errors}
    assert {
        "/attendance/3/realised",
        "/attendance/4/enrolment",
        "/enrolments/0/payer",
        "/trainees/1/birth_date",
    } <= paths
    assert all(message and message[0].islower() or message[0] == "«" for _, message in exc.value.errors)
    from formarche.organisations.models import Organisation

    assert not Organisation.objects.exists()  # nothing written


def test_envelope_and_json_errors():
    with pytest.raises(InterchangeError) as exc:
        load_json(b"{not json")
    assert "JSON invalide ligne 1" in str(exc.value)
    with pytest.raises(InterchangeError) as exc:
        import_document({"format": "autre", "version": 9})
    paths = [p for p, _ in exc.value.errors]
    assert "/format" in paths and "/version" in paths and "/organisation" in paths


def test_cli_round_trip_and_exit_codes(tmp_path, capsys):
    world, before, _ = _roundtrip_doc()
    code = world["of"].provider_code
    out = tmp_path / "export.json"
    assert (
        cli_export(
            ["--organisation", code, "--from", "2022-01-01", "--to", "2024-12-31", "--output", str(out)]
        )
        == 0
    )
    assert cli_export(["--organisation", code, "--from", "2022-13-01", "--to", "2024-12-31"]) == 2
    assert cli_export(["--organisation", "INCONNU", "--from", "2022-01-01", "--to", "2024-12-31"]) == 2
    assert cli_export(["--organisation", code]) == 2
    _wipe()
    assert cli_import([str(tmp_path / "absent.json")]) == 2
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "formarche-interchange", "version": 1}')
    assert cli_import([str(bad)]) == 2
    err = capsys.readouterr().err
    assert "/organisation : objet obligatoire." in err
    assert cli_import([str(out)]) == 0
    assert _cells(FiscalYear.objects.get(end=dt.date(2023, 12, 31))) == before
    # the import is one job of the organisation: its imports list and its Journal show it
    from formarche.imports.models import ImportJob, ImportKind

    job = ImportJob.objects.get()
    assert (job.kind, job.status, job.file_name) == (ImportKind.INTERCHANGE, "terminee", "export.json")
    assert job.file_hash == hashlib.sha256(out.read_bytes()).hexdigest()
    assert job.organisation.provider_code == code and job.report["interchange"]["attendance"] == 9
    assert "9 ligne(s) d'heures" in job.report["summary"]
    # importing the same file again is refused (order numbers exist), nothing written
    assert cli_import([str(out)]) == 2
    assert "existe déjà" in capsys.readouterr().err


def test_hours_outside_the_enrolment_or_the_action_are_refused_by_the_same_date_rule():
    """Issue #17: the interchange obeys the hour pages' rule (attendance.rules.hour_date_refusal)."""
    _, _, doc = _roundtrip_doc()
    _wipe()
    bad = copy.deepcopy(doc)
    first = bad["attendance"][0]
    entry = next(e for e in bad["enrolments"] if e["ref"] == first["enrolment"])["entry_date"]
    bad["attendance"][0] = dict(first, day="2031-03-14", kind="jour")
    before_entry = (dt.date.fromisoformat(entry) - dt.timedelta(days=1)).isoformat()
    bad["attendance"][1] = dict(
        bad["attendance"][1], enrolment=first["enrolment"], day=before_entry, kind="jour"
    )
    with pytest.raises(InterchangeError) as exc:
        import_document(bad)
    errors = dict(exc.value.errors)
    assert errors["/attendance/0/day"].startswith("le 14/03/2031 est après")
    assert "est avant l'entrée en formation" in errors["/attendance/1/day"]
    from formarche.organisations.models import Organisation

    assert not Organisation.objects.exists()  # nothing written

"""Import an interchange document through the ingest pipeline (:mod:`formarche.imports.pipeline`):
everything is checked first (errors with JSON paths, in French), then written in one transaction
by the pipeline's bulk writer. A refused document writes nothing.

- parse (:mod:`.parse_orders`, :mod:`.parse_people`, :mod:`.parse_accounts`): every section read
  through the checker's typed getters, each value checked as it is read, in document order (the
  hour rows' checks are in :func:`.parse_people.parse_attendance`);
- check (:mod:`.parse_invoices`): the invoices, against the billing history of the document and
  the periods and invoices already in formarche;
- write (:mod:`.writer`).

Rows created by bulk insertion have no django-simple-history record (the import itself is the
trace); later edits through the application are audited as usual.
"""

from __future__ import annotations

import json
from decimal import Decimal

from django.db import connection
from django.utils import timezone

from formarche.imports import pipeline
from formarche.imports.models import ImportJob, ImportKind, ImportStatus
from formarche.interchange.parse_accounts import parse_fiscal_years, parse_products
from formarche.interchange.parse_invoices import parse_invoices
from formarche.interchange.parse_orders import parse_orders, parse_organisation, parse_regions
from formarche.interchange.parse_people import (
    parse_attendance,
    parse_enrolments,
    parse_trainees,
    parse_trainers,
)
from formarche.interchange.validation import Checker, InterchangeError, _Stop, check_envelope
from formarche.interchange.writer import write_document
from formarche.organisations.models import Organisation, OrganisationKind


def load_json(raw: bytes):
    try:
        return json.loads(raw, parse_float=Decimal)
    except UnicodeDecodeError as exc:
        raise InterchangeError([("", "le fichier n'est pas en UTF-8.")]) from exc
    except json.JSONDecodeError as exc:
        raise InterchangeError(
            [("", f"JSON invalide ligne {exc.lineno}, colonne {exc.colno} : {exc.msg}.")]
        ) from exc


def import_document(doc, *, file_name: str = "", file_hash: str = "", user=None) -> dict:
    """Check then write; returns counts per section. Raises InterchangeError (nothing written).

    The import is recorded, in the same transaction, as one import job of the organisation (kind
    « Import d'échange »: who, when, the file's name and SHA-256, the counts): the bulk writer
    keeps no per-row history, so the job is the Journal's entry for every row it brought in."""
    checker = Checker()

    def parse(source) -> dict | None:
        try:
            check_envelope(source, checker)
            return _parse(source, checker)
        except _Stop:
            return None

    def check(parsed: dict | None) -> None:
        if parsed is None or "orders" not in parsed:
            return
        try:
            parsed["invoices"] = parse_invoices(doc, checker, parsed["orders"], parsed["existing_org"])
        except _Stop:
            pass

    def write(parsed: dict) -> dict:
        if connection.vendor == "sqlite":
            _large_page_cache()
        counts = write_document(parsed)
        _record_job(parsed, counts, file_name=file_name, file_hash=file_hash, user=user)
        return counts

    counts = pipeline.run(doc, parse=parse, check=check, write=write, errors=checker)
    if checker:
        raise InterchangeError(checker.errors)
    return counts


def _record_job(parsed: dict, counts: dict, *, file_name: str, file_hash: str, user) -> ImportJob:
    """The import job that stands for this document in the organisation's imports and Journal."""
    org = parsed["existing_org"] or Organisation.objects.get(
        provider_code=counts["organisation"], kind=OrganisationKind.OF
    )
    rows = sum(v for v in counts.values() if isinstance(v, int))
    now = timezone.now()
    summary = (
        f"Import d'échange : {counts.get('orders', 0)} action(s), {counts.get('trainees', 0)} stagiaire(s), "
        f"{counts.get('attendance', 0)} ligne(s) d'heures, {counts.get('invoices', 0)} facture(s)."
    )
    return ImportJob.objects.create(
        organisation=org,
        kind=ImportKind.INTERCHANGE,
        file_name=(file_name or "document.json")[-200:],
        file_hash=file_hash,
        status=ImportStatus.DONE,
        total_rows=rows,
        processed_rows=rows,
        report={"errors": [], "error_count": 0, "warnings": [], "summary": summary, "interchange": counts},
        created_by=user,
        started_at=now,
        finished_at=now,
    )


def _large_page_cache() -> None:
    # a large page cache: the attendance indexes of a big import do not fit in SQLite's default
    # 2 MB, and evicting pages turns the bulk insertion into random disk writes
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size = -262144")  # 256 MB, this connection only


def _parse(doc, c: Checker) -> dict:
    """The parse stage: every section but the invoices (checked after, against all the rest)."""
    out: dict = {}
    if not parse_organisation(doc, c, out):
        return out
    existing_org = out["existing_org"]
    out["regions"] = parse_regions(doc, c)
    out["orders"] = orders = parse_orders(doc, c, out["regions"])
    out["trainees"] = trainees = parse_trainees(doc, c, existing_org)
    out["enrolments"] = enrolments = parse_enrolments(doc, c, trainees, orders)
    out["attendance"] = parse_attendance(doc, c, enrolments, orders)
    out["trainers"] = parse_trainers(doc, c, orders)
    out["fiscal_years"] = parse_fiscal_years(doc, c, existing_org)
    out["products"] = parse_products(doc, c, orders)
    return out

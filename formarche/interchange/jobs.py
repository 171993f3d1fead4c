"""The interchange's background jobs (``formarche.jobs`` registry): the export of the tenant's
own organisation and the import of a document into it, started from « Gestion organisme ».

- **Export** (``echange_export``): ``exporter.export_document`` of the job's organisation (the
  requester's own: an organisation exports only itself) over the chosen period; the result is the
  JSON document (``docs/interchange.md``).
- **Import** (``echange_import``): the uploaded file, read from the storage, then the importer's
  pipeline — all or nothing. Refused (nothing written, the reasons in French, one per line with
  its JSON path) when the document is another organisation's, when this very file was already
  imported, or on any of the importer's refusals (an action, a trainee, an invoice already there:
  an import only adds to the organisation). The result is the French report of what was imported.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from datetime import date

from django.core.files.storage import default_storage

from formarche.imports.models import ImportJob, ImportKind, ImportStatus
from formarche.interchange.exporter import export_document
from formarche.interchange.importer import import_document, load_json
from formarche.interchange.selectors import EXPORT_KIND, IMPORT_KIND
from formarche.interchange.validation import InterchangeError
from formarche.jobs.registry import JobKind, JobRefused
from formarche.utils.formatting import format_date
from formarche.utils.storage import file_delete

MAX_REPORTED = 200

REPORT_LINES = [
    ("orders", "action(s) de formation"),
    ("trainees", "stagiaire(s)"),
    ("enrolments", "inscription(s)"),
    ("attendance", "ligne(s) d'heures"),
    ("trainers", "formateur(s)"),
    ("fiscal_years", "exercice(s) du BPF"),
    ("other_products", "autre(s) produit(s)"),
    ("periods", "période(s) validée(s)"),
    ("invoices", "facture(s)"),
    ("soldes", "solde(s)"),
]


def _never_on_the_jobs_page(tenant) -> bool:
    return False  # started from « Gestion organisme » (interchange/views.py), not from /travaux/


def export_kind() -> JobKind:
    return JobKind(
        kind=EXPORT_KIND,
        label="Export d'échange de l'organisme (JSON)",
        run=export_run,
        available=_never_on_the_jobs_page,
        param="period",
        title=lambda p: (
            f"Export d'échange du {format_date(date.fromisoformat(p['start']))} "
            f"au {format_date(date.fromisoformat(p['end']))}"
        ),
    )


def import_kind() -> JobKind:
    return JobKind(
        kind=IMPORT_KIND,
        label="Import d'échange dans l'organisme (JSON)",
        run=import_run,
        available=_never_on_the_jobs_page,
        param="file",
        title=lambda p: f"Import d'échange de « {p['file_name']} »",
    )


def export_run(job, progress):
    import json

    org = job.organisation
    start, end = date.fromisoformat(job.params["start"]), date.fromisoformat(job.params["end"])
    progress(0, 2, "Lecture des données de l'organisme")
    doc = export_document(organisation=org, start=start, end=end)
    progress(1, 2, "Écriture du document")
    content = json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    code = org.provider_code or str(org.pk)
    return f"echange-{code}-{start.isoformat()}-{end.isoformat()}.json", content


def _refuse(lines: list[str]) -> JobRefused:
    shown = lines[:MAX_REPORTED]
    if len(lines) > MAX_REPORTED:
        shown.append(f"… et {len(lines) - MAX_REPORTED} autre(s) erreur(s).")
    return JobRefused("\n".join(["Fichier refusé, rien n'a été importé :", *shown]))


def _check_identity(doc, org) -> None:
    """An organisation imports only its own document: the code of ``/organisation`` is its own."""
    code = (doc.get("organisation") or {}).get("code") if isinstance(doc, dict) else None
    if not org.provider_code:
        raise _refuse(
            [
                "/organisation/code : votre organisme n'a pas de code prestataire ; faites-le renseigner "
                "avant d'importer (le document désigne l'organisme par ce code)."
            ]
        )
    if code != org.provider_code:
        raise _refuse(
            [
                f"/organisation/code : ce document est celui de l'organisme « {code or '—'} », pas le vôtre "
                f"(« {org.provider_code} ») : un organisme n'importe que ses propres données."
            ]
        )


def _check_not_imported(org, digest: str) -> None:
    previous = (
        ImportJob.objects.filter(
            organisation=org, kind=ImportKind.INTERCHANGE, file_hash=digest, status=ImportStatus.DONE
        )
        .order_by("-created_at")
        .first()
    )
    if previous is not None:
        raise _refuse([f"/ : ce fichier a déjà été importé le {format_date(previous.created_at.date())}."])


def report_lines(counts: dict) -> list[str]:
    counts = defaultdict(int, counts)
    lines = ["Import terminé : tout le document a été importé (tout ou rien)."]
    lines += [f"{counts[key]} {label}" for key, label in REPORT_LINES]
    return lines


def import_run(job, progress):
    org = job.organisation
    path = job.params["path"]
    progress(0, 3, "Lecture du fichier")
    with default_storage.open(path, "rb") as handle:
        raw = handle.read()
    try:
        try:
            doc = load_json(raw)
        except InterchangeError as exc:
            raise _refuse(exc.messages()) from exc
        _check_identity(doc, org)
        digest = hashlib.sha256(raw).hexdigest()
        _check_not_imported(org, digest)
        progress(1, 3, "Contrôle et écriture (tout ou rien)")
        try:
            counts = import_document(
                doc, file_name=job.params["file_name"], file_hash=digest, user=job.created_by
            )
        except InterchangeError as exc:
            raise _refuse(exc.messages()) from exc
    except JobRefused:
        file_delete(default_storage, path)  # refused: the upload is no longer needed
        raise
    file_delete(default_storage, path)
    progress(2, 3, "Compte rendu")
    return f"compte-rendu-import-{org.provider_code}.txt", "\n".join(report_lines(counts)).encode("utf-8")

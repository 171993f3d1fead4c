"""The BPF exports of one fiscal year: one function, :func:`export_file`, serves the export page
(``bpf.views.export``, one format) and the export job « Exports du BPF (ZIP) » (the four formats
at once, in the background — for a large OF the computation takes seconds). Registered in the
jobs registry from ``BpfConfig.ready()``."""

from __future__ import annotations

from formarche.accounts.tenancy import get_scoped_or_404
from formarche.bpf import documents, selectors
from formarche.bpf.services import BpfError
from formarche.jobs.archive import job_tenant, zip_bytes
from formarche.jobs.registry import JobKind, JobRefused

KIND = "bpf_exports"
FORMATS = ("json", "csv", "pdf", "xlsx")
CONTENT_TYPES = {
    "json": "application/json",
    "csv": "text/csv; charset=utf-8",
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def export_stem(fiscal_year) -> str:
    return f"bpf-{fiscal_year.organisation.provider_code or fiscal_year.organisation_id}-{fiscal_year.end:%Y}"


def export_file(tenant, fiscal_year, computed, fmt: str) -> tuple[str, bytes, str]:
    """``(file name, content, content type)`` of one export of a computed BPF (an unknown format
    is the XLSX control workbook)."""
    rep = computed.report
    if fmt == "json":
        body = computed.derive("json_bytes", lambda: documents.json_bytes(rep))
    elif fmt == "csv":
        body = computed.derive("csv_bytes", lambda: documents.csv_bytes(rep))
    elif fmt == "pdf":
        body = computed.derive("pdf_bytes", lambda: documents.pdf_bytes(rep))
    else:
        labels = {
            "action": {a.id: a.title for a in computed.inputs.actions},
            "trainee": selectors.trainee_names(tenant, [e.id for e in computed.inputs.enrolments]),
        }
        body = documents.xlsx_bytes(rep, computed.inputs, labels=labels)
        fmt = "xlsx"
    return f"{export_stem(fiscal_year)}.{fmt}", body, CONTENT_TYPES[fmt]


def run(job, progress) -> tuple[str, bytes]:
    tenant = job_tenant(job)
    fiscal_year = get_scoped_or_404(
        selectors.fiscal_years_with_organisation(), tenant, pk=job.params["fiscal_year"]
    )
    total = len(FORMATS) + 1
    progress(0, total, "Calcul du BPF")
    try:
        computed = selectors.bpf_compute(fiscal_year=fiscal_year)
    except BpfError as exc:
        raise JobRefused(str(exc)) from exc
    files = []
    for done, fmt in enumerate(FORMATS, start=1):
        progress(done, total, f"Export {fmt.upper()}")
        name, body, _ = export_file(tenant, fiscal_year, computed, fmt)
        files.append((name, body))
    return f"{export_stem(fiscal_year)}.zip", zip_bytes(files)


def _choices(tenant) -> list[tuple[int, str]]:
    return [(fy.pk, f"Exercice {fy}") for fy in selectors.fiscal_years_of(tenant)]


def kind() -> JobKind:
    return JobKind(
        kind=KIND,
        label="Exports du BPF d'un exercice (ZIP : JSON, CSV, PDF, XLSX)",
        run=run,
        available=lambda tenant: tenant is not None and tenant.is_of,
        param="fiscal_year",
        choices=_choices,
        title=lambda params: f"Exports du BPF (exercice n° {params['fiscal_year']})",
    )

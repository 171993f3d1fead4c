#!/usr/bin/env python
"""Save what the BPF shows and exports, so that two trees can be compared (issue #16).

    .venv/bin/python scripts/bpf_snapshot.py demo OUTPUT_DIR
    FORMARCHE_BENCH_TAG=x .venv/bin/python scripts/bpf_snapshot.py bench-postgres|bench-sqlite OUTPUT_DIR
    .venv/bin/python scripts/bpf_snapshot.py compare DIR_BEFORE DIR_AFTER

``demo``: a fresh SQLite demo world (as scripts/html_snapshot.py builds it); every fiscal year of
every OF. ``bench-*``: the benchmark database of size ``of`` (benchmarks/run.py), its OF BENCH000.
For each fiscal year, as the OF's user sees it through Django's test client: the computed page
(``report.html``), the drill-down page of every cell (``cells/<key>.html``), the enrolment hours
page of the first enrolments a drill-down lists, and the exports: JSON and CSV byte for byte, the
XLSX as the values of every sheet (one line per row: the file itself holds a timestamp), the PDF
as its extracted text. CSRF tokens and today's date are masked (scripts/html_snapshot.py's rules).

``compare`` prints the files that differ (and the first differing line of each) and exits 1 if
any does, 0 when both snapshots are identical.
"""

from __future__ import annotations

import io
import os
import re
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT))

HOURS_LINK = re.compile(r'href="(/bpf/exercices/\d+/inscriptions/\d+/)"')


def _xlsx_text(body: bytes) -> str:
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(body), read_only=True)
    lines = []
    for ws in book.worksheets:
        lines.append(f"# {ws.title}")
        for row in ws.iter_rows(values_only=True):
            lines.append("\t".join("" if v is None else repr(v) for v in row))
    return "\n".join(lines) + "\n"


def _pdf_text(body: bytes) -> str:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(body))
    return "\n\f\n".join(page.extract_text() or "" for page in reader.pages) + "\n"


def _client(email: str, organisation_id: int):
    from django.apps import apps
    from django.test import Client

    from formarche.accounts.tenancy import SESSION_KEY

    user = apps.get_model("accounts", "User").objects.get(email=email)
    membership = apps.get_model("accounts", "Membership").objects.get(
        user=user, organisation_id=organisation_id
    )
    client = Client(raise_request_exception=False)
    client.force_login(user)
    session = client.session
    session[SESSION_KEY] = membership.pk
    session.save()
    return client


def snapshot_fiscal_year(fy, email: str, out: Path, normalise, *, cells: bool = True) -> int:
    """Write the page, the drill-downs and the exports of one fiscal year; returns the file count."""
    from formarche.bpf.selectors import bpf_compute

    client = _client(email, fy.organisation_id)
    out.mkdir(parents=True, exist_ok=True)
    count = 0

    def get(path: str):
        response = client.get(path, HTTP_HOST="127.0.0.1")
        return response, f"{response.status_code} {path} {response.get('Location', '')}\n"

    base = f"/bpf/exercices/{fy.pk}/"
    response, head = get(base)
    (out / "report.html").write_text(head + normalise(response.content.decode()), encoding="utf-8")
    count += 1
    for name in ("bpf.json", "bpf.csv"):
        response, head = get(base + name)
        (out / name).write_bytes(head.encode() + response.content)
        count += 1
    response, head = get(base + "controle.xlsx")
    body = _xlsx_text(response.content) if response.status_code == 200 else ""
    (out / "controle.xlsx.txt").write_text(head + body, encoding="utf-8")
    response, head = get(base + "bpf.pdf")
    body = _pdf_text(response.content) if response.status_code == 200 else ""
    (out / "bpf.pdf.txt").write_text(head + normalise(body), encoding="utf-8")
    count += 2
    if not cells:
        return count
    try:
        keys = list(bpf_compute(fiscal_year=fy).report.cells)
    except Exception:  # noqa: BLE001 - a year the engine refuses: its page says so, no cell
        keys = []
    hour_pages: list[str] = []
    (out / "cells").mkdir(exist_ok=True)
    for key in keys:
        response, head = get(f"{base}cases/{key}/")
        text = response.content.decode()
        (out / "cells" / f"{key}.html").write_text(head + normalise(text), encoding="utf-8")
        count += 1
        for link in HOURS_LINK.findall(text)[:2]:
            if link not in hour_pages and len(hour_pages) < 10:
                hour_pages.append(link)
    for i, link in enumerate(hour_pages):
        response, head = get(link)
        (out / f"hours-{i}.html").write_text(head + normalise(response.content.decode()), encoding="utf-8")
        count += 1
    return count


def _of_users():
    from django.apps import apps

    membership = apps.get_model("accounts", "Membership")
    users = {}
    for org_id, email in membership.objects.order_by("user__email").values_list(
        "organisation_id", "user__email"
    ):
        users.setdefault(org_id, email)
    return users


def run_demo(out: Path) -> int:
    from html_snapshot import _setup, normaliser

    with tempfile.TemporaryDirectory(prefix="formarche-bpf-snapshot-") as var_dir:
        _setup(Path(var_dir))
        from django.apps import apps

        normalise = normaliser()
        users = _of_users()
        total = 0
        for fy in apps.get_model("bpf", "FiscalYear").objects.select_related("organisation").order_by("pk"):
            email = users.get(fy.organisation_id)
            if email is None:
                continue
            name = f"{fy.organisation.provider_code or fy.organisation_id}-{fy.end:%Y%m%d}"
            total += snapshot_fiscal_year(fy, email, out / name, normalise)
    return total


def run_bench(db: str, out: Path) -> int:
    import logging

    from common import prepare_database
    from dataset import of_code

    prepare_database(db, "of", fresh=False)
    logging.disable(logging.CRITICAL)
    from django.apps import apps
    from html_snapshot import normaliser

    normalise = normaliser()
    users = _of_users()
    total = 0
    for fy in (
        apps.get_model("bpf", "FiscalYear")
        .objects.select_related("organisation")
        .filter(organisation__provider_code=of_code(0))
        .order_by("pk")
    ):
        total += snapshot_fiscal_year(
            fy, users[fy.organisation_id], out / f"{of_code(0)}-{fy.end:%Y%m%d}", normalise
        )
    return total


def compare(before: Path, after: Path) -> int:
    names = {p.relative_to(before) for p in before.rglob("*") if p.is_file()}
    names |= {p.relative_to(after) for p in after.rglob("*") if p.is_file()}
    differ = 0
    for name in sorted(names):
        a, b = before / name, after / name
        if not a.exists() or not b.exists():
            print(f"absent d'un côté : {name}")
            differ += 1
            continue
        if a.read_bytes() != b.read_bytes():
            differ += 1
            la, lb = a.read_text(errors="replace").splitlines(), b.read_text(errors="replace").splitlines()
            line = next(
                (i for i, (x, y) in enumerate(zip(la, lb, strict=False)) if x != y), min(len(la), len(lb))
            )
            print(f"différent : {name} (ligne {line + 1})")
    print(f"{len(names)} fichiers comparés, {differ} différent(s)")
    return 1 if differ else 0


def main(argv: list[str]) -> int:
    if len(argv) == 3 and argv[0] == "compare":
        return compare(Path(argv[1]), Path(argv[2]))
    if len(argv) != 2 or argv[0] not in {"demo", "bench-postgres", "bench-sqlite"}:
        print(__doc__, file=sys.stderr)
        return 2
    out = Path(argv[1]).resolve()
    out.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")
    total = run_demo(out) if argv[0] == "demo" else run_bench(argv[0].removeprefix("bench-"), out)
    print(f"{total} fichiers dans {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

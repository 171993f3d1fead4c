"""Bulk PDF generation against a loaded benchmark database (issue #8), one kind per process so
that each peak memory is its own:

    .venv/bin/python benchmarks/pdf_bulk.py --size of --db postgres --kind invoices --count 20

Kinds:

* ``floor``: WeasyPrint rendering a trivial one-page HTML document (what any PDF costs here);
* ``invoices``: the Factur-X invoice of ``count`` actions of the first OF (one invoice each, the
  first of the action), through the functions the issuing uses
  (``billing.selectors.invoice_document`` then ``billing.facturx.build_facturx_pdf``: HTML,
  WeasyPrint PDF/A-3b, CII XML checked against the XSD, embedding); right after each one, the
  WeasyPrint part alone (``render_invoice_pdf``) is timed on the same invoice, to tell where the
  time goes (that second pass is left out of the figures, its CPU and time subtracted);
* ``sheets``: the monthly attendance sheet (``documents.generated.attendance_sheet_pdf``, the
  month of the page measures, 2023-06) of the same ``count`` actions.

The first PDF of a process pays for loading fonts and WeasyPrint's style sheets: it is reported
apart (``first_s``) and left out of the per-PDF figures. Prints one JSON line; benchmarks/run.py
runs the three kinds (``--pdf N``, or ``--only pdf`` on an already loaded database).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from common import bench_env, loadavg  # noqa: E402

SHEET_MONTH = date(2023, 6, 1)
FLOOR_HTML = "<!doctype html><html lang='fr'><body><p>Bonjour.</p></body></html>"


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def peak_mb() -> float:
    """This process's peak resident memory (VmHWM). Not ``ru_maxrss``: Linux carries it across
    exec, so a process started by a large parent (run.py after an import) would report the
    parent's size."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def page_count(pdf: bytes) -> int:
    from pypdf import PdfReader

    return len(PdfReader(io.BytesIO(pdf)).pages)


def summarise(
    kind: str, count: int, times: list[float], sizes: list[int], pages: list[int], cpu: list[float], **extra
) -> dict:
    """Figures of one kind: the first PDF apart, then per PDF and per page over the others (elapsed
    time, and the CPU time of this process, which the machine's load barely changes)."""
    first, rest = times[0], times[1:] or times[:1]
    total = sum(rest)
    rest_pages = sum(pages[1:] or pages[:1])
    rest_cpu = cpu[1:] or cpu[:1]
    return {
        "cpu_ms_mean": round(1000 * statistics.mean(rest_cpu), 1),
        "cpu_ms_per_page": round(1000 * sum(rest_cpu) / rest_pages, 1),
        "kind": kind,
        "count": count,
        "first_s": round(first, 3),
        "total_s": round(sum(times), 2),
        "mean_s": round(statistics.mean(rest), 3),
        "median_s": round(statistics.median(rest), 3),
        "max_s": round(max(rest), 3),
        "pdf_per_s": round(len(rest) / total, 2) if total else None,
        "pages_mean": round(statistics.mean(pages), 1),
        "ms_per_page": round(1000 * total / rest_pages, 1),
        "bytes_mean": round(statistics.mean(sizes)),
        **extra,
    }


def run_floor(count: int) -> dict:
    from weasyprint import HTML

    times, sizes, pages, cpu = [], [], [], []
    for _ in range(count):
        c0, t0 = time.process_time(), time.perf_counter()
        pdf = HTML(string=FLOOR_HTML).write_pdf()
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
        sizes.append(len(pdf))
        pages.append(page_count(pdf))
    return summarise("floor", count, times, sizes, pages, cpu)


def _orders(count: int):
    from dataset import of_code

    from formarche.orders.models import Order

    return list(
        Order.objects.filter(provider__provider_code=of_code(0))
        .select_related("provider", "region", "lot")
        .order_by("number")[:count]
    )


def run_invoices(count: int) -> dict:
    from dataset import complete_parties

    from formarche.billing import facturx, selectors
    from formarche.billing.models import Invoice

    completed = complete_parties()
    orders = _orders(count)
    invoices = []
    for order in orders:
        invoice = (
            Invoice.objects.filter(order=order, solde__isnull=True)
            .select_related("order__provider", "order__region", "order__lot", "period__statement")
            .order_by("issue_date", "pk")
            .first()
        )
        if invoice is not None:
            invoices.append(invoice)
    times, sizes, pages, weasy, cpu = [], [], [], [], []
    extra_wall = extra_cpu = 0.0
    for invoice in invoices:
        c0, t0 = time.process_time(), time.perf_counter()
        # what invoice_issue stores on the invoice before building its PDF
        invoice.seller = selectors.invoice_party_data(invoice.order.provider, seller=True)
        invoice.buyer = selectors.invoice_party_data(invoice.order.region, seller=False)
        doc = selectors.invoice_document(invoice)
        pdf = facturx.build_facturx_pdf(doc)
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
        sizes.append(len(pdf))
        pages.append(page_count(pdf))
        c0, t0 = time.process_time(), time.perf_counter()
        facturx.render_invoice_pdf(doc)  # the same invoice, WeasyPrint alone
        weasy.append(time.perf_counter() - t0)
        extra_wall += weasy[-1]
        extra_cpu += time.process_time() - c0
    pairs = list(zip(times[1:], weasy[1:], strict=True))
    return summarise(
        "invoices",
        len(invoices),
        times,
        sizes,
        pages,
        cpu,
        weasyprint_mean_s=round(statistics.mean(w for _, w in pairs), 3) if pairs else None,
        weasyprint_share=round(sum(w for _, w in pairs) / sum(t for t, _ in pairs), 2) if pairs else None,
        parties_completed=completed,
        excluded_wall_s=extra_wall,
        excluded_cpu_s=extra_cpu,
    )


def run_sheets(count: int) -> dict:
    from formarche.documents.generated import attendance_sheet_pdf
    from formarche.documents.selectors import enrolments_in_month

    orders = _orders(count)
    times, sizes, pages, trainees, cpu = [], [], [], [], []
    for order in orders:
        c0, t0 = time.process_time(), time.perf_counter()
        pdf = attendance_sheet_pdf(order, SHEET_MONTH)
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
        sizes.append(len(pdf))
        pages.append(page_count(pdf))
        trainees.append(enrolments_in_month(order, SHEET_MONTH).count())
    return summarise(
        "sheets",
        len(orders),
        times,
        sizes,
        pages,
        cpu,
        month=SHEET_MONTH.isoformat(),
        trainees_mean=round(statistics.mean(trainees), 1),
    )


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="benchmarks/pdf_bulk.py")
    parser.add_argument("--size", required=True)
    parser.add_argument("--db", choices=["sqlite", "postgres"], required=True)
    parser.add_argument("--kind", choices=["floor", "invoices", "sheets"], required=True)
    parser.add_argument("--count", type=int, default=20)
    args = parser.parse_args(argv)
    if args.count < 2:
        parser.error("--count : au moins 2 (le premier PDF est compté à part)")
    os.environ.pop("DATABASE_URL", None)
    os.environ.update(bench_env(args.db, args.size))
    import django

    django.setup()
    load_before = loadavg()
    rss_start = rss_mb()
    cpu0 = time.process_time()
    t0 = time.perf_counter()
    result = {"floor": run_floor, "invoices": run_invoices, "sheets": run_sheets}[args.kind](args.count)
    wall = time.perf_counter() - t0 - result.pop("excluded_wall_s", 0.0)
    cpu = time.process_time() - cpu0 - result.pop("excluded_cpu_s", 0.0)
    result.update(
        {
            "wall_s": round(wall, 2),
            "cpu_s": round(cpu, 2),
            "rss_start_mb": round(rss_start),
            "rss_end_mb": round(rss_mb()),
            "peak_rss_mb": round(peak_mb()),
            "load_start": load_before,
            "load": loadavg(),
        }
    )
    print(json.dumps(result, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

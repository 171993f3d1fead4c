"""The cost of storing and reading back one invoice PDF (issue #15): the disk (FileSystemStorage,
the embedded default) against S3 (django-storages' S3Storage with the production options) on a
moto server started here on 127.0.0.1 — same machine, so the S3 figure is the protocol's cost
(HTTP, signing, HEAD before PUT because files are never overwritten), not a network's.

    .venv/bin/python benchmarks/storage_bench.py [--rounds 30] [--port 57260]

One "file" = ``storage.save(name, pdf)`` then ``storage.open(name).read()`` — what issuing an
invoice and downloading it do. Prints ms per file (best, median of ``rounds``) and one JSON line.
The PDF is the seed's Factur-X invoice, built once (tests/billing/test_facturx.py's document).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django  # noqa: E402

django.setup()

from django.core.files.base import ContentFile  # noqa: E402
from django.core.files.storage import FileSystemStorage  # noqa: E402
from storages.backends.s3 import S3Storage  # noqa: E402

from config.settings.base import s3_storage_options  # noqa: E402
from formarche.billing.facturx import build_facturx_pdf  # noqa: E402
from tests.billing.test_facturx import seed_document  # noqa: E402
from tests.storage.conftest import ACCESS_KEY, REGION, SECRET_KEY, create_bucket, start_moto  # noqa: E402


def round_trip_ms(storage, pdf: bytes, index: int) -> float:
    start = time.perf_counter()
    name = storage.save(f"factures/emises/2026-{index:05d}_23Q00030612_1.pdf", ContentFile(pdf))
    with storage.open(name, "rb") as handle:
        data = handle.read()
    elapsed = (time.perf_counter() - start) * 1000
    assert data == pdf, "read back differs"
    return elapsed


def measure(storage, pdf: bytes, rounds: int) -> dict:
    round_trip_ms(storage, pdf, 0)  # warm-up: connection, credentials, first import paths
    times = [round_trip_ms(storage, pdf, index) for index in range(1, rounds + 1)]
    return {"best_ms": round(min(times), 2), "median_ms": round(statistics.median(times), 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--port", type=int, default=57260, help="first port tried for moto (57200-57299)")
    args = parser.parse_args()
    pdf = build_facturx_pdf(seed_document())
    result = {"pdf_bytes": len(pdf), "rounds": args.rounds, "loadavg": os.getloadavg()[0]}
    with tempfile.TemporaryDirectory(prefix="formarche-storage-bench-") as directory:
        result["filesystem"] = measure(FileSystemStorage(location=directory), pdf, args.rounds)
    server = start_moto(args.port - 57200)
    try:
        bucket = create_bucket(server.endpoint)
        options = s3_storage_options(
            bucket=bucket.name,
            endpoint_url=server.endpoint,
            access_key=ACCESS_KEY,
            secret_key=SECRET_KEY,
            region=REGION,
        )
        result["s3_moto"] = measure(S3Storage(**options), pdf, args.rounds)
    finally:
        server.stop()
    result["ratio_best"] = round(result["s3_moto"]["best_ms"] / result["filesystem"]["best_ms"], 1)
    print(f"facture PDF de {len(pdf)} octets, {args.rounds} tours, charge {result['loadavg']:.1f}")
    for key, label in (("filesystem", "disque (FileSystemStorage)"), ("s3_moto", "S3 (moto, 127.0.0.1)")):
        figures = result[key]
        print(
            f"  {label:28} écrire + relire : meilleur {figures['best_ms']} ms, médiane {figures['median_ms']} ms"
        )
    print(json.dumps(result))


if __name__ == "__main__":
    main()

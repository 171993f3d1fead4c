"""The ingest pipeline: every import goes through the same three stages.

1. **parse** — the source (a CSV/XLSX :class:`~formarche.utils.parsing.Table`, an interchange JSON
   document) becomes plain rows; a value that cannot be read is an error of its row.
2. **check** — every row is checked against the organisation's own data and the rules of the
   pages; the errors are collected row by row, in French, in one report: :class:`RowErrors`
   (``"Ligne 4 : …"``, spreadsheets) or its generalisation to JSON pointers,
   :class:`~formarche.imports.pipeline.report.PathErrors` (``"/attendance/12/realised : …"``,
   the interchange's ``Checker``).
3. **write** — only when no row is refused, inside one transaction: all or nothing. The writes
   go through the same services for every import: the bulk writer of :mod:`.bulk` (batches of
   ``bulk_create``; the interchange's attendance by ``executemany``/``COPY``), and the hours of the
   spreadsheets through :func:`formarche.attendance.bulk.attendance_bulk_upsert`, the single
   path that applies the hour pages' rules. A write stage may still refuse (the hour rules are
   applied there): it records the errors and raises :class:`Refused`, which undoes everything.

Used by the trainees and hours imports (:mod:`formarche.imports.services`), the orders import
(:mod:`formarche.imports.services.orders`) and the interchange import
(:mod:`formarche.interchange.importer`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from django.db import transaction

from formarche.imports.pipeline.report import Counts, Outcome, PathErrors, Refused, refused_summary
from formarche.utils.parsing import RowErrors

__all__ = ["Counts", "Outcome", "PathErrors", "Refused", "RowErrors", "refused_summary", "run"]

P = TypeVar("P")
W = TypeVar("W")


def run(
    source,
    *,
    parse: Callable[[object], P],
    check: Callable[[P], None],
    write: Callable[[P], W],
    errors: RowErrors,
    written: Callable[[W], None] | None = None,
) -> W | None:
    """``parse(source)`` → rows, ``check(rows)`` (errors go to ``errors``), then ``write(rows)``
    in one transaction when ``errors`` is empty. Returns what ``write`` returns, or ``None`` when
    the rows are refused (nothing written). ``written(result)``, when given, runs inside the same
    transaction after the write (a job marks itself done there: a crash before the commit leaves
    neither the rows nor the job done; an exception it raises undoes the write)."""
    rows = parse(source)
    check(rows)
    if errors:
        return None
    try:
        with transaction.atomic():
            result = write(rows)
            if written is not None:
                written(result)
            return result
    except Refused:
        return None

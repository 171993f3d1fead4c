"""The import jobs' file reading: :func:`formarche.utils.parsing.read_table` with their limits.

``read_table`` checks the file before it parses it (extension, size, content: an XLSX is a ZIP
holding ``[Content_Types].xml`` and ``xl/workbook.xml``; a CSV decodes as UTF-8 with or without
BOM, or Windows-1252, and holds no NUL byte). The jobs add a check of the name and larger limits
than the orders' import: hour files run to 200 000 rows and 20 MB.
"""

from __future__ import annotations

import hashlib
from pathlib import PurePath

from formarche.utils.parsing import Table, TableError, file_format, read_table

MAX_UPLOAD_SIZE = 20 * 1024 * 1024
MAX_IMPORT_ROWS = 200_000


def sha256(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


def read_upload(
    raw: bytes, filename: str, *, max_size: int = MAX_UPLOAD_SIZE, max_rows: int = MAX_IMPORT_ROWS
) -> tuple[str, Table]:
    """``(format, table)`` of an uploaded file (``"csv"`` or ``"xlsx"``), or ``TableError`` in French."""
    name = PurePath(filename or "").name
    if not name or len(name) > 150:
        raise TableError("Nom de fichier manquant ou trop long (150 caractères au plus).")
    return file_format(name), read_table(raw, filename=name, max_size=max_size, max_rows=max_rows)


def read_stored(raw: bytes, fmt: str, *, max_rows: int = MAX_IMPORT_ROWS) -> Table:
    """A stored job's file (checked when it was uploaded) → :class:`Table`."""
    return read_table(raw, filename=f"import.{fmt}", max_size=MAX_UPLOAD_SIZE, max_rows=max_rows)

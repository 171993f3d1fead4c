"""Checking an uploaded file before anything is stored, then reading it into rows.

The cell parsers (French decimals and dates, headers) live in :mod:`formarche.imports.parsing`;
this module adds what the import *jobs* need on top of it:

- the checks made before the file is stored: size, name, extension **and** content (an XLSX is a
  zip holding ``[Content_Types].xml``; a CSV must decode as text: no NUL byte, UTF-8 with or
  without BOM, or Windows-1252);
- a row limit large enough for hour files (``parsing.read_table`` stops at ``parsing.MAX_ROWS``,
  sized for order files).
"""

from __future__ import annotations

import csv
import hashlib
import io
import zipfile
from pathlib import PurePath

from formarche.imports.parsing import Row, Table, TableError, cell_text, normalise_header

MAX_UPLOAD_SIZE = 20 * 1024 * 1024
MAX_IMPORT_ROWS = 200_000
EXTENSIONS = {".csv": "csv", ".xlsx": "xlsx"}
_SIGNATURES = {
    b"\x89PNG": "une image PNG",
    b"\xff\xd8\xff": "une image JPEG",
    b"GIF8": "une image GIF",
    b"%PDF": "un document PDF",
    b"\xd0\xcf\x11\xe0": "un ancien classeur Excel (.xls) : enregistrez-le au format .xlsx",
}


def sha256(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


def check_upload(raw: bytes, filename: str, *, max_size: int = MAX_UPLOAD_SIZE) -> str:
    """The file's format (``"csv"`` or ``"xlsx"``), or ``TableError`` with a French message."""
    name = PurePath(filename or "").name
    if not name or len(name) > 150:
        raise TableError("Nom de fichier manquant ou trop long (150 caractères au plus).")
    fmt = EXTENSIONS.get(PurePath(name).suffix.lower())
    if fmt is None:
        raise TableError("Format non reconnu : envoyez un fichier .csv ou .xlsx.")
    if not raw:
        raise TableError("Le fichier est vide.")
    if len(raw) > max_size:
        raise TableError(f"Le fichier dépasse {max_size // (1024 * 1024)} Mo : découpez-le.")
    for signature, what in _SIGNATURES.items():
        if raw.startswith(signature):
            raise TableError(f"Ce fichier « {name} » est {what}, pas un fichier {fmt.upper()}.")
    if fmt == "xlsx":
        try:
            with zipfile.ZipFile(io.BytesIO(raw)) as archive:
                names = set(archive.namelist())
        except zipfile.BadZipFile as exc:
            raise TableError(f"Ce fichier « {name} » n'est pas un classeur XLSX valide.") from exc
        if "[Content_Types].xml" not in names or not any(n.startswith("xl/") for n in names):
            raise TableError(f"Ce fichier « {name} » n'est pas un classeur XLSX valide.")
        return fmt
    if raw.startswith(b"PK\x03\x04"):
        raise TableError(
            f"Ce fichier « {name} » est un classeur ou une archive, pas un CSV : enregistrez-le en .xlsx."
        )
    if b"\x00" in raw:
        raise TableError(f"Ce fichier « {name} » n'est pas un fichier texte CSV (contenu binaire).")
    decode_text(raw)
    return fmt


def decode_text(raw: bytes) -> str:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise TableError("Le fichier CSV n'est ni en UTF-8 ni en Windows-1252.")


def _table(lines, *, max_rows: int) -> Table:
    header: list[str] | None = None
    rows: list[Row] = []
    append = rows.append
    for number, values in enumerate(lines, start=1):
        if header is None:
            if all(cell_text(v) == "" for v in values):
                continue
            header = [normalise_header(v) for v in values]
            duplicates = sorted({h for h in header if h and header.count(h) > 1})
            if duplicates:
                raise TableError("Colonnes en double : " + ", ".join(duplicates) + ".")
            columns = [(i, h) for i, h in enumerate(header) if h]
            continue
        if not any(v not in (None, "") and cell_text(v) != "" for v in values):
            continue
        if len(rows) >= max_rows:
            raise TableError(f"Le fichier dépasse {max_rows} lignes : découpez-le.")
        size = len(values)
        append(Row(line=number, data={h: (values[i] if i < size else None) for i, h in columns}))
    if header is None:
        raise TableError("Le fichier est vide.")
    return Table(header=[h for h in header if h], rows=rows)


def read_rows(raw: bytes, fmt: str, *, max_rows: int = MAX_IMPORT_ROWS) -> Table:
    """The checked file's content → :class:`parsing.Table` (header normalised, line numbers kept)."""
    if fmt == "csv":
        text = decode_text(raw)
        first = text.split("\n", 1)[0]
        delimiter = max([";", ",", "\t"], key=first.count)
        try:
            return _table(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), max_rows=max_rows)
        except csv.Error as exc:
            raise TableError(f"Fichier CSV illisible : {exc}.") from exc
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a broken file
        raise TableError("Classeur XLSX illisible (fichier abîmé ou protégé par mot de passe).") from exc
    try:
        return _table(workbook.worksheets[0].iter_rows(values_only=True), max_rows=max_rows)
    finally:
        workbook.close()

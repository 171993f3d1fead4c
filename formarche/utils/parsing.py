"""Reusable pieces of every spreadsheet import (orders, trainees, hours).

An import reads a CSV or XLSX file into :class:`Row` objects (a line number as the user sees it in
the spreadsheet, and a dict keyed by the *normalised* header), validates every row, collects the
errors row by row in French with :class:`RowErrors`, and writes nothing unless there is no error
at all (the caller's job, inside one ``transaction.atomic``).

    table = read_table(uploaded_file)                   # TableError: file unreadable, not CSV/XLSX…
    table.require(["numero", "montant_ht"])             # TableError: missing columns
    errors = RowErrors()
    for row in table.rows:
        with errors.collect(row):                       # ParseError → "Ligne 4 : …"
            amount = parse_decimal(row["montant_ht"], label="le montant HT", positive=True)
    if errors:
        ...  # show errors.messages(), write nothing

Parsing rules (French spreadsheets):

- decimals: ``11,80``, ``11.80``, ``57 820,00`` (spaces, no-break spaces), ``1.234,56`` and
  ``1,234.56`` (the last separator is the decimal one), numbers already typed by Excel;
- dates: ``13/03/2023``, ``13/03/23`` is refused (ambiguous century), ``2023-03-13``, and
  Excel dates (``datetime``/``date`` cells);
- headers: case, accents, spaces, hyphens and apostrophes ignored (« Prix unitaire » → ``prix_unitaire``).

No Django import here: the module is plain Python (openpyxl for XLSX) and can be tested alone.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
import zipfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import PurePath

__all__ = [
    "MAX_FILE_SIZE",
    "MAX_ROWS",
    "ParseError",
    "Row",
    "RowErrors",
    "Table",
    "TableError",
    "cell_text",
    "file_format",
    "normalise_header",
    "parse_choice",
    "parse_date",
    "parse_decimal",
    "parse_int",
    "read_csv",
    "read_table",
    "read_xlsx",
    "write_csv_template",
    "write_xlsx_template",
]

#: Largest accepted upload (bytes) and number of data rows.
MAX_FILE_SIZE = 5 * 1024 * 1024
MAX_ROWS = 20_000

_SPACES = re.compile(r"[\s\u00a0\u202f\u2009]+")
_DECIMAL = re.compile(r"[+-]?(\d+)?(\.\d+)?")
_FR_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")
_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?:[ T]00:00(?::00)?)?")


class ParseError(ValueError):
    """A value that cannot be read; the message is French and names the value."""


class TableError(ValueError):
    """The file as a whole cannot be used (type, encoding, size, missing columns)."""


# --------------------------------------------------------------------------------------------
# Cells
# --------------------------------------------------------------------------------------------


def cell_text(value) -> str:
    """Any cell (None, number, text) → stripped text; ``None`` → ``""``; ``12.0`` → ``"12"``."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def parse_decimal(
    value,
    *,
    label: str = "la valeur",
    positive: bool = False,
    non_negative: bool = False,
    places: int | None = None,
) -> Decimal:
    """French or English decimal → ``Decimal``; ``ParseError`` with a French message otherwise.

    ``positive=True`` refuses zero and negatives, ``non_negative=True`` refuses negatives only;
    ``places`` refuses more decimal places than that (``places=2`` for hours and amounts).
    """
    if isinstance(value, bool):
        raise ParseError(f"{label} « {value} » n'est pas un nombre")
    if isinstance(value, Decimal):
        number = value
    elif isinstance(value, int):
        number = Decimal(value)
    elif isinstance(value, float):
        number = Decimal(repr(value))
    else:
        text = _SPACES.sub("", cell_text(value))
        if not text:
            raise ParseError(f"{label} est obligatoire")
        if "," in text and "." in text:
            # the last separator is the decimal one, the other groups thousands
            if text.rfind(",") > text.rfind("."):
                text = text.replace(".", "").replace(",", ".")
            else:
                text = text.replace(",", "")
        else:
            text = text.replace(",", ".")
        if not _DECIMAL.fullmatch(text) or text in {"", "+", "-", "."}:
            raise ParseError(f"{label} « {cell_text(value)} » n'est pas un nombre (par exemple 11,80)")
        try:
            number = Decimal(text)
        except InvalidOperation as exc:  # pragma: no cover - the regex already refuses these
            raise ParseError(f"{label} « {cell_text(value)} » n'est pas un nombre") from exc
    if not number.is_finite():
        raise ParseError(f"{label} « {cell_text(value)} » n'est pas un nombre")
    if positive and number <= 0:
        raise ParseError(f"{label} « {cell_text(value)} » doit être positif")
    if non_negative and number < 0:
        raise ParseError(f"{label} « {cell_text(value)} » ne peut pas être négatif")
    if places is not None and number.as_tuple().exponent < -places:
        raise ParseError(f"{label} « {cell_text(value)} » a plus de {places} décimales")
    return number


def parse_int(value, *, label: str = "la valeur", minimum: int | None = None) -> int:
    """A whole number (``12``, ``"12"``, ``12.0``) → ``int``; ``ParseError`` otherwise."""
    number = parse_decimal(value, label=label)
    if number != number.to_integral_value():
        raise ParseError(f"{label} « {cell_text(value)} » doit être un nombre entier")
    result = int(number)
    if minimum is not None and result < minimum:
        raise ParseError(f"{label} « {cell_text(value)} » doit être au moins {minimum}")
    return result


def parse_date(value, *, label: str = "la date") -> date:
    """``13/03/2023``, ``2023-03-13`` or an Excel date → ``date``; ``ParseError`` otherwise."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = cell_text(value)
    if not text:
        raise ParseError(f"{label} est obligatoire")
    match = _FR_DATE.fullmatch(text)
    if match:
        day, month, year = (int(g) for g in match.groups())
    else:
        match = _ISO_DATE.fullmatch(text)
        if not match:
            raise ParseError(
                f"{label} « {text} » n'est pas une date au format JJ/MM/AAAA (par exemple 13/03/2023)"
            )
        year, month, day = (int(g) for g in match.groups())
    try:
        return date(year, month, day)
    except ValueError as exc:
        raise ParseError(f"{label} « {text} » n'existe pas dans le calendrier") from exc


def parse_choice(value, choices: dict[str, str], *, label: str = "la valeur") -> str:
    """Map a cell to a code: ``choices`` maps accepted spellings (any case/accents) to the code.

    ``parse_choice("Co-traitant", {"cotraitant": "cotraitant", "co_traitant": "cotraitant"})``.
    """
    key = normalise_header(cell_text(value))
    lookup = {normalise_header(k): v for k, v in choices.items()}
    if key not in lookup:
        accepted = ", ".join(sorted({k for k in choices}))
        raise ParseError(f"{label} « {cell_text(value)} » est inconnu (valeurs possibles : {accepted})")
    return lookup[key]


def normalise_header(text) -> str:
    """« Prix unitaire (€) » → ``prix_unitaire``; « Famille-métiers » → ``famille_metiers``."""
    text = unicodedata.normalize("NFKD", cell_text(text)).encode("ascii", "ignore").decode("ascii")
    text = re.sub(r"\(.*?\)", "", text.lower())
    text = re.sub(r"[^a-z0-9]+", "_", text)
    return text.strip("_")


# --------------------------------------------------------------------------------------------
# Tables
# --------------------------------------------------------------------------------------------


@dataclass
class Row:
    """One data line: ``line`` is the line number in the spreadsheet (the header is line 1)."""

    line: int
    data: dict[str, object]

    def __getitem__(self, key: str):
        return self.data.get(key)

    def get(self, key: str, default=None):
        value = self.data.get(key)
        return default if value is None or cell_text(value) == "" else value

    def text(self, key: str) -> str:
        return cell_text(self.data.get(key))


@dataclass
class Table:
    header: list[str]
    rows: list[Row] = field(default_factory=list)

    def require(self, columns: Iterable[str]) -> None:
        """``TableError`` naming every missing column (in the order given)."""
        missing = [c for c in columns if c not in self.header]
        if missing:
            raise TableError(
                "Colonnes manquantes : "
                + ", ".join(missing)
                + ". Téléchargez le modèle pour voir les colonnes attendues."
            )


def _table_from_lines(lines: Iterator, *, max_rows: int = MAX_ROWS) -> Table:
    """Rows → :class:`Table`: the first non-empty line is the header; empty lines are skipped."""
    header: list[str] | None = None
    columns: list[tuple[int, str]] = []
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


#: What a file named .csv or .xlsx sometimes really is.
_SIGNATURES = {
    b"\x89PNG": "une image PNG",
    b"\xff\xd8\xff": "une image JPEG",
    b"GIF8": "une image GIF",
    b"%PDF": "un document PDF",
    b"\xd0\xcf\x11\xe0": "un ancien classeur Excel (.xls) : enregistrez-le au format .xlsx",
}
EXTENSIONS = {".csv": "csv", ".xlsx": "xlsx"}


def _this_file(name: str) -> str:
    return f"Ce fichier « {name} »" if name else "Ce fichier"


def _decode_csv(raw: bytes, name: str = "") -> str:
    """The text of a CSV: no NUL byte, UTF-8 (with or without BOM) or Windows-1252."""
    if raw.startswith(b"PK\x03\x04"):
        raise TableError(
            f"{_this_file(name)} est un classeur ou une archive, pas un fichier CSV : enregistrez-le en .xlsx."
        )
    if b"\x00" in raw:
        raise TableError(f"{_this_file(name)} n'est pas un fichier CSV (contenu binaire).")
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise TableError("Le fichier CSV n'est ni en UTF-8 ni en Windows-1252.")


def _check_xlsx(raw: bytes, name: str = "") -> None:
    """An XLSX is a ZIP holding ``[Content_Types].xml`` and ``xl/workbook.xml``."""
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            names = set(archive.namelist())
    except zipfile.BadZipFile as exc:
        raise TableError(f"{_this_file(name)} n'est pas un classeur XLSX valide.") from exc
    if not {"[Content_Types].xml", "xl/workbook.xml"} <= names:
        raise TableError(f"{_this_file(name)} n'est pas un classeur XLSX valide.")


def file_format(filename: str) -> str:
    """``"csv"`` or ``"xlsx"`` from the file name's extension; ``TableError`` otherwise."""
    fmt = EXTENSIONS.get(PurePath(filename or "").suffix.lower())
    if fmt is None:
        raise TableError("Format non reconnu : envoyez un fichier .csv ou .xlsx.")
    return fmt


def read_csv(raw: bytes, *, max_rows: int = MAX_ROWS, name: str = "") -> Table:
    """CSV bytes (UTF-8 with or without BOM, or Windows-1252; ``;``, ``,`` or tab) → :class:`Table`."""
    text = _decode_csv(raw, name)
    first = text.split("\n", 1)[0]
    delimiter = max([";", ",", "\t"], key=first.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        return _table_from_lines(reader, max_rows=max_rows)
    except csv.Error as exc:
        raise TableError(f"Fichier CSV illisible : {exc}.") from exc


def read_xlsx(raw: bytes, *, max_rows: int = MAX_ROWS, name: str = "") -> Table:
    """XLSX bytes → :class:`Table` from the first sheet (Excel numbers and dates kept as such)."""
    from openpyxl import load_workbook

    _check_xlsx(raw, name)
    try:
        workbook = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a broken file
        raise TableError("Classeur XLSX illisible (fichier abîmé ou protégé par mot de passe).") from exc
    try:
        return _table_from_lines(workbook.worksheets[0].iter_rows(values_only=True), max_rows=max_rows)
    finally:
        workbook.close()


def read_table(
    uploaded,
    *,
    filename: str | None = None,
    max_size: int = MAX_FILE_SIZE,
    max_rows: int = MAX_ROWS,
) -> Table:
    """A file (Django ``UploadedFile``, any binary file object, or bytes + ``filename``) → :class:`Table`.

    Checked before it is parsed: the extension (``.csv`` or ``.xlsx``), the size (``max_size``
    bytes), the content (not an image, a PDF or an old .xls; an XLSX is a ZIP holding
    ``[Content_Types].xml`` and ``xl/workbook.xml``; a CSV decodes as UTF-8, BOM or not, or
    Windows-1252, and holds no NUL byte), then at most ``max_rows`` data rows.
    """
    name = PurePath(filename or getattr(uploaded, "name", "") or "").name
    fmt = file_format(name)
    size = getattr(uploaded, "size", None)
    if size is not None and size > max_size:
        raise TableError(f"Le fichier dépasse {max_size // (1024 * 1024)} Mo : découpez-le.")
    raw = uploaded if isinstance(uploaded, bytes) else uploaded.read(max_size + 1)
    if len(raw) > max_size:
        raise TableError(f"Le fichier dépasse {max_size // (1024 * 1024)} Mo : découpez-le.")
    if not raw:
        raise TableError("Le fichier est vide.")
    for signature, what in _SIGNATURES.items():
        if raw.startswith(signature):
            raise TableError(f"{_this_file(name)} est {what}, pas un fichier {fmt.upper()}.")
    if fmt == "csv":
        return read_csv(raw, max_rows=max_rows, name=name)
    return read_xlsx(raw, max_rows=max_rows, name=name)


# --------------------------------------------------------------------------------------------
# Errors, row by row
# --------------------------------------------------------------------------------------------


class RowErrors:
    """Collects French messages per line; false when empty.

    ``errors.add(4, "le prix unitaire « 0 » doit être positif")`` → ``"Ligne 4 : le prix …"``.
    """

    def __init__(self):
        self._items: list[tuple[int, str]] = []

    def add(self, line: int, message: str) -> None:
        self._items.append((line, message))

    @contextmanager
    def collect(self, row: Row | int):
        """Turn a :class:`ParseError` raised inside the block into an error of that row."""
        line = row.line if isinstance(row, Row) else row
        try:
            yield
        except ParseError as exc:
            self.add(line, str(exc))

    def __bool__(self) -> bool:
        return bool(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def lines(self) -> set[int]:
        return {line for line, _ in self._items}

    def messages(self) -> list[str]:
        """Sorted by line, then in the order found: ``["Ligne 4 : …", …]``."""
        ordered = sorted(enumerate(self._items), key=lambda item: (item[1][0], item[0]))
        return [f"Ligne {line} : {message}" for _, (line, message) in ordered]


# --------------------------------------------------------------------------------------------
# Templates to download
# --------------------------------------------------------------------------------------------


def write_csv_template(columns: list[str], example: list[str] | None = None) -> bytes:
    """A CSV template (UTF-8 with BOM so that Excel shows accents, ``;`` separated)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(columns)
    if example:
        writer.writerow(example)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def write_xlsx_template(columns: list[str], example: list | None = None, *, title: str = "Import") -> bytes:
    """An XLSX template: the header row in bold, an optional example row."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title[:31]
    sheet.append(columns)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    if example:
        sheet.append(example)
    for index, name in enumerate(columns, start=1):
        sheet.column_dimensions[sheet.cell(row=1, column=index).column_letter].width = max(12, len(name) + 4)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()

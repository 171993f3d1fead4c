"""PostgreSQL's COPY text format (``COPY … FROM STDIN``), for the bulk writers: a value → its
text, memoised, and the lines of many rows. Pure Python: the writers send the text through
psycopg's ``cursor.copy`` (``Copy.write``), which then adapts nothing."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

COPY_LINES = 20_000  # lines per write: a few hundred kilobytes


class CopyText:
    """A value → its text in COPY's text format, memoised (the rows repeat a few values).

    ``None`` is ``\\N``, booleans ``t``/``f``, dates and datetimes ISO 8601 (with their offset),
    decimals and integers as Python writes them (``Decimal("7.50")`` → ``7.50``, what PostgreSQL's
    ``numeric`` reads); text has its backslashes, tabs, newlines and carriage returns escaped."""

    def __init__(self):
        self.cache: dict = {}
        self.days: dict = {}

    def day(self, value) -> str:
        found = self.days.get(value)
        if found is None:
            found = self.days[value] = value.isoformat()
        return found

    def __call__(self, value) -> str:
        key = (value.__class__, value)
        found = self.cache.get(key)
        if found is None:
            found = self.cache[key] = copy_text(value)
        return found


def copy_text(value) -> str:
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, Decimal | int):
        return str(value)
    if not isinstance(value, str):
        raise TypeError(f"valeur inattendue pour COPY : {value!r}")
    return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def copy_lines(rows, text: CopyText | None = None):
    """The COPY text of ``rows`` (tuples of Python values), by chunks of :data:`COPY_LINES` lines."""
    text = text or CopyText()
    for start in range(0, len(rows), COPY_LINES):
        yield "".join(["\t".join(map(text, row)) + "\n" for row in rows[start : start + COPY_LINES]])

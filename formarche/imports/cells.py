"""Reading the cells of the spreadsheet imports (trainees, hours) — the parse stage's helpers —
and what their rows are matched against: the OF's orders by number, its trainees' registry."""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import date, datetime
from decimal import Decimal

from formarche.imports import columns as cols
from formarche.orders.models import Order
from formarche.trainees.models import Trainee
from formarche.utils.formatting import parse_month
from formarche.utils.money import ZERO, round_cents_fast
from formarche.utils.parsing import ParseError, Row, cell_text, parse_date, parse_decimal

_SIMPLE_HOURS = re.compile(r"\d{1,4}(?:[.,]\d{1,2})?")
_HOURS_CACHE: dict[str, Decimal] = {}


def hours_value(row: Row, key: str, label: str, *, default: Decimal | None = ZERO) -> Decimal:
    """Hours: ≥ 0, 2 decimals at most; fast path (memoised) for the common "7", "3,5", "7,00" cells."""
    value = row.data.get(key)
    if value is None or value == "":
        if default is None:
            raise ParseError(f"{label} est obligatoire")
        return default
    if isinstance(value, str):
        cached = _HOURS_CACHE.get(value)
        if cached is not None:
            return cached
        text = value.strip()
        if _SIMPLE_HOURS.fullmatch(text):
            number = round_cents_fast(Decimal(text.replace(",", ".")))
            if len(_HOURS_CACHE) < 10_000:
                _HOURS_CACHE[value] = number
            return number
    return round_cents_fast(parse_decimal(value, label=label, non_negative=True, places=2))


def date_value(row: Row, key: str, label: str) -> date:
    value = row.data.get(key)
    if isinstance(value, str):
        text = value.strip()
        # fast path for JJ/MM/AAAA
        if len(text) == 10 and text[2] == "/" and text[5] == "/":
            try:
                return date(int(text[6:]), int(text[3:5]), int(text[:2]))
            except ValueError:
                pass
    return parse_date(value, label=label)


def month_value(row: Row) -> date:
    value = row.data.get("mois")
    if isinstance(value, datetime):
        return value.date().replace(day=1)
    if isinstance(value, date):
        return value.replace(day=1)
    text = cell_text(value)
    if not text:
        raise ParseError("le mois est obligatoire")
    if len(text) == 7 and text[2] == "/":  # MM/AAAA
        text = f"{text[3:]}-{text[:2]}"
    if len(text) == 10 and text[4] == "-" and text.endswith("-01"):  # 2023-04-01 (Excel)
        text = text[:7]
    try:
        return parse_month(text)
    except ValueError as exc:
        raise ParseError(
            f"le mois « {cell_text(value)} » n'est pas au format AAAA-MM (par exemple 2023-04)"
        ) from exc


def orders_by_number(organisation, numbers) -> dict[str, Order]:
    """The OF's own orders (another OF's number is simply unknown: tenancy)."""
    numbers = [n for n in numbers if n]
    found = {}
    for start in range(0, len(numbers), 500):
        for order in Order.objects.filter(provider=organisation, number__in=numbers[start : start + 500]):
            found[order.number] = order
    return found


def unknown_order(number: str) -> str:
    return f"l'action « {number} » est inconnue ou n'est pas réalisée par votre organisme"


class Registry:
    """The OF's trainees, by external id and by (name key, birth date), loaded once."""

    def __init__(self):
        self.by_ref: dict[str, int] = {}
        self.by_name: dict[tuple[str, date], list[int]] = defaultdict(list)
        self.rows: dict[int, Trainee] = {}

    def load(self, organisation, *, objects: bool = False) -> Registry:
        qs = Trainee.objects.filter(organisation=organisation)
        if objects:
            for trainee in qs:
                self._add(trainee.pk, trainee.external_ref, trainee.name_key, trainee.birth_date)
                self.rows[trainee.pk] = trainee
        else:
            for pk, ref, key, birth in qs.values_list("pk", "external_ref", "name_key", "birth_date"):
                self._add(pk, ref, key, birth)
        return self

    def _add(self, pk, ref, key, birth):
        if ref:
            self.by_ref[ref] = pk
        self.by_name[(key, birth)].append(pk)


def code_value(row: Row, key: str, table: dict[str, str], label: str, *, required: bool) -> str:
    """A coded value (civilité, statut, financeur…) in one of its accepted spellings."""
    text = row.text(key)
    if not text:
        if required:
            raise ParseError(f"{label} est obligatoire")
        return ""
    code = cols.lookup(text, table)
    if code is None:
        raise ParseError(f"{label} « {text} » est inconnu (valeurs possibles : {cols.accepted(table)})")
    return code


def lower_first(message: str) -> str:
    return message[:1].lower() + message[1:]

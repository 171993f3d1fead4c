"""Accounts for cadre D and the turnover: the French FEC or a trial balance → totals per account.

Pure Python (no Django). Only classes 6 (charges) and 7 (products) are kept; other lines are
read (and checked) but not returned.

- **FEC** (*fichier des écritures comptables*, article A. 47 A-1 du Livre des procédures
  fiscales): a header line then one line per entry line, fields separated by a tab or a pipe
  (``|``), with the 18 standard columns (``JournalCode`` … ``Idevise``). Amounts are ``Debit`` and
  ``Credit`` (or ``Montant`` and ``Sens`` D/C), decimal comma or point; dates ``AAAAMMJJ``.
- **Trial balance** (*balance*): CSV with columns ``compte``, ``libelle`` and either ``debit`` and
  ``credit`` or ``solde`` (positive = debit for charges, credit for products).

A malformed line makes the whole file refused, with its line number (``FecError.errors``).
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from formarche.utils.parsing import ParseError, normalise_header, parse_date, parse_decimal

ZERO = Decimal("0")
MAX_ERRORS = 50
FEC_COLUMNS = (
    "JournalCode",
    "JournalLib",
    "EcritureNum",
    "EcritureDate",
    "CompteNum",
    "CompteLib",
    "CompAuxNum",
    "CompAuxLib",
    "PieceRef",
    "PieceDate",
    "EcritureLib",
    "Debit",
    "Credit",
    "EcritureLet",
    "DateLet",
    "ValidDate",
    "Montantdevise",
    "Idevise",
)
_ACCOUNT = re.compile(r"\d[0-9A-Za-z]*")


class FecError(ValueError):
    """The file is refused; ``errors`` lists (line number or None, French message)."""

    def __init__(self, errors: list[tuple[int | None, str]]):
        self.errors = errors
        super().__init__(" ; ".join(self.messages()))

    def messages(self) -> list[str]:
        return [f"Ligne {n} : {m}" if n else m for n, m in self.errors]


@dataclass
class AccountTotal:
    account: str
    label: str = ""
    debit: Decimal = ZERO
    credit: Decimal = ZERO


def _text(raw: bytes) -> str:
    if b"\x00" in raw:
        raise FecError([(None, "Ce fichier n'est pas un fichier texte (contenu binaire).")])
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise FecError([(None, "Le fichier n'est ni en UTF-8 ni en Windows-1252.")])  # pragma: no cover


def _fec_date(text: str) -> date:
    text = text.strip()
    if re.fullmatch(r"\d{8}", text):
        try:
            return date(int(text[:4]), int(text[4:6]), int(text[6:]))
        except ValueError as exc:
            raise ParseError(f"la date « {text} » n'existe pas") from exc
    return parse_date(text, label="la date d'écriture")


def looks_like_fec(raw: bytes) -> bool:
    first = _text(raw[:4096]).split("\n", 1)[0]
    return "comptenum" in first.lower() and ("\t" in first or "|" in first)


def parse_fec(raw: bytes, *, start: date | None = None, end: date | None = None) -> dict[str, AccountTotal]:
    """FEC bytes → {account: AccountTotal} for classes 6 and 7. Raises FecError (all-or-nothing).

    With ``start``/``end``, an entry of class 6 or 7 dated outside the fiscal year is an error.
    """
    lines = _text(raw).splitlines()
    if not lines or not lines[0].strip():
        raise FecError([(None, "Le fichier est vide.")])
    header = lines[0]
    separator = "\t" if header.count("\t") >= header.count("|") else "|"
    names = [h.strip().lower() for h in header.split(separator)]
    index = {n: i for i, n in enumerate(names)}
    has_debit_credit = "debit" in index and "credit" in index
    has_amount_sense = "montant" in index and "sens" in index
    missing = [c for c in ("CompteNum", "CompteLib", "EcritureDate") if c.lower() not in index]
    if missing or not (has_debit_credit or has_amount_sense):
        needed = missing + ([] if has_debit_credit or has_amount_sense else ["Debit", "Credit"])
        raise FecError(
            [
                (
                    1,
                    "l'en-tête n'est pas celui d'un FEC : colonnes manquantes "
                    + ", ".join(needed)
                    + " (séparateur tabulation ou barre verticale « | »).",
                )
            ]
        )
    width = len(names)
    totals: dict[str, AccountTotal] = {}
    errors: list[tuple[int | None, str]] = []
    for number, line in enumerate(lines[1:], start=2):
        if not line.strip():
            continue
        fields = line.split(separator)
        if len(fields) != width:
            errors.append(
                (number, f"{len(fields)} champs au lieu de {width} (séparateur « {_sep_name(separator)} »).")
            )
        else:
            try:
                account = fields[index["comptenum"]].strip()
                if not _ACCOUNT.fullmatch(account):
                    raise ParseError(f"le numéro de compte « {account} » est invalide")
                if account[0] not in "67":
                    continue
                day = _fec_date(fields[index["ecrituredate"]])
                if start and end and not start <= day <= end:
                    raise ParseError(
                        f"l'écriture du {day:%d/%m/%Y} est hors de l'exercice "
                        f"({start:%d/%m/%Y} – {end:%d/%m/%Y})"
                    )
                if has_debit_credit:
                    debit = _amount(fields[index["debit"]], "le débit")
                    credit = _amount(fields[index["credit"]], "le crédit")
                else:
                    amount = _amount(fields[index["montant"]], "le montant")
                    sense = fields[index["sens"]].strip().upper()[:1]
                    if sense not in {"D", "C"}:
                        raise ParseError(f"le sens « {fields[index['sens']].strip()} » doit être D ou C")
                    debit, credit = (amount, ZERO) if sense == "D" else (ZERO, amount)
                total = totals.get(account)
                if total is None:
                    total = totals[account] = AccountTotal(account, fields[index["comptelib"]].strip())
                total.debit += debit
                total.credit += credit
            except ParseError as exc:
                errors.append((number, f"{exc}."))
        if len(errors) >= MAX_ERRORS:
            errors.append((None, f"Lecture arrêtée après {MAX_ERRORS} erreurs."))
            break
    if errors:
        raise FecError(errors)
    return totals


def _sep_name(separator: str) -> str:
    return "tabulation" if separator == "\t" else "|"


def _amount(text: str, label: str) -> Decimal:
    text = text.strip()
    if not text:
        return ZERO
    return parse_decimal(text, label=label, places=2)


def parse_trial_balance(raw: bytes) -> dict[str, AccountTotal]:
    """Trial-balance CSV (``;``, ``,`` or tab) → {account: AccountTotal} for classes 6 and 7."""
    text = _text(raw)
    first = text.split("\n", 1)[0]
    delimiter = max([";", "\t", ","], key=first.count)
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    if not rows:
        raise FecError([(None, "Le fichier est vide.")])
    header = [normalise_header(h) for h in rows[0]]
    aliases = {
        "numero_de_compte": "compte",
        "n_compte": "compte",
        "intitule": "libelle",
        "libelle_du_compte": "libelle",
    }
    header = [aliases.get(h, h) for h in header]
    index = {h: i for i, h in enumerate(header)}
    if "compte" not in index or not ({"debit", "credit"} <= set(index) or "solde" in index):
        raise FecError(
            [(1, "colonnes attendues : compte, libelle, et debit + credit ou solde (balance comptable).")]
        )
    totals: dict[str, AccountTotal] = {}
    errors: list[tuple[int | None, str]] = []
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        try:
            if len(row) < len(header):
                raise ParseError(f"{len(row)} colonnes au lieu de {len(header)}")
            account = row[index["compte"]].strip()
            if not _ACCOUNT.fullmatch(account):
                raise ParseError(f"le numéro de compte « {account} » est invalide")
            if account[0] not in "67":
                continue
            label = row[index["libelle"]].strip() if "libelle" in index else ""
            if "debit" in index:
                debit = _amount(row[index["debit"]], "le débit")
                credit = _amount(row[index["credit"]], "le crédit")
            else:
                balance = _amount(row[index["solde"]], "le solde")
                charge = account[0] == "6"
                debit, credit = (balance, ZERO) if charge else (ZERO, balance)
            if account in totals:
                raise ParseError(f"le compte {account} figure deux fois")
            totals[account] = AccountTotal(account, label, debit, credit)
        except ParseError as exc:
            errors.append((number, f"{exc}."))
    if errors:
        raise FecError(errors[:MAX_ERRORS])
    return totals


def read_accounts(raw: bytes, *, start: date | None = None, end: date | None = None):
    """(totals, "fec" | "balance") — a FEC when the header names CompteNum with a tab or pipe."""
    if looks_like_fec(raw):
        return parse_fec(raw, start=start, end=end), "fec"
    return parse_trial_balance(raw), "balance"

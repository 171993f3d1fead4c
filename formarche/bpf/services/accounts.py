"""Writes on a fiscal year's accounts: import a FEC or a trial balance, save one line."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction

from formarche.bpf.errors import BpfError
from formarche.bpf.fec import FecError, read_accounts
from formarche.bpf.models import AccountLine, AccountSource, FiscalYear
from formarche.bpf.services.fiscal_years import ensure_editable


def accounts_import(*, fiscal_year: FiscalYear, raw: bytes, filename: str = "") -> int:
    """Replace the year's imported accounts by a FEC or a trial balance (classes 6 and 7).

    All-or-nothing: raises FecError (line by line) and writes nothing. Manual lines are kept.
    Returns the number of accounts stored.
    """
    ensure_editable(fiscal_year=fiscal_year)
    totals, kind = read_accounts(raw, start=fiscal_year.start, end=fiscal_year.end)
    if not totals:
        raise FecError([(None, "Aucune écriture des classes 6 ou 7 dans ce fichier.")])
    source = AccountSource.FEC if kind == "fec" else AccountSource.BALANCE
    with transaction.atomic():
        shares = dict(
            fiscal_year.account_lines.exclude(training_share=None).values_list("account", "training_share")
        )
        manual = set(
            fiscal_year.account_lines.filter(source=AccountSource.MANUAL).values_list("account", flat=True)
        )
        fiscal_year.account_lines.exclude(source=AccountSource.MANUAL).delete()
        AccountLine.objects.bulk_create(
            [
                AccountLine(
                    fiscal_year=fiscal_year,
                    account=t.account,
                    label=t.label[:200],
                    debit=t.debit,
                    credit=t.credit,
                    training_share=shares.get(t.account),
                    source=source,
                )
                for t in totals.values()
                if t.account not in manual
            ]
        )
        label = "FEC" if kind == "fec" else "balance"
        fiscal_year.accounts_source = f"{label} {filename}".strip()[:120]
        fiscal_year.save(update_fields=["accounts_source"])
    return len(totals)


def account_line_save(
    *,
    fiscal_year: FiscalYear,
    account: str,
    label: str = "",
    debit: Decimal = Decimal(0),
    credit: Decimal = Decimal(0),
    training_share: Decimal | None = None,
) -> AccountLine:
    ensure_editable(fiscal_year=fiscal_year)
    account = account.strip()
    if not account or not account.isdigit() or account[0] not in "67":
        raise BpfError("Seuls les comptes des classes 6 (charges) et 7 (produits) servent au BPF.")
    if training_share is not None and not Decimal(0) <= training_share <= Decimal(1):
        raise BpfError("La part formation est comprise entre 0 et 1.")
    with transaction.atomic():
        line, _ = AccountLine.objects.update_or_create(
            fiscal_year=fiscal_year,
            account=account,
            defaults={
                "label": label,
                "debit": debit,
                "credit": credit,
                "training_share": training_share,
                "source": AccountSource.MANUAL,
            },
        )
    return line

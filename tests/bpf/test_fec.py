"""Accounts from the FEC (tab or pipe) or a trial balance: classes 6 and 7 only, a malformed line
refused with its line number, the allocation key applied to mixed charges."""

import datetime as dt
from decimal import Decimal as D

import pytest

import tests.bpf.needs_django  # noqa: F401  (first: skips without Django)
from formarche.bpf.fec import FEC_COLUMNS, FecError, parse_fec, parse_trial_balance, read_accounts
from formarche.bpf.models import AccountLine, FiscalYear
from formarche.bpf.selectors import account_figures
from formarche.bpf.services import account_line_save, accounts_import

FY = (dt.date(2023, 1, 1), dt.date(2023, 12, 31))


def fec(lines, sep="\t"):
    rows = [sep.join(FEC_COLUMNS)]
    for account, label, debit, credit, *day in lines:
        day = day[0] if day else "20230315"
        fields = [
            "AC",
            "Achats",
            "12",
            day,
            account,
            label,
            "",
            "",
            "P1",
            day,
            "libellé",
            debit,
            credit,
            "",
            "",
            day,
            "",
            "",
        ]
        rows.append(sep.join(fields))
    return ("\n".join(rows) + "\n").encode("utf-8")


LINES = [
    ("6411000", "Salaires formateurs", "1000,00", "0,00"),
    ("6411000", "Salaires formateurs", "500,50", "0,00"),
    ("604000", "Achats de formation", "200,00", "0,00"),
    ("622600", "Honoraires", "100,00", "0,00"),
    ("606000", "Fournitures", "300,00", "20,00"),
    ("401000", "Fournisseur", "0,00", "2100,50"),  # class 4: read, not kept
    ("706000", "Prestations de formation", "0,00", "4000,00"),
    ("512000", "Banque", "4000,00", "0,00"),
]


@pytest.mark.parametrize("sep", ["\t", "|"])
def test_fec_tab_or_pipe_keeps_classes_6_and_7(sep):
    totals = parse_fec(fec(LINES, sep), start=FY[0], end=FY[1])
    assert set(totals) == {"6411000", "604000", "622600", "606000", "706000"}
    assert totals["6411000"].debit == D("1500.50")
    assert totals["606000"].credit == D("20.00")
    assert totals["706000"].credit == D("4000.00")


def test_a_malformed_line_is_refused_with_its_line_number():
    bad = [*LINES[:4], ("606000", "Fournitures", "trois cents", "20,00"), *LINES[5:]]
    raw = fec(bad)
    with pytest.raises(FecError) as exc:
        parse_fec(raw)
    assert exc.value.errors[0][0] == 6  # header is line 1, "606000" is line 6
    assert "le débit « trois cents » n'est pas un nombre" in exc.value.messages()[0]
    short = fec(LINES) + b"AC\tAchats\t13\n"
    with pytest.raises(FecError) as exc:
        parse_fec(short)
    assert exc.value.messages() == ["Ligne 10 : 3 champs au lieu de 18 (séparateur « tabulation »)."]


def test_fec_entry_outside_the_fiscal_year_and_bad_header():
    with pytest.raises(FecError) as exc:
        parse_fec(fec([("604000", "Achats", "1,00", "0,00", "20240102")]), start=FY[0], end=FY[1])
    assert "hors de l'exercice" in str(exc.value)
    with pytest.raises(FecError) as exc:
        parse_fec(b"a\tb\n1\t2\n")
    assert exc.value.errors[0][0] == 1


def test_fec_with_amount_and_sense_columns():
    raw = "CompteNum|CompteLib|EcritureDate|Montant|Sens\n6411|Salaires|20230101|10,00|D\n706|CA|20230101|50,00|C\n"
    totals = parse_fec(raw.encode())
    assert totals["6411"].debit == D("10.00") and totals["706"].credit == D("50.00")


def test_trial_balance_with_balance_column():
    raw = "Compte;Libellé;Solde\n6411;Salaires;1 000,00\n706;Ventes;2 000,00\n411;Clients;5,00\n".encode()
    totals = parse_trial_balance(raw)
    assert set(totals) == {"6411", "706"}
    assert totals["6411"].debit == D("1000.00") and totals["706"].credit == D("2000.00")
    assert read_accounts(raw)[1] == "balance"
    assert read_accounts(fec(LINES))[1] == "fec"


@pytest.mark.django_db
def test_import_applies_the_allocation_key_and_keeps_manual_lines():
    from tests.factories import OrganisationFactory

    fy = FiscalYear.objects.create(
        organisation=OrganisationFactory(), start=FY[0], end=FY[1], allocation_rate=D("0.5")
    )
    account_line_save(fiscal_year=fy, account="6180", label="Documentation", debit=D("40"))
    assert accounts_import(fiscal_year=fy, raw=fec(LINES), filename="FEC2023.txt") == 5
    line = AccountLine.objects.get(fiscal_year=fy, account="604000")
    line.training_share = D("1")  # purchases of training: all training
    line.save()
    figures = account_figures(fy)
    # charges × 0,5 except 604 at 100 %: (1500,50 + 100 + 280 + 40) × 0,5 + 200
    assert figures.charges == D("1160.25")
    assert figures.salaries == D("750.25")
    assert figures.purchases == D("250.00")
    assert figures.turnover == D("4000.00")  # the global turnover is not allocated
    # re-import keeps the manual line and the account's own share; a bad file changes nothing
    accounts_import(fiscal_year=fy, raw=fec(LINES), filename="FEC2023.txt")
    assert AccountLine.objects.get(fiscal_year=fy, account="604000").training_share == D("1")
    assert AccountLine.objects.filter(fiscal_year=fy, account="6180").exists()
    before = list(AccountLine.objects.filter(fiscal_year=fy).values_list("account", "debit"))
    with pytest.raises(FecError):
        accounts_import(fiscal_year=fy, raw=fec(LINES) + b"x\ty\n")
    assert list(AccountLine.objects.filter(fiscal_year=fy).values_list("account", "debit")) == before

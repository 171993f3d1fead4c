"""The parse stage of the interchange import, the BPF's data: fiscal years (with their account
lines) and the other products."""

from __future__ import annotations

from decimal import Decimal

from formarche.bpf.models import FiscalYear
from formarche.interchange.validation import Checker


def parse_fiscal_years(doc, c: Checker, existing_org) -> list:
    years = []
    for i, f in enumerate(c.arr(doc, "fiscal_years", "")):
        fp = f"/fiscal_years/{i}"
        start, end = c.day(f, "start", fp), c.day(f, "end", fp)
        if start and end and end <= start:
            c.add(f"{fp}/end", "la fin de l'exercice doit suivre son début.")
        for prev in years:
            if (
                start
                and end
                and prev["start"]
                and prev["end"]
                and start <= prev["end"]
                and end >= prev["start"]
            ):
                c.add(fp, "cet exercice chevauche un autre exercice du document.")
        if existing_org is not None and start and end:
            if FiscalYear.objects.filter(organisation=existing_org, start__lte=end, end__gte=start).exists():
                c.add(fp, "cet exercice chevauche un exercice déjà enregistré pour cet organisme.")
        accounts = _parse_accounts(f, fp, c)
        years.append(
            {
                "start": start,
                "end": end,
                "total_turnover": c.number(f, "total_turnover", fp, required=False, minimum=None),
                "training_charges": c.number(f, "training_charges", fp, required=False, minimum=None),
                "trainer_salaries": c.number(f, "trainer_salaries", fp, required=False, minimum=None),
                "training_purchases": c.number(f, "training_purchases", fp, required=False, minimum=None),
                "allocation_rate": c.number(
                    f, "allocation_rate", fp, required=False, places=6, maximum=Decimal(1)
                ),
                "accounts": accounts,
            }
        )
    return years


def _parse_accounts(f, fp: str, c: Checker) -> list:
    accounts = []
    seen_accounts = set()
    for j, a in enumerate(c.arr(f, "accounts", fp)):
        ap = f"{fp}/accounts/{j}"
        account = c.text(a, "account", ap, max_length=20)
        if account is not None and (not account.isdigit() or account[0] not in "67"):
            c.add(f"{ap}/account", f"« {account} » n'est pas un compte des classes 6 ou 7.")
        if account in seen_accounts:
            c.add(f"{ap}/account", f"le compte {account} figure deux fois.")
        seen_accounts.add(account)
        accounts.append(
            {
                "account": account,
                "label": c.text(a, "label", ap, required=False, max_length=200),
                "debit": c.number(a, "debit", ap, required=False) or Decimal(0),
                "credit": c.number(a, "credit", ap, required=False) or Decimal(0),
                "training_share": c.number(
                    a, "training_share", ap, required=False, places=6, maximum=Decimal(1)
                ),
                "source": c.choice(a, "source", ap, "account_source", required=False, default="saisie"),
            }
        )
    return accounts


def parse_products(doc, c: Checker, orders: dict) -> list:
    products = []
    for i, pr in enumerate(c.arr(doc, "other_products", "")):
        pp = f"/other_products/{i}"
        kind = c.choice(pr, "kind", pp, "product_kind")
        payer = c.choice(pr, "payer", pp, "payer", required=False) if pr.get("payer") else ""
        if kind == "training" and not payer:
            c.add(f"{pp}/payer", "un produit de formation doit indiquer son financeur (ligne C).")
        order = pr.get("order")
        if order is not None and order not in orders:
            c.add(f"{pp}/order", f"bon de commande « {order} » absent de /orders.")
        products.append(
            {
                "on": c.day(pr, "on", pp),
                "label": c.text(pr, "label", pp, max_length=200),
                "kind": kind,
                "other_kind": c.choice(pr, "other_kind", pp, "other_kind", required=False),
                "payer": payer,
                "amount": c.number(pr, "amount", pp, minimum=None),
                "order": order,
            }
        )
    return products

"""The parse stage of the interchange import, the invoices: historical records whose order is in
the document or already in formarche for this organisation; numbers are ``AAAA-NNNNN`` (the only
form whose counter can be continued). Then the check of the periods they land on."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from formarche.billing.models import SUPPORT_SOLDE, Invoice, InvoiceStatus, Period
from formarche.interchange import history
from formarche.interchange.credit_notes import parse_credit_notes
from formarche.interchange.validation import Checker
from formarche.orders.models import Order
from formarche.utils.money import CENT

NUMBER = re.compile(r"(\d{4})-(\d{5,9})")
MONTH = re.compile(r"\d{4}-\d{2}")
SUPPORTS = {"CRE", "CRE final", SUPPORT_SOLDE}


@dataclass
class _Context:
    """What every invoice of the document is checked against, and what the earlier ones set."""

    orders: dict
    existing_org: object
    db_orders: dict
    taken: set
    statuses: set = field(default_factory=lambda: set(InvoiceStatus.values))
    numbers: set = field(default_factory=set)
    live_periods: dict = field(default_factory=dict)
    finals: dict = field(default_factory=dict)


def parse_invoices(doc, c: Checker, orders: dict, existing_org) -> list:
    items = c.arr(doc, "invoices", "")
    if not items:
        return []
    wanted = {i.get("order") for i in items if isinstance(i, dict) and isinstance(i.get("order"), str)}
    db_orders = {
        o.number: o for o in Order.objects.filter(number__in=wanted - set(orders)).select_related("provider")
    }
    taken = set()
    if existing_org is not None:
        taken = set(
            Invoice.objects.filter(
                organisation=existing_org, number__in=[i.get("number") for i in items if isinstance(i, dict)]
            ).values_list("number", flat=True)
        )
    ctx = _Context(orders=orders, existing_org=existing_org, db_orders=db_orders, taken=taken)
    invoices = []
    for i, inv in enumerate(items):
        ip = f"/invoices/{i}"
        if not isinstance(inv, dict):
            c.add(ip, "doit être un objet.")
            continue
        invoices.append(_parse_invoice(i, inv, ip, c, ctx))
    _check_db_periods(invoices, c)
    history.check_invoices(items, invoices, orders, c)
    parse_credit_notes(items, invoices, c, existing_org, NUMBER)
    return invoices


def _parse_invoice(i: int, inv: dict, ip: str, c: Checker, ctx: _Context) -> dict:
    number, year, sequence = _number(inv, ip, c, ctx)
    order, db_order = _order(inv, ip, c, ctx)
    support = inv.get("support")
    if support not in SUPPORTS:
        c.add(
            f"{ip}/support",
            f"valeur « {support} » inconnue (valeurs possibles : CRE, CRE final, Solde).",
        )
        support = None
    raw_month = inv.get("period")
    month = _month(raw_month, support, ip, c)
    status = inv.get("status")
    if status not in ctx.statuses:
        allowed = ", ".join(sorted(ctx.statuses))
        c.add(f"{ip}/status", f"valeur « {status} » inconnue (valeurs possibles : {allowed}).")
        status = None
    issue_date = c.day(inv, "issue_date", ip)
    received_on = c.day(inv, "received_on", ip, required=False)
    if status not in (None, InvoiceStatus.ISSUED, InvoiceStatus.REJECTED) and received_on is None:
        c.add(f"{ip}/received_on", "date de réception obligatoire pour une facture signée ou au-delà.")
    amounts = {
        k: c.number(inv, k, ip) for k in ("billed_ht", "billed_ttc", "payable_ht", "vat", "payable_ttc")
    }
    if None not in amounts.values() and amounts["payable_ttc"] != amounts["payable_ht"] + amounts["vat"]:
        c.add(f"{ip}/payable_ttc", "le montant à payer TTC doit être égal au HT plus la TVA.")
    payments = _payments(inv, ip, c, status)
    if order is not None and support is not None and (month is not None or support == SUPPORT_SOLDE):
        _one_live_invoice(order, month, raw_month, support, status, number, ip, c, ctx)
    return {
        "index": i,
        "number": number,
        "year": year,
        "sequence": sequence,
        "order": order,
        "db_order": db_order,
        "month": month,
        "support": support,
        "status": status,
        "issue_date": issue_date,
        "received_on": received_on,
        "amounts": amounts,
        "payments": payments,
    }


def _number(inv: dict, ip: str, c: Checker, ctx: _Context) -> tuple:
    number = c.text(inv, "number", ip, max_length=30)
    year = sequence = None
    if number is not None:
        m = NUMBER.fullmatch(number)
        if m is None or int(m[2]) < 1 or number != f"{m[1]}-{int(m[2]):05d}":
            c.add(
                f"{ip}/number",
                f"« {number} » n'est pas un numéro formarche AAAA-NNNNN (par exemple 2023-00042) : "
                "formarche ne pourrait pas garantir que ses numéros suivants ne le reprennent pas.",
            )
        else:
            year, sequence = int(m[1]), int(m[2])
            if number in ctx.numbers:
                c.add(f"{ip}/number", f"la facture n° {number} figure deux fois.")
            elif number in ctx.taken:
                c.add(f"{ip}/number", f"la facture n° {number} existe déjà dans cet organisme.")
            ctx.numbers.add(number)
    return number, year, sequence


def _order(inv: dict, ip: str, c: Checker, ctx: _Context) -> tuple:
    order = c.text(inv, "order", ip, max_length=40)
    db_order = None
    if order is not None and order not in ctx.orders:
        db_order = ctx.db_orders.get(order)
        if db_order is None:
            c.add(f"{ip}/order", f"bon de commande « {order} » absent de /orders et de formarche.")
        elif ctx.existing_org is None or db_order.provider_id != ctx.existing_org.pk:
            c.add(f"{ip}/order", f"le bon de commande « {order} » appartient à un autre organisme.")
            db_order = None
    return order, db_order


def _month(raw_month, support, ip: str, c: Checker) -> date | None:
    if support == SUPPORT_SOLDE:
        if raw_month is not None:
            c.add(f"{ip}/period", "une facture de solde ne porte pas sur une période : null attendu.")
    elif raw_month is None:
        if support is not None:
            c.add(f"{ip}/period", "mois obligatoire (AAAA-MM) pour une facture de CRE.")
    elif not isinstance(raw_month, str) or not MONTH.fullmatch(raw_month):
        c.add(f"{ip}/period", f"« {raw_month} » n'est pas un mois AAAA-MM.")
    else:
        try:
            return date.fromisoformat(f"{raw_month}-01")
        except ValueError:
            c.add(f"{ip}/period", f"« {raw_month} » n'est pas un mois AAAA-MM valide.")
    return None


def _payments(inv: dict, ip: str, c: Checker, status) -> list:
    payments = []
    for j, pay in enumerate(c.arr(inv, "payments", ip)):
        pp = f"{ip}/payments/{j}"
        if not isinstance(pay, dict):
            c.add(pp, "doit être un objet.")
            continue
        payments.append(
            (
                c.day(pay, "date", pp),
                c.number(pay, "amount", pp, minimum=CENT),
                c.text(pay, "reference", pp, required=False, max_length=80),
            )
        )
    if payments and status not in (None, InvoiceStatus.PARTIALLY_PAID, InvoiceStatus.PAID):
        c.add(f"{ip}/payments", "seule une facture payée ou payée partiellement a des paiements.")
    return payments


def _one_live_invoice(order, month, raw_month, support, status, number, ip: str, c: Checker, ctx: _Context):
    """One invoice in progress per period (or solde) of an order; one final period per order."""
    key = (order, month)
    if status not in (None, InvoiceStatus.REJECTED):
        if key in ctx.live_periods:
            what = f"la période {raw_month}" if month is not None else "le solde"
            c.add(ip, f"{what} de « {order} » a déjà une facture en cours ({ctx.live_periods[key]}).")
        ctx.live_periods[key] = number
    if support == "CRE final":
        if ctx.finals.setdefault(order, month) != month:
            c.add(f"{ip}/period", f"« {order} » a déjà une période finale (CRE final) à un autre mois.")


def _check_db_periods(invoices: list, c: Checker) -> None:
    """Periods of orders already in formarche: reuse a validated one, refuse a clash."""
    db_keys = {(inv["db_order"].pk, inv["month"]) for inv in invoices if inv["db_order"] and inv["month"]}
    if not db_keys:
        return
    existing = {
        (p.order_id, p.month): p
        for p in Period.objects.filter(order_id__in={k[0] for k in db_keys}).prefetch_related("invoices")
    }
    for inv in invoices:
        i = inv["index"]
        if not (inv["db_order"] and inv["month"]):
            continue
        period = existing.get((inv["db_order"].pk, inv["month"]))
        if period is None:
            continue
        label = inv["month"].strftime("%Y-%m")
        if not period.is_validated:
            c.add(f"/invoices/{i}/period", f"la période {label} existe dans formarche et n'est pas validée.")
        elif inv["status"] != InvoiceStatus.REJECTED and any(
            x.status != InvoiceStatus.REJECTED for x in period.invoices.all()
        ):
            c.add(f"/invoices/{i}/period", f"la période {label} a déjà une facture en cours dans formarche.")

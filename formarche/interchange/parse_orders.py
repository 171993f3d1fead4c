"""The parse stage of the interchange import, first sections: the period, the organisation, the
Régions and the orders (with their market, lot, dispositif and billing history). Each function
reads its section through the checker's typed getters, which record why a value is refused."""

from __future__ import annotations

from decimal import Decimal

from formarche.interchange import history
from formarche.interchange.amendments import parse_amendments
from formarche.interchange.chorus import parse_chorus
from formarche.interchange.history.params import parse_billing_history
from formarche.interchange.validation import Checker
from formarche.orders.models import Order
from formarche.organisations.models import Organisation
from formarche.utils.money import CENT


def parse_organisation(doc, c: Checker, out: dict) -> bool:
    """The period and the organisation into ``out``; False when the document has no organisation."""
    period = c.obj(doc, "period", "")
    if period:
        start, end = c.day(period, "from", "/period"), c.day(period, "to", "/period")
        if start and end and end < start:
            c.add("/period/to", "la fin de la période précède son début.")
    org = c.obj(doc, "organisation", "")
    if org is None:
        return False
    p = "/organisation"
    out["organisation"] = {
        "provider_code": c.text(org, "code", p, max_length=20),
        "name": c.text(org, "name", p, max_length=200),
        **{
            k: c.text(org, k, p, required=False, max_length=n)
            for k, n in (
                ("legal_form", 80),
                ("siret", 14),
                ("nda", 11),
                ("naf_code", 6),
                ("address", 250),
                ("postcode", 10),
                ("city", 120),
                ("phone", 30),
                ("email", 254),
                ("director_name", 150),
                ("director_role", 100),
            )
        },
        "address_public": c.boolean(org, "address_public", p),
    }
    existing_org = Organisation.objects.filter(
        provider_code=out["organisation"]["provider_code"] or "\0"
    ).first()
    if existing_org is not None and not existing_org.is_of:
        c.add("/organisation/code", "ce code désigne une Région, pas un organisme de formation.")
    out["existing_org"] = existing_org
    return True


def parse_regions(doc, c: Checker) -> dict:
    regions = {}
    for i, r in enumerate(c.arr(doc, "regions", "")):
        rp = f"/regions/{i}"
        if not isinstance(r, dict):
            c.add(rp, "doit être un objet.")
            continue
        code = c.text(r, "code", rp, max_length=20)
        name = c.text(r, "name", rp, max_length=200)
        if code in regions:
            c.add(f"{rp}/code", f"la Région « {code} » figure deux fois.")
        regions[code] = name
    return regions


def parse_orders(doc, c: Checker, regions: dict) -> dict:
    """The orders by number, each checked against its dispositif and its billing history."""
    orders = {}
    numbers_in_db = set()
    order_list = c.arr(doc, "orders", "")
    wanted_numbers = [o.get("number") for o in order_list if isinstance(o, dict)]
    if wanted_numbers:
        numbers_in_db = set(Order.objects.filter(number__in=wanted_numbers).values_list("number", flat=True))
    for i, o in enumerate(order_list):
        parsed = _parse_order(o, f"/orders/{i}", c, regions, orders, numbers_in_db)
        if parsed is not None:
            orders[parsed["fields"]["number"]] = parsed
    existing_dispositifs = history.effective_dispositifs(orders)
    for entry in orders.values():
        key = (entry["region"], entry["dispositif"]["code"])
        history.verify_order(entry, entry["path"], c, existing_dispositifs.get(key))
    return orders


def _parse_order(o, op: str, c: Checker, regions: dict, orders: dict, numbers_in_db: set) -> dict | None:
    if not isinstance(o, dict):
        c.add(op, "doit être un objet.")
        return None
    number = c.text(o, "number", op, max_length=40)
    if number in orders:
        c.add(f"{op}/number", f"le bon de commande « {number} » figure deux fois.")
    if number in numbers_in_db:
        c.add(f"{op}/number", f"le bon de commande « {number} » existe déjà dans formarche.")
    region = c.text(o, "region", op, max_length=20)
    if region is not None and region not in regions:
        c.add(f"{op}/region", f"Région « {region} » absente de /regions.")
    market = c.obj(o, "market", op) or {}
    lot = c.obj(o, "lot", op) or {}
    disp = c.obj(o, "dispositif", op) or {}
    start, end = c.day(o, "planned_start", op), c.day(o, "planned_end", op)
    if start and end and end < start:
        c.add(f"{op}/planned_end", "la fin prévisionnelle précède le début.")
    sub_clean = _subcontracting(o, op, c)
    fields = _order_fields(o, op, c, number, start, end)
    return {
        "fields": fields,
        "region": region,
        "market": {
            "reference": c.text(market, "reference", f"{op}/market", max_length=60),
            "title": c.text(market, "title", f"{op}/market"),
            "year": c.integer(market, "year", f"{op}/market", required=False),
        },
        "lot": {
            "number": c.integer(lot, "number", f"{op}/lot", minimum=1),
            "sector": c.text(lot, "sector", f"{op}/lot", max_length=120),
            "trade_family": c.text(lot, "trade_family", f"{op}/lot", max_length=200),
            "territory": c.text(lot, "territory", f"{op}/lot", max_length=200),
            "pricing_unit": c.text(lot, "pricing_unit", f"{op}/lot", required=False, max_length=10) or "HSTA",
        },
        "dispositif": {
            "code": c.text(disp, "code", f"{op}/dispositif", max_length=60),
            "name": c.text(disp, "name", f"{op}/dispositif", max_length=150),
            "advance_rate": c.number(
                disp, "advance_rate", f"{op}/dispositif", required=False, places=6, maximum=Decimal(1)
            ),
            "cap_rate": c.number(
                disp, "cap_rate", f"{op}/dispositif", required=False, places=6, maximum=Decimal(1)
            ),
            "vat_rate": c.number(
                disp, "vat_rate", f"{op}/dispositif", required=False, places=6, maximum=Decimal(1)
            ),
            "resorption_bands": history.parse_bands(disp, f"{op}/dispositif", c),
            "billing_history": parse_billing_history(disp, f"{op}/dispositif", c),
        },
        "subcontracting": sub_clean,
        "history": history.parse_order_history(o, op, c),
        "amendments": parse_amendments(o, op, c, fields),  # ADR 0020, optional key
        "path": op,
    }


def _order_fields(o, op: str, c: Checker, number, start, end) -> dict:
    return {
        "number": number,
        "title": c.text(o, "title", op),
        "provider_role": c.choice(
            o, "provider_role", op, "provider_role", required=False, default="titulaire"
        ),
        "unit_price": c.number(o, "unit_price", op, places=4, minimum=Decimal("0.0001")),
        "amount": c.number(o, "amount", op, minimum=CENT),
        "planned_headcount": c.integer(o, "planned_headcount", op, required=False) or 0,
        "planned_start": start,
        "planned_end": end,
        "duration_months": c.integer(o, "duration_months", op, minimum=1),
        "certification_type": c.choice(o, "certification_type", op, "certification_type", required=False),
        "certification_code": c.text(o, "certification_code", op, required=False, max_length=20),
        "certification_level": c.choice(o, "certification_level", op, "certification_level", required=False),
        "nsf_code": c.text(o, "nsf_code", op, required=False, max_length=4),
        "training_kind": c.choice(
            o, "training_kind", op, "training_kind", required=False, default="formation"
        ),
        "distance_part": c.boolean(o, "distance_part", op),
        **parse_chorus(o, op, c),
    }


def _subcontracting(o: dict, op: str, c: Checker) -> dict | None:
    sub = o.get("subcontracting")
    sub_clean = None
    if sub is not None:
        if not isinstance(sub, dict):
            c.add(f"{op}/subcontracting", "doit être un objet ou null.")
        else:
            sp = f"{op}/subcontracting"
            sub_clean = {
                "direction": c.choice(sub, "direction", sp, "direction"),
                "partner_name": c.text(sub, "partner_name", sp, max_length=200),
                "partner_siret": c.text(sub, "partner_siret", sp, required=False, max_length=14),
            }
    return sub_clean

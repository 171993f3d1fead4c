"""Import an interchange document: everything is checked first (errors with JSON paths, in
French), then written in one transaction with ``bulk_create`` in batches. A refused document
writes nothing.

Rows created by bulk insertion have no django-simple-history record (the import itself is the
trace); later edits through the application are audited as usual.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from datetime import date
from decimal import Decimal

from django.db import transaction

from formarche.interchange import history
from formarche.interchange.validation import Checker, InterchangeError, _Stop, check_envelope

BATCH = 5000
MAX_DAY = Decimal(24)


def load_json(raw: bytes):
    try:
        return json.loads(raw, parse_float=Decimal)
    except UnicodeDecodeError as exc:
        raise InterchangeError([("", "le fichier n'est pas en UTF-8.")]) from exc
    except json.JSONDecodeError as exc:
        raise InterchangeError(
            [("", f"JSON invalide ligne {exc.lineno}, colonne {exc.colno} : {exc.msg}.")]
        ) from exc


def import_document(doc) -> dict:
    """Check then write; returns counts per section. Raises InterchangeError (nothing written)."""
    checker = Checker()
    try:
        check_envelope(doc, checker)
        parsed = _parse(doc, checker)
    except _Stop:
        parsed = None
    if checker.errors:
        raise InterchangeError(checker.errors)
    return _write(parsed)


# --------------------------------------------------------------------------------------------
# checking
# --------------------------------------------------------------------------------------------


def _parse(doc, c: Checker) -> dict:
    from formarche.orders.models import Order
    from formarche.organisations.models import Organisation

    out: dict = {}
    period = c.obj(doc, "period", "")
    if period:
        start, end = c.day(period, "from", "/period"), c.day(period, "to", "/period")
        if start and end and end < start:
            c.add("/period/to", "la fin de la période précède son début.")
    org = c.obj(doc, "organisation", "")
    if org is None:
        return out
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
    out["regions"] = regions

    # orders
    orders = {}
    numbers_in_db = set()
    order_list = c.arr(doc, "orders", "")
    wanted_numbers = [o.get("number") for o in order_list if isinstance(o, dict)]
    if wanted_numbers:
        numbers_in_db = set(Order.objects.filter(number__in=wanted_numbers).values_list("number", flat=True))
    for i, o in enumerate(order_list):
        op = f"/orders/{i}"
        if not isinstance(o, dict):
            c.add(op, "doit être un objet.")
            continue
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
        orders[number] = {
            "fields": {
                "number": number,
                "title": c.text(o, "title", op),
                "provider_role": c.choice(
                    o, "provider_role", op, "provider_role", required=False, default="titulaire"
                ),
                "unit_price": c.number(o, "unit_price", op, places=4, minimum=Decimal("0.0001")),
                "amount": c.number(o, "amount", op, minimum=Decimal("0.01")),
                "planned_headcount": c.integer(o, "planned_headcount", op, required=False) or 0,
                "planned_start": start,
                "planned_end": end,
                "duration_months": c.integer(o, "duration_months", op, minimum=1),
                "certification_type": c.choice(
                    o, "certification_type", op, "certification_type", required=False
                ),
                "certification_code": c.text(o, "certification_code", op, required=False, max_length=20),
                "certification_level": c.choice(
                    o, "certification_level", op, "certification_level", required=False
                ),
                "nsf_code": c.text(o, "nsf_code", op, required=False, max_length=4),
                "training_kind": c.choice(
                    o, "training_kind", op, "training_kind", required=False, default="formation"
                ),
                "distance_part": c.boolean(o, "distance_part", op),
            },
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
                "pricing_unit": c.text(lot, "pricing_unit", f"{op}/lot", required=False, max_length=10)
                or "HSTA",
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
            },
            "subcontracting": sub_clean,
            "history": history.parse_order_history(o, op, c),
            "path": op,
        }
    out["orders"] = orders
    existing_dispositifs = history.effective_dispositifs(orders)
    for entry in orders.values():
        key = (entry["region"], entry["dispositif"]["code"])
        history.verify_order(entry, entry["path"], c, existing_dispositifs.get(key))

    # trainees
    trainees = {}
    for i, t in enumerate(c.arr(doc, "trainees", "")):
        tp = f"/trainees/{i}"
        if not isinstance(t, dict):
            c.add(tp, "doit être un objet.")
            continue
        ref = c.text(t, "ref", tp, max_length=60)
        if ref in trainees:
            c.add(f"{tp}/ref", f"le stagiaire « {ref} » figure deux fois.")
        trainees[ref] = {
            "external_ref": ref,
            "civility": c.choice(t, "civility", tp, "civility"),
            "last_name": c.text(t, "last_name", tp, max_length=120),
            "first_name": c.text(t, "first_name", tp, max_length=120),
            "birth_date": c.day(t, "birth_date", tp),
            "entry_status": c.choice(t, "entry_status", tp, "entry_status"),
            "email": c.text(t, "email", tp, required=False, max_length=254),
            "phone": c.text(t, "phone", tp, required=False, max_length=30),
            "city": c.text(t, "city", tp, required=False, max_length=120),
        }
    if existing_org is not None and trainees:
        from formarche.trainees.models import Trainee

        taken = set(
            Trainee.objects.filter(organisation=existing_org, external_ref__in=list(trainees)).values_list(
                "external_ref", flat=True
            )
        )
        for i, t in enumerate(doc.get("trainees") or []):
            if isinstance(t, dict) and t.get("ref") in taken:
                c.add(f"/trainees/{i}/ref", f"le stagiaire « {t['ref']} » existe déjà dans cet organisme.")
    out["trainees"] = trainees

    # enrolments
    enrolments = {}
    pairs = set()
    for i, e in enumerate(c.arr(doc, "enrolments", "")):
        ep = f"/enrolments/{i}"
        if not isinstance(e, dict):
            c.add(ep, "doit être un objet.")
            continue
        ref = c.text(e, "ref", ep, max_length=60)
        if ref in enrolments:
            c.add(f"{ep}/ref", f"l'inscription « {ref} » figure deux fois.")
        trainee = c.text(e, "trainee", ep, max_length=60)
        order = c.text(e, "order", ep, max_length=40)
        if trainee is not None and trainee not in trainees:
            c.add(f"{ep}/trainee", f"stagiaire « {trainee} » absent de /trainees.")
        if order is not None and order not in orders:
            c.add(f"{ep}/order", f"bon de commande « {order} » absent de /orders.")
        if (trainee, order) in pairs:
            c.add(ep, "ce stagiaire est déjà inscrit sur cette action.")
        pairs.add((trainee, order))
        entry, exit_ = c.day(e, "entry_date", ep), c.day(e, "exit_date", ep, required=False)
        reason = c.choice(e, "exit_reason", ep, "exit_reason", required=False)
        if entry and exit_ and exit_ < entry:
            c.add(f"{ep}/exit_date", "la date de sortie précède la date d'entrée.")
        if exit_ and not reason:
            c.add(f"{ep}/exit_reason", "une sortie doit avoir un motif.")
        enrolments[ref] = {
            "trainee": trainee,
            "order": order,
            "entry_date": entry,
            "planned_hours": c.number(e, "planned_hours", ep),
            "payer": c.choice(e, "payer", ep, "payer"),
            "scheme": c.text(e, "scheme", ep, required=False, max_length=120),
            "exit_date": exit_,
            "exit_reason": reason or "",
        }
        enrolments[ref]["fundings"] = _fundings(e, ep, c, enrolments[ref])
    out["enrolments"] = enrolments

    # attendance: the big one — a tight loop with a fast path for well-formed rows; any doubt
    # goes through the checker's typed getters, which name the error
    rows = []
    seen = set()
    kinds = {"jour", "mois"}
    zero = Decimal(0)
    fromiso = date.fromisoformat
    for i, a in enumerate(c.arr(doc, "attendance", "")):
        try:
            ref = a["enrolment"]
            day_text = a["day"]
            day = fromiso(day_text) if len(day_text) == 10 else None
            kind = a.get("kind", "jour")
            realised = a["realised"]
            realised = Decimal(realised) if realised.__class__ is str else realised
            counted = a.get("counted_unrealised", zero)
            counted = Decimal(counted) if counted.__class__ is str else counted
            reason = a.get("reason", "")
            fast = (
                day is not None
                and ref in enrolments
                and kind in kinds
                and realised.__class__ is Decimal
                and counted.__class__ is Decimal
                and zero <= realised
                and zero <= counted
                and realised.as_tuple().exponent >= -2
                and counted.as_tuple().exponent >= -2
                and not reason
            )
        except (KeyError, TypeError, ValueError, AttributeError, ArithmeticError):
            fast = False
        if not fast:
            parsed = _attendance_slow(a, f"/attendance/{i}", enrolments, c)
            if parsed is None:
                continue
            ref, day, kind, realised, counted, reason = parsed
        if kind == "mois":
            if day.day != 1:
                c.add(f"/attendance/{i}/day", "un total mensuel est daté du premier jour du mois.")
        elif realised + counted > MAX_DAY:
            c.add(f"/attendance/{i}", "une journée ne peut pas compter plus de 24 heures.")
        key = (ref, day, kind)
        if key in seen:
            c.add(
                f"/attendance/{i}",
                f"l'inscription « {ref} » a déjà une ligne « {kind} » le {day.isoformat()}.",
            )
        seen.add(key)
        rows.append((ref, day, kind, realised, counted, reason))
    out["attendance"] = rows

    # trainers
    trainers = []
    refs = set()
    for i, t in enumerate(c.arr(doc, "trainers", "")):
        tp = f"/trainers/{i}"
        if not isinstance(t, dict):
            c.add(tp, "doit être un objet.")
            continue
        ref = c.text(t, "ref", tp, max_length=60)
        if ref in refs:
            c.add(f"{tp}/ref", f"le formateur « {ref} » figure deux fois.")
        refs.add(ref)
        statuses = []
        for j, s in enumerate(c.arr(t, "statuses", tp)):
            sp = f"{tp}/statuses/{j}"
            start, end = c.day(s, "start", sp), c.day(s, "end", sp, required=False)
            if start and end and end < start:
                c.add(f"{sp}/end", "la fin de la période précède son début.")
            statuses.append((start, end, c.choice(s, "status", sp, "trainer_status")))
        ordered = sorted((s for s in statuses if s[0]), key=lambda s: s[0])
        for prev, nxt in zip(ordered, ordered[1:], strict=False):
            if prev[1] is None or prev[1] >= nxt[0]:
                c.add(f"{tp}/statuses", "deux périodes de statut se chevauchent : une date n'a qu'un statut.")
                break
        hours = []
        for j, h in enumerate(c.arr(t, "hours", tp)):
            hp = f"{tp}/hours/{j}"
            day = c.day(h, "day", hp)
            kind = c.choice(h, "kind", hp, "attendance_kind", required=False, default="jour")
            if day and kind == "mois" and day.day != 1:
                c.add(f"{hp}/day", "un total mensuel est daté du premier jour du mois.")
            order = h.get("order")
            if order is not None and order not in orders:
                c.add(f"{hp}/order", f"bon de commande « {order} » absent de /orders.")
            hours.append((day, kind, c.number(h, "hours", hp), order))
        trainers.append(
            {
                "fields": {
                    "external_ref": ref,
                    "last_name": c.text(t, "last_name", tp, max_length=120),
                    "first_name": c.text(t, "first_name", tp, required=False, max_length=120),
                    "email": c.text(t, "email", tp, required=False, max_length=254),
                },
                "statuses": statuses,
                "hours": hours,
            }
        )
    out["trainers"] = trainers

    # fiscal years and accounts
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
            from formarche.bpf.models import FiscalYear

            if FiscalYear.objects.filter(organisation=existing_org, start__lte=end, end__gte=start).exists():
                c.add(fp, "cet exercice chevauche un exercice déjà enregistré pour cet organisme.")
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
    out["fiscal_years"] = years

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
    out["products"] = products
    out["invoices"] = _parse_invoices(doc, c, orders, existing_org)
    return out


def _fundings(e: dict, ep: str, c: Checker, enrolment: dict) -> list:
    """Co-fundings of an enrolment: ``[{payer, amount | hourly_rate, label}]``, under the rules of
    the enrolment page (``trainees.services.enrolment_funding_check``): another payer than the
    principal one, once each, a flat amount only with planned hours."""
    from formarche.trainees.services import enrolment_funding_check

    out = []
    payers: set = set()
    for j, f in enumerate(c.arr(e, "fundings", ep)):
        fp = f"{ep}/fundings/{j}"
        if not isinstance(f, dict):
            c.add(fp, "doit être un objet.")
            continue
        payer = c.choice(f, "payer", fp, "payer")
        amount = c.number(f, "amount", fp, required=False, minimum=Decimal("0.01"))
        rate = c.number(f, "hourly_rate", fp, required=False, places=4, minimum=Decimal("0.0001"))
        label = c.text(f, "label", fp, required=False, max_length=120)
        if (f.get("amount") is None) == (f.get("hourly_rate") is None):
            c.add(fp, "indiquez soit un montant forfaitaire (amount), soit un tarif horaire (hourly_rate).")
        elif None not in (payer, label) and (amount, rate) != (None, None):
            refusal = enrolment_funding_check(
                payer=payer,
                amount=amount,
                hourly_rate=rate,
                label=label,
                principal_payer=enrolment["payer"],
                planned_hours=enrolment["planned_hours"],
                other_payers=payers,
            )
            if refusal:
                c.add(fp, refusal[0].lower() + refusal[1:] if refusal[0] != "«" else refusal)
        payers.add(payer)
        out.append({"payer": payer, "amount": amount, "hourly_rate": rate, "label": label or ""})
    return out


NUMBER = re.compile(r"(\d{4})-(\d{5,9})")
MONTH = re.compile(r"\d{4}-\d{2}")


def _parse_invoices(doc, c: Checker, orders: dict, existing_org) -> list:
    """Invoices as historical records. Their order is in the document or already in formarche for
    this organisation; numbers are ``AAAA-NNNNN`` (the only form whose counter can be continued)."""
    from formarche.billing.models import (
        SUPPORT_SOLDE,
        Invoice,
        InvoiceStatus,
        Period,
    )
    from formarche.orders.models import Order

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
    statuses = set(InvoiceStatus.values)
    supports = {"CRE", "CRE final", SUPPORT_SOLDE}
    invoices = []
    numbers = set()
    live_periods: dict = {}
    finals: dict = {}
    for i, inv in enumerate(items):
        ip = f"/invoices/{i}"
        if not isinstance(inv, dict):
            c.add(ip, "doit être un objet.")
            continue
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
                if number in numbers:
                    c.add(f"{ip}/number", f"la facture n° {number} figure deux fois.")
                elif number in taken:
                    c.add(f"{ip}/number", f"la facture n° {number} existe déjà dans cet organisme.")
                numbers.add(number)
        order = c.text(inv, "order", ip, max_length=40)
        db_order = None
        if order is not None and order not in orders:
            db_order = db_orders.get(order)
            if db_order is None:
                c.add(f"{ip}/order", f"bon de commande « {order} » absent de /orders et de formarche.")
            elif existing_org is None or db_order.provider_id != existing_org.pk:
                c.add(f"{ip}/order", f"le bon de commande « {order} » appartient à un autre organisme.")
                db_order = None
        support = inv.get("support")
        if support not in supports:
            c.add(
                f"{ip}/support",
                f"valeur « {support} » inconnue (valeurs possibles : CRE, CRE final, Solde).",
            )
            support = None
        month = None
        raw_month = inv.get("period")
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
                month = date.fromisoformat(f"{raw_month}-01")
            except ValueError:
                c.add(f"{ip}/period", f"« {raw_month} » n'est pas un mois AAAA-MM valide.")
        status = inv.get("status")
        if status not in statuses:
            allowed = ", ".join(sorted(statuses))
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
        payments = []
        for j, pay in enumerate(c.arr(inv, "payments", ip)):
            pp = f"{ip}/payments/{j}"
            if not isinstance(pay, dict):
                c.add(pp, "doit être un objet.")
                continue
            payments.append(
                (
                    c.day(pay, "date", pp),
                    c.number(pay, "amount", pp, minimum=Decimal("0.01")),
                    c.text(pay, "reference", pp, required=False, max_length=80),
                )
            )
        if payments and status not in (None, InvoiceStatus.PARTIALLY_PAID, InvoiceStatus.PAID):
            c.add(f"{ip}/payments", "seule une facture payée ou payée partiellement a des paiements.")
        if order is not None and support is not None and (month is not None or support == SUPPORT_SOLDE):
            key = (order, month)
            if status not in (None, InvoiceStatus.REJECTED):
                if key in live_periods:
                    what = f"la période {raw_month}" if month is not None else "le solde"
                    c.add(ip, f"{what} de « {order} » a déjà une facture en cours ({live_periods[key]}).")
                live_periods[key] = number
            if support == "CRE final":
                if finals.setdefault(order, month) != month:
                    c.add(
                        f"{ip}/period", f"« {order} » a déjà une période finale (CRE final) à un autre mois."
                    )
        invoices.append(
            {
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
        )
    # periods of orders already in formarche: reuse a validated one, refuse a clash
    db_keys = {(inv["db_order"].pk, inv["month"]) for inv in invoices if inv["db_order"] and inv["month"]}
    if db_keys:
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
                c.add(
                    f"/invoices/{i}/period", f"la période {label} existe dans formarche et n'est pas validée."
                )
            elif inv["status"] != InvoiceStatus.REJECTED and any(
                x.status != InvoiceStatus.REJECTED for x in period.invoices.all()
            ):
                c.add(
                    f"/invoices/{i}/period", f"la période {label} a déjà une facture en cours dans formarche."
                )
    history.check_invoices(items, invoices, orders, c)
    return invoices


# --------------------------------------------------------------------------------------------
# writing
# --------------------------------------------------------------------------------------------


def _write(p: dict) -> dict:
    from django.db import connection

    if connection.vendor == "sqlite":
        # a large page cache: the attendance indexes of a big import do not fit in SQLite's default
        # 2 MB, and evicting pages turns the bulk insertion into random disk writes
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA cache_size = -262144")  # 256 MB, this connection only
    with transaction.atomic():
        return _write_rows(p)


def _write_rows(p: dict) -> dict:
    from formarche.bpf.models import (
        AccountLine,
        FiscalYear,
        OtherProduct,
        Subcontracting,
        Trainer,
        TrainerHours,
        TrainerStatusPeriod,
    )
    from formarche.orders.models import Dispositif, Lot, Market, Order
    from formarche.organisations.models import Organisation, OrganisationKind
    from formarche.trainees.models import Enrolment, EnrolmentFunding, Trainee, trainee_name_key

    org = p["existing_org"]
    if org is None:
        org = Organisation.objects.create(kind=OrganisationKind.OF, **p["organisation"])
    regions = {}
    for code, name in p["regions"].items():
        region = Organisation.objects.filter(provider_code=code, kind=OrganisationKind.REGION).first()
        regions[code] = region or Organisation.objects.create(
            kind=OrganisationKind.REGION, provider_code=code, name=name
        )
    orders = {}
    for number, o in p["orders"].items():
        region = regions[o["region"]]
        market, _ = Market.objects.get_or_create(
            region=region,
            reference=o["market"]["reference"],
            defaults={"title": o["market"]["title"], "year": o["market"]["year"]},
        )
        lot, _ = Lot.objects.get_or_create(
            market=market,
            number=o["lot"]["number"],
            defaults={k: v for k, v in o["lot"].items() if k != "number"},
        )
        d = o["dispositif"]
        defaults = {"name": d["name"]}
        if d["advance_rate"] is not None:
            defaults["advance_rate"] = d["advance_rate"]
        defaults["cap_rate"] = d["cap_rate"]
        if d["vat_rate"] is not None:
            defaults["vat_rate"] = d["vat_rate"]
        defaults["resorption_bands"] = d["resorption_bands"] or []
        dispositif, _ = Dispositif.objects.get_or_create(region=region, code=d["code"], defaults=defaults)
        h = o["history"]
        order = Order.objects.create(
            region=region,
            lot=lot,
            dispositif=dispositif,
            provider=org,
            status=h["status"],
            real_end=h["real_end"],
            advance_paid=h["advance_paid"],
            **o["fields"],
        )
        orders[number] = order
        if o["subcontracting"]:
            Subcontracting.objects.create(order=order, **o["subcontracting"])

    trainee_objs = []
    for t in p["trainees"].values():
        obj = Trainee(organisation=org, **t)
        obj.name_key = trainee_name_key(obj.last_name, obj.first_name) if hasattr(obj, "name_key") else ""
        trainee_objs.append(obj)
    Trainee.objects.bulk_create(trainee_objs, batch_size=BATCH)
    trainee_ids = dict(
        Trainee.objects.filter(organisation=org, external_ref__in=list(p["trainees"])).values_list(
            "external_ref", "pk"
        )
    )
    enrolment_objs = []
    refs = []
    for ref, e in p["enrolments"].items():
        refs.append(ref)
        enrolment_objs.append(
            Enrolment(
                trainee_id=trainee_ids[e["trainee"]],
                order=orders[e["order"]],
                entry_date=e["entry_date"],
                planned_hours=e["planned_hours"],
                payer=e["payer"],
                scheme=e["scheme"] or "",
                exit_date=e["exit_date"],
                exit_reason=e["exit_reason"],
            )
        )
    Enrolment.objects.bulk_create(enrolment_objs, batch_size=BATCH)
    if enrolment_objs and enrolment_objs[0].pk is None:  # backends without RETURNING
        by_pair = {
            (tid, oid): pk
            for pk, tid, oid in Enrolment.objects.filter(order__provider=org).values_list(
                "pk", "trainee_id", "order_id"
            )
        }
        enrolment_ids = {
            ref: by_pair[(obj.trainee_id, obj.order_id)]
            for ref, obj in zip(refs, enrolment_objs, strict=True)
        }
    else:
        enrolment_ids = {ref: obj.pk for ref, obj in zip(refs, enrolment_objs, strict=True)}

    funding_objs = [
        EnrolmentFunding(
            enrolment_id=enrolment_ids[ref],
            payer=f["payer"],
            amount=f["amount"],
            hourly_rate=f["hourly_rate"],
            label=f["label"],
        )
        for ref, e in p["enrolments"].items()
        for f in e["fundings"]
    ]
    EnrolmentFunding.objects.bulk_create(funding_objs, batch_size=BATCH)

    rows = p["attendance"]
    _insert_attendance(rows, enrolment_ids)

    n_hours = 0
    for t in p["trainers"]:
        trainer = Trainer.objects.create(organisation=org, **{k: v or "" for k, v in t["fields"].items()})
        TrainerStatusPeriod.objects.bulk_create(
            [TrainerStatusPeriod(trainer=trainer, start=s, end=e, status=st) for s, e, st in t["statuses"]]
        )
        TrainerHours.objects.bulk_create(
            [
                TrainerHours(trainer=trainer, day=d, kind=k, hours=h, order=orders.get(o) if o else None)
                for d, k, h, o in t["hours"]
            ],
            batch_size=BATCH,
        )
        n_hours += len(t["hours"])

    for f in p["fiscal_years"]:
        fy = FiscalYear.objects.create(
            organisation=org,
            start=f["start"],
            end=f["end"],
            total_turnover=f["total_turnover"],
            training_charges=f["training_charges"],
            trainer_salaries=f["trainer_salaries"],
            training_purchases=f["training_purchases"],
            allocation_rate=f["allocation_rate"] if f["allocation_rate"] is not None else Decimal(1),
            accounts_source="import formarche" if f["accounts"] else "",
        )
        AccountLine.objects.bulk_create(
            [AccountLine(fiscal_year=fy, **{**a, "label": a["label"] or ""}) for a in f["accounts"]]
        )
    OtherProduct.objects.bulk_create(
        [
            OtherProduct(
                organisation=org,
                on=pr["on"],
                label=pr["label"],
                kind=pr["kind"],
                other_kind=pr["other_kind"] or "",
                payer=pr["payer"],
                amount=pr["amount"],
                order=orders.get(pr["order"]) if pr["order"] else None,
            )
            for pr in p["products"]
        ]
    )
    written = history.write_history(p["orders"], orders)
    n_invoices, n_payments = _write_invoices(
        p["invoices"], org, orders, written["soldes"], written["periods"]
    )
    counts = defaultdict(int)
    counts.update(
        {
            "organisation": org.provider_code,
            "orders": len(orders),
            "trainees": len(trainee_objs),
            "enrolments": len(enrolment_objs),
            "attendance": len(rows),
            "trainers": len(p["trainers"]),
            "trainer_hours": n_hours,
            "fiscal_years": len(p["fiscal_years"]),
            "other_products": len(p["products"]),
            "fundings": len(funding_objs),
            "invoices": n_invoices,
            "payments": n_payments,
            **written["counts"],
        }
    )
    return dict(counts)


def _write_invoices(invoices: list, org, orders: dict, soldes: dict, periods: dict) -> tuple[int, int]:
    """Each invoice on its period (created validated, without a stored statement, when neither the
    document nor formarche has it) or on its solde, its payments and rejection, then the reissues
    linked to the invoices they replace, then every yearly counter raised to the highest number.

    Periods and soldes just written are reused (``periods``: (order number, month) → Period,
    ``soldes``: order number → Solde); those of orders already in formarche are read in one query
    each. Every kind is inserted by ``bulk_create`` in batches."""
    from formarche.billing.models import (
        SUPPORT_SOLDE,
        Invoice,
        InvoiceCounter,
        Payment,
        PaymentKind,
        Period,
        PeriodStatus,
        Rejection,
        Solde,
    )
    from formarche.billing.selectors import invoice_party_data
    from formarche.organisations.models import Organisation

    if not invoices:
        return 0, 0
    seller = invoice_party_data(org, seller=True)
    db_orders = {inv["db_order"].pk: inv["db_order"] for inv in invoices if inv["db_order"] is not None}
    periods = dict(periods)
    soldes = dict(soldes)
    if db_orders:
        numbers = {pk: o.number for pk, o in db_orders.items()}
        for period in Period.objects.filter(order_id__in=db_orders):
            periods.setdefault((numbers[period.order_id], period.month), period)
        for solde in Solde.objects.filter(order_id__in=db_orders):
            soldes.setdefault(numbers[solde.order_id], solde)
    # a period neither in the document's history nor in formarche: created validated, as the
    # first invoice on it describes it
    new_periods = []
    for inv in invoices:
        if inv["support"] == SUPPORT_SOLDE or (inv["order"], inv["month"]) in periods:
            continue
        period = Period(
            order=inv["db_order"] or orders[inv["order"]],
            month=inv["month"],
            status=PeriodStatus.VALIDATED,
            validated_at=history._noon(inv["issue_date"]),
            is_final=inv["support"] == "CRE final",
        )
        periods[inv["order"], inv["month"]] = period
        new_periods.append(period)
    history.bulk_insert(Period, new_periods)

    all_orders = {**{o.number: o for o in db_orders.values()}, **orders}
    regions = Organisation.objects.in_bulk({all_orders[inv["order"]].region_id for inv in invoices})
    buyers = {pk: invoice_party_data(region, seller=False) for pk, region in regions.items()}
    created: dict[str, Invoice] = {}
    payments = []
    rejections = []
    highest: dict[int, int] = {}
    for inv in invoices:
        order = all_orders[inv["order"]]
        solde = inv["support"] == SUPPORT_SOLDE
        created[inv["number"]] = invoice = Invoice(
            order=order,
            period=None if solde else periods[inv["order"], inv["month"]],
            solde=soldes[inv["order"]] if solde else None,
            organisation=org,
            year=inv["year"],
            sequence=inv["sequence"],
            number=inv["number"],
            support=inv["support"],
            status=inv["status"],
            issue_date=inv["issue_date"],
            received_on=inv["received_on"],
            decided_at=inv["decided_at"],
            seller=seller,
            buyer=buyers[order.region_id],
            **inv["amounts"],
        )
        payments += [
            Payment(
                order=order, invoice=invoice, kind=PaymentKind.INVOICE, date=d, amount=a, reference=r or ""
            )
            for d, a, r in inv["payments"]
        ]
        if inv["rejection"]:
            rejection = Rejection(invoice=invoice, reason=inv["rejection"]["reason"])
            when = inv["rejection"]["rejected_at"] or inv["decided_at"] or history._noon(inv["issue_date"])
            rejections.append((rejection, when))
        highest[inv["year"]] = max(highest.get(inv["year"], 0), inv["sequence"])
    history.bulk_insert(Invoice, list(created.values()))
    history.bulk_insert(Payment, payments)
    history.bulk_insert(Rejection, [rejection for rejection, _ in rejections])
    if rejections:
        # « rejetée le » is set to now on insertion (auto_now_add): the document's date replaces it
        for rejection, when in rejections:
            rejection.rejected_at = when
        Rejection.objects.bulk_update([r for r, _ in rejections], ["rejected_at"], batch_size=1000)
    reissues = []
    for inv in invoices:
        if inv["replaces"]:
            invoice = created[inv["number"]]
            invoice.replaces = created[inv["replaces"]]
            reissues.append(invoice)
    if reissues:
        Invoice.objects.bulk_update(reissues, ["replaces"], batch_size=1000)
    for year, last in highest.items():
        counter, _ = InvoiceCounter.objects.select_for_update().get_or_create(organisation=org, year=year)
        if counter.last_number < last:
            counter.last_number = last
            counter.save(update_fields=["last_number"])
    return len(invoices), len(payments)


def _insert_attendance(rows, enrolment_ids) -> None:
    """Attendance rows by ``executemany`` in batches: Django's ``bulk_create`` spends most of its
    time building SQL per object, far too slow for half a million rows. Columns come from the
    model (defaults of the fields we do not set are computed once), values are adapted by the
    backend's own adapters, so the rows are what ``bulk_create`` would have written."""
    from django.db import connection
    from django.utils import timezone

    from formarche.attendance.models import Attendance, AttendanceSource

    ops = connection.ops
    given = [
        "enrolment",
        "day",
        "kind",
        "realised_hours",
        "counted_unrealised_hours",
        "unrealised_reason",
        "source",
    ]
    fields = [f for f in Attendance._meta.concrete_fields if not f.primary_key]
    constant = {}
    now = timezone.now()
    for field in fields:
        if field.name in given:
            continue
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            value = now
        else:
            value = field.get_default()
        constant[field.name] = field.get_db_prep_save(value, connection)
    columns = [f.column for f in fields]
    table = connection.ops.quote_name(Attendance._meta.db_table)
    sql = "INSERT INTO {} ({}) VALUES ({})".format(
        table, ", ".join(ops.quote_name(c) for c in columns), ", ".join(["%s"] * len(columns))
    )
    names = [f.name for f in fields]
    adapt_day = ops.adapt_datefield_value
    source = AttendanceSource.IMPORT.value
    if connection.vendor == "postgresql":
        _copy_attendance(connection, table, columns, names, constant, rows, enrolment_ids, source)
        return
    with connection.cursor() as cursor:
        for i in range(0, len(rows), 20_000):
            batch = []
            for ref, day, kind, realised, counted, reason in rows[i : i + 20_000]:
                values = {
                    "enrolment": enrolment_ids[ref],
                    "day": adapt_day(day),
                    "kind": kind,
                    "realised_hours": realised,
                    "counted_unrealised_hours": counted,
                    "unrealised_reason": reason,
                    "source": source,
                }
                batch.append([values[n] if n in values else constant[n] for n in names])
            cursor.executemany(sql, batch)


def _attendance_slow(a, ap: str, enrolments, c: Checker):
    """One attendance row through the typed getters (precise errors), or None."""
    if not isinstance(a, dict):
        c.add(ap, "doit être un objet.")
        return None
    ref = a.get("enrolment")
    if ref not in enrolments:
        c.add(f"{ap}/enrolment", f"inscription « {ref} » absente de /enrolments.")
        return None
    day = c.day(a, "day", ap)
    kind = c.choice(a, "kind", ap, "attendance_kind", required=False, default="jour")
    realised = c.number(a, "realised", ap)
    counted = c.number(a, "counted_unrealised", ap, required=False) or Decimal(0)
    reason = c.choice(a, "reason", ap, "unrealised_reason", required=False) if a.get("reason") else ""
    if day is None or kind is None or realised is None or reason is None:
        return None
    return ref, day, kind, realised, counted, reason


def _copy_attendance(connection, table, columns, names, constant, rows, enrolment_ids, source) -> None:
    """PostgreSQL: COPY … FROM STDIN (psycopg 3), an order of magnitude faster than INSERTs."""
    ops = connection.ops
    sql = "COPY {} ({}) FROM STDIN".format(table, ", ".join(ops.quote_name(c) for c in columns))
    with connection.cursor() as cursor:
        with cursor.cursor.copy(sql) as copy:
            for ref, day, kind, realised, counted, reason in rows:
                values = {
                    "enrolment": enrolment_ids[ref],
                    "day": day,
                    "kind": kind,
                    "realised_hours": realised,
                    "counted_unrealised_hours": counted,
                    "unrealised_reason": reason,
                    "source": source,
                }
                copy.write_row([values[n] if n in values else constant[n] for n in names])

"""An order's billing history in the interchange format: the advance, the validated periods with
their frozen hours and statements (CRE / CRE final), the penalties and bonuses, the frozen solde
(VSF), and what links invoices to them (the solde, rejections, reissues).

Figures are never taken on trust: at import every statement is recomputed by the statement
engine (``billing.engine.compute_statements``) from the periods' frozen hours and the order's
terms, the solde by ``billing.engine.compute_solde`` from those statements and the penalties and
bonuses, and each invoice's amounts are compared with its statement or solde. A figure that
disagrees refuses the file, the error naming the field and both values. What is stored is the
engine's output (equal, figure for figure, to the document's).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from formarche.interchange.validation import Checker

STATEMENT_FIGURES = (
    "period_hours",
    "billable",
    "cap_regulation",
    "advance_repayment",
    "total_ht",
    "vat",
    "total_ttc",
    "already_paid",
)
SOLDE_FIGURES = (
    "amount_due",
    "bonus",
    "penalties",
    "advance",
    "instalments_paid",
    "total_paid",
    "balance_ht",
    "vat",
    "balance_ttc",
)
STATEMENT_KINDS = ("CRE", "CRE final")
LONG_TEXT = 5000


def month_of(parent, key: str, path: str, c: Checker, required: bool = True) -> date | None:
    """``AAAA-MM`` → the first day of the month, or None after recording an error."""
    value = parent.get(key)
    if value is None:
        if required:
            c.add(f"{path}/{key}", "mois obligatoire (AAAA-MM).")
        return None
    if not isinstance(value, str) or len(value) != 7 or value[4] != "-":
        c.add(f"{path}/{key}", f"« {value} » n'est pas un mois AAAA-MM.")
        return None
    try:
        return date.fromisoformat(f"{value}-01")
    except ValueError:
        c.add(f"{path}/{key}", f"« {value} » n'est pas un mois AAAA-MM valide.")
        return None


def _label(month: date) -> str:
    return month.strftime("%Y-%m")


def _noon(day: date) -> datetime:
    return datetime.combine(day, time(12), tzinfo=UTC)


# --------------------------------------------------------------------------------------------
# reading an order's history (shape only; the figures are checked by verify_order)
# --------------------------------------------------------------------------------------------


def parse_order_history(o: dict, op: str, c: Checker) -> dict:
    out: dict = {
        "status": c.choice(o, "status", op, "order_status", required=False, default="ouverte"),
        "real_end": c.day(o, "real_end", op, required=False),
        "advance_paid": c.boolean(o, "advance_paid", op, default=True),
        "advance": None,
        "periods": [],
        "adjustments": [],
        "solde": None,
    }
    advance = o.get("advance")
    if advance is not None:
        ap = f"{op}/advance"
        if not isinstance(advance, dict):
            c.add(ap, "doit être un objet ou null.")
        else:
            out["advance"] = {
                "date": c.day(advance, "date", ap),
                "amount": c.number(advance, "amount", ap, minimum=Decimal("0.01")),
                "reference": c.text(advance, "reference", ap, required=False, max_length=80) or "",
            }
    months: set = set()
    for j, p in enumerate(c.arr(o, "periods", op)):
        pp = f"{op}/periods/{j}"
        if not isinstance(p, dict):
            c.add(pp, "doit être un objet.")
            continue
        month = month_of(p, "month", pp, c)
        if month is not None:
            if month in months:
                c.add(f"{pp}/month", f"la période {_label(month)} figure deux fois.")
            months.add(month)
        statement = p.get("statement")
        st = None
        if statement is not None:
            sp = f"{pp}/statement"
            if not isinstance(statement, dict):
                c.add(sp, "doit être un objet ou null.")
            else:
                kind = statement.get("kind")
                if kind not in STATEMENT_KINDS:
                    c.add(f"{sp}/kind", f"valeur « {kind} » inconnue (valeurs possibles : CRE, CRE final).")
                st = {
                    "kind": kind,
                    **{k: c.number(statement, k, sp, minimum=None) for k in STATEMENT_FIGURES},
                }
        out["periods"].append(
            {
                "path": pp,
                "month": month,
                "is_final": c.boolean(p, "is_final", pp),
                "validated_at": c.moment(p, "validated_at", pp, required=False),
                "realised_hours": c.number(p, "realised_hours", pp),
                "counted_unrealised_hours": c.number(p, "counted_unrealised_hours", pp, required=False)
                or Decimal(0),
                "realised_correction_hours": c.number(
                    p, "realised_correction_hours", pp, required=False, minimum=None
                )
                or Decimal(0),
                "counted_unrealised_correction_hours": c.number(
                    p, "counted_unrealised_correction_hours", pp, required=False, minimum=None
                )
                or Decimal(0),
                "statement": st,
            }
        )
    finals = [p for p in out["periods"] if p["is_final"]]
    if len(finals) > 1:
        c.add(f"{finals[1]['path']}/is_final", "une action n'a qu'une période finale (CRE final).")
    for j, a in enumerate(c.arr(o, "adjustments", op)):
        ap = f"{op}/adjustments/{j}"
        if not isinstance(a, dict):
            c.add(ap, "doit être un objet.")
            continue
        out["adjustments"].append(
            {
                "kind": c.choice(a, "kind", ap, "adjustment_kind"),
                "label": c.text(a, "label", ap, max_length=200),
                "amount": c.number(a, "amount", ap, minimum=Decimal("0.01")),
                "reason": c.text(a, "reason", ap, max_length=LONG_TEXT),
                "created_at": c.moment(a, "created_at", ap, required=False),
            }
        )
    solde = o.get("solde")
    if solde is not None:
        sp = f"{op}/solde"
        if not isinstance(solde, dict):
            c.add(sp, "doit être un objet ou null.")
        else:
            out["solde"] = {
                "path": sp,
                "final_period": month_of(solde, "final_period", sp, c),
                "issued_on": c.day(solde, "issued_on", sp),
                **{k: c.number(solde, k, sp, minimum=None) for k in SOLDE_FIGURES},
                "is_repayment_order": c.boolean(solde, "is_repayment_order", sp),
                "repayment_received_on": c.day(solde, "repayment_received_on", sp, required=False),
                "repayment_reference": c.text(solde, "repayment_reference", sp, required=False, max_length=80)
                or "",
            }
            s = out["solde"]
            if s["repayment_received_on"] and not s["is_repayment_order"]:
                c.add(
                    f"{sp}/repayment_received_on",
                    "seul un ordre de reversement (solde négatif) a une date de reversement reçu.",
                )
            elif (
                s["repayment_received_on"] and s["issued_on"] and s["repayment_received_on"] < s["issued_on"]
            ):
                c.add(f"{sp}/repayment_received_on", "le reversement ne peut précéder l'émission du solde.")
    return out


def parse_bands(disp: dict, dp: str, c: Checker) -> list | None:
    """The dispositif's resorption bands ``[[de %, à %, fraction], …]`` as strings (empty: the
    default bands), or None after recording an error."""
    from formarche.orders.terms import parse_bands as to_bands

    raw = disp.get("resorption_bands")
    if raw is None:
        return []
    if not isinstance(raw, list) or not all(isinstance(b, list) and len(b) == 3 for b in raw):
        c.add(
            f"{dp}/resorption_bands",
            'liste de [de %, à %, fraction] attendue, par exemple [["10", "20", "1/3"]].',
        )
        return None
    if any(isinstance(x, bool) or not isinstance(x, str | int | Decimal) for b in raw for x in b):
        c.add(f"{dp}/resorption_bands", 'chaque valeur d\'une tranche est un texte, par exemple "1/3".')
        return None
    bands = [[str(x) for x in b] for b in raw]
    try:
        to_bands(bands)
    except ValueError as exc:
        c.add(f"{dp}/resorption_bands", str(exc))
        return None
    return bands


# --------------------------------------------------------------------------------------------
# recomputing: statements, solde
# --------------------------------------------------------------------------------------------


def effective_dispositifs(orders: dict) -> dict:
    """(region code, dispositif code) → the Dispositif already in formarche, which the import reuses."""
    from formarche.orders.models import Dispositif
    from formarche.organisations.models import OrganisationKind

    codes = {(o["region"], o["dispositif"]["code"]) for o in orders.values() if o["history"]["periods"]}
    if not codes:
        return {}
    found = Dispositif.objects.filter(
        region__kind=OrganisationKind.REGION,
        region__provider_code__in={r for r, _ in codes},
        code__in={d for _, d in codes},
    ).select_related("region")
    return {(d.region.provider_code, d.code): d for d in found}


def _fmt(value) -> str:
    if value is None:
        return "vide"
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


def _is(yes: bool) -> str:
    return "est" if yes else "n'est pas"


def _rate_text(value) -> str:
    return "vide" if value is None else format(Decimal(value).normalize(), "f")


def verify_order(entry: dict, op: str, c: Checker, existing_dispositif) -> None:
    """Recompute the order's statements and solde with the engine; record every disagreement.

    Stores ``entry["terms"]``, ``entry["statements"]`` ({month: engine.Statement}) and
    ``entry["engine_solde"]`` for the writing step."""
    from formarche.billing import engine

    history = entry["history"]
    periods = sorted((p for p in history["periods"] if p["month"] is not None), key=lambda p: p["month"])
    entry["statements"] = {}
    entry["engine_solde"] = None
    if not periods and history["solde"] is None:
        return
    fields = entry["fields"]
    disp = entry["dispositif"]
    dp = f"{op}/dispositif"
    params = {
        "advance_rate": disp["advance_rate"] if disp["advance_rate"] is not None else Decimal("0.30"),
        "cap_rate": disp["cap_rate"],
        "vat_rate": disp["vat_rate"] if disp["vat_rate"] is not None else Decimal(0),
        "resorption_bands": disp["resorption_bands"] or [],
    }
    if existing_dispositif is not None:
        stored = {
            "advance_rate": existing_dispositif.advance_rate,
            "cap_rate": existing_dispositif.cap_rate,
            "vat_rate": existing_dispositif.vat_rate,
            "resorption_bands": [[str(x) for x in b] for b in existing_dispositif.resorption_bands or []],
        }
        for name, value in stored.items():
            given = params[name]
            same = (
                given == value
                if name == "resorption_bands"
                else (given is None) == (value is None) and (given is None or Decimal(given) == value)
            )
            if not same:
                shown = (lambda v: str(v)) if name == "resorption_bands" else _rate_text
                c.add(
                    f"{dp}/{name}",
                    f"le dispositif « {disp['code']} » existe déjà dans formarche pour cette Région avec "
                    f"{name} = {shown(value)} ; le document indique {shown(given)}. Les relevés de l'action "
                    "en dépendent : harmonisez le dispositif avant d'importer.",
                )
        if any(path.startswith(f"{dp}/") for path, _ in c.errors):
            return  # the figures would all differ: the parameters are the one error to fix
        params = stored
    if (
        None in (fields["amount"], fields["unit_price"], fields["duration_months"])
        or disp["resorption_bands"] is None
    ):
        return  # already reported
    from formarche.orders.terms import parse_bands

    try:
        terms = engine.OrderTerms(
            amount=fields["amount"],
            unit_price=fields["unit_price"],
            duration_months=fields["duration_months"],
            vat_rate=Decimal(params["vat_rate"]),
            advance_rate=Decimal(params["advance_rate"]) if history["advance_paid"] else Decimal(0),
            cap_rate=None if params["cap_rate"] is None else Decimal(params["cap_rate"]),
            resorption_bands=parse_bands(params["resorption_bands"]),
        )
    except engine.EngineInputError as exc:
        c.add(op, f"conditions de facturation que le moteur refuse ({exc.field}) : {exc.reason}.")
        return
    entry["terms"] = terms
    for p in periods[:-1]:
        if p["is_final"]:
            c.add(
                f"{p['path']}/is_final",
                f"la période finale (CRE final) est la dernière de l'action ; {_label(periods[-1]['month'])} la suit.",
            )
            return
    # every validated period enters the engine with its frozen hours, as when formarche validated
    # them (a period imported without statement by an older file counts with its hours, zero);
    # the statements the document gives are compared
    if any(p[k] is None for p in periods for k in ("realised_hours", "counted_unrealised_hours")) or any(
        v is None for p in periods if p["statement"] for v in p["statement"].values()
    ):
        return  # already reported
    if periods:
        try:
            computed = engine.compute_statements(
                terms,
                [
                    engine.PeriodInput(
                        period=p["month"],
                        realised_hours=p["realised_hours"],
                        counted_unrealised_hours=p["counted_unrealised_hours"],
                        final=p["is_final"],
                    )
                    for p in periods
                ],
            )
        except engine.EngineInputError as exc:
            c.add(f"{op}/periods", f"le moteur de calcul refuse ces périodes ({exc.field}) : {exc.reason}.")
            return
        with_statement = [(p, st) for p, st in zip(periods, computed, strict=True) if p["statement"]]
        for p, st in with_statement:
            sp = f"{p['path']}/statement"
            given = p["statement"]
            if given["kind"] != str(st.kind):
                c.add(
                    f"{sp}/kind",
                    f"la période {_is(p['is_final'])} finale : son relevé est un "
                    f"« {st.kind} », le document indique « {given['kind']} ».",
                )
            for name in STATEMENT_FIGURES:
                if given[name] != getattr(st, name):
                    c.add(
                        f"{sp}/{name}",
                        f"le relevé recalculé par formarche donne {_fmt(getattr(st, name))}, le document "
                        f"indique {_fmt(given[name])}.",
                    )
            entry["statements"][p["month"]] = st
    solde = history["solde"]
    if solde is None:
        return
    sp = solde["path"]
    final = periods[-1] if periods and periods[-1]["is_final"] else None
    if final is None:
        c.add(
            f"{sp}/final_period",
            "le solde suppose une période finale (CRE final) : aucune période de l'action n'est finale.",
        )
        return
    if solde["final_period"] is not None and solde["final_period"] != final["month"]:
        c.add(
            f"{sp}/final_period",
            f"la période finale de l'action est {_label(final['month'])}, le document indique "
            f"{_label(solde['final_period'])}.",
        )
        return
    missing = [_label(p["month"]) for p in periods if p["statement"] is None]
    if missing:
        c.add(
            f"{sp}/final_period",
            "le solde se calcule sur les relevés (CRE) de toutes les périodes de l'action ; "
            f"{', '.join(missing)} n'en {'a' if len(missing) == 1 else 'ont'} pas.",
        )
        return
    bonus = sum(
        (a["amount"] for a in history["adjustments"] if a["kind"] == "bonus" and a["amount"]), Decimal(0)
    )
    penalties = sum(
        (a["amount"] for a in history["adjustments"] if a["kind"] == "penalite" and a["amount"]), Decimal(0)
    )
    statements = [entry["statements"][p["month"]] for p in periods if p["month"] in entry["statements"]]
    if len(statements) != len(periods):
        return  # a statement was refused above
    try:
        computed_solde = engine.compute_solde(terms, statements, bonus=bonus, penalties=penalties)
    except engine.EngineInputError as exc:
        c.add(sp, f"le moteur de calcul refuse ce solde ({exc.field}) : {exc.reason}.")
        return
    for name in SOLDE_FIGURES:
        if solde[name] is not None and solde[name] != getattr(computed_solde, name):
            origin = " (somme des pénalités et bonus de l'action)" if name in ("bonus", "penalties") else ""
            c.add(
                f"{sp}/{name}",
                f"le solde recalculé par formarche donne {_fmt(getattr(computed_solde, name))}{origin}, "
                f"le document indique {_fmt(solde[name])}.",
            )
    if solde["is_repayment_order"] != computed_solde.is_repayment_order:
        c.add(
            f"{sp}/is_repayment_order",
            f"le solde recalculé {_is(computed_solde.is_repayment_order)} un ordre de "
            f"reversement (solde HT {_fmt(computed_solde.balance_ht)}), le document indique "
            f"{_fmt(solde['is_repayment_order'])}.",
        )
    entry["engine_solde"] = computed_solde


def solde_invoice_amounts(solde, cumulative_billable: Decimal, vat_percent: Decimal) -> dict:
    """The amounts of the « Solde » invoice of ``solde`` (an engine.Solde or a Solde row), as
    ``billing.services`` issues it: « montant facturé » = what the solde adds to the CRE / CREF
    facturable amounts, « montant à payer » = the solde itself."""
    from formarche.utils.money import ZERO, round_cents

    added = max(ZERO, solde.amount_due + solde.bonus - solde.penalties - cumulative_billable)
    return {
        "billed_ht": added,
        "billed_ttc": added + round_cents(added * vat_percent / 100),
        "payable_ht": solde.balance_ht,
        "vat": solde.vat,
        "payable_ttc": solde.balance_ttc,
    }


# --------------------------------------------------------------------------------------------
# invoices: their statement or solde, rejection, reissue
# --------------------------------------------------------------------------------------------


def check_invoices(items: list, invoices: list, orders: dict, c: Checker) -> None:
    """Links of the parsed invoices (``invoices[k]["index"]`` is the position in ``items``)."""
    from formarche.billing.models import SUPPORT_SOLDE, InvoiceStatus, Solde
    from formarche.utils.money import ZERO

    db_soldes = {
        s.order_id: s
        for s in Solde.objects.filter(
            order_id__in={inv["db_order"].pk for inv in invoices if inv["db_order"] is not None}
        ).prefetch_related("invoices")
    }
    by_number = {inv["number"]: inv for inv in invoices if inv["number"]}
    replaced: dict = {}
    for inv in invoices:
        ip = f"/invoices/{inv['index']}"
        raw = items[inv["index"]]
        entry = orders.get(inv["order"]) if inv["db_order"] is None else None
        expected = None
        if inv["support"] == SUPPORT_SOLDE and (entry is not None or inv["db_order"] is not None):
            solde = balance = None
            if entry is not None:
                solde = entry["history"]["solde"]
                engine_solde = entry.get("engine_solde")
                if engine_solde is not None:
                    last = entry["statements"][max(entry["statements"])]
                    expected = solde_invoice_amounts(engine_solde, last.cumulative_billable, last.vat_rate)
                    balance = engine_solde.balance_ttc
            else:
                solde = db_soldes.get(inv["db_order"].pk)
                if solde is not None:
                    expected = solde_invoice_amounts(
                        solde,
                        Decimal(solde.data["cumulative_billable"]),
                        Decimal(solde.data.get("vat_rate_percent", "0")),
                    )
                    balance = solde.balance_ttc
                    if inv["status"] != InvoiceStatus.REJECTED and any(
                        x.status != InvoiceStatus.REJECTED for x in solde.invoices.all()
                    ):
                        c.add(
                            ip, f"le solde de « {inv['order']} » a déjà une facture en cours dans formarche."
                        )
            if solde is None:
                where = f"{entry['path']}/solde" if entry is not None else "formarche"
                c.add(
                    f"{ip}/support",
                    f"facture de solde sans solde : l'action « {inv['order']} » n'a pas de solde (VSF) figé "
                    f"dans {where} ; une facture de solde ne s'importe qu'avec le solde qu'elle facture.",
                )
            elif balance is not None and balance <= ZERO:
                c.add(
                    f"{ip}/support",
                    f"le solde de « {inv['order']} » est de {_fmt(balance)} € : "
                    + (
                        "c'est un ordre de reversement (titre de reversement), pas une facture."
                        if balance < ZERO
                        else "il n'y a rien à facturer."
                    ),
                )
                expected = None
        elif entry is not None and inv["month"] is not None and entry["history"]["periods"]:
            period = next((p for p in entry["history"]["periods"] if p["month"] == inv["month"]), None)
            if period is None:
                c.add(
                    f"{ip}/period",
                    f"la période {_label(inv['month'])} n'est pas dans {entry['path']}/periods.",
                )
            else:
                if (inv["support"] == "CRE final") != period["is_final"]:
                    c.add(
                        f"{ip}/support",
                        f"la période {_label(inv['month'])} {_is(period['is_final'])} "
                        f"finale : sa facture est « {'CRE final' if period['is_final'] else 'CRE'} », le "
                        f"document indique « {inv['support']} ».",
                    )
                st = entry["statements"].get(inv["month"])
                if st is not None:
                    expected = {
                        "billed_ht": st.billable,
                        "billed_ttc": sum((line.ttc for line in st.providers), ZERO),
                        "payable_ht": st.total_ht,
                        "vat": st.vat,
                        "payable_ttc": st.total_ttc,
                    }
        if expected is not None:
            origin = "le solde" if inv["support"] == SUPPORT_SOLDE else "le relevé de la période"
            for name, value in expected.items():
                given = inv["amounts"].get(name)
                if given is not None and given != value:
                    c.add(
                        f"{ip}/{name}",
                        f"{origin} recalculé par formarche donne {_fmt(value)}, la facture indique {_fmt(given)}.",
                    )
        # the Région's decision and the rejection
        inv["decided_at"] = c.moment(raw, "decided_at", ip, required=False)
        rejection = raw.get("rejection")
        inv["rejection"] = None
        if rejection is not None:
            rp = f"{ip}/rejection"
            if not isinstance(rejection, dict):
                c.add(rp, "doit être un objet ou null.")
            elif inv["status"] not in (None, InvoiceStatus.REJECTED):
                c.add(rp, "seule une facture rejetée (status « rejetee ») a un rejet.")
            else:
                inv["rejection"] = {
                    "reason": c.text(rejection, "reason", rp, max_length=LONG_TEXT),
                    "rejected_at": c.moment(rejection, "rejected_at", rp, required=False),
                }
        # reissue: the invoice replaces a rejected one of the same period (or of the same solde)
        target = raw.get("replaces")
        inv["replaces"] = None
        if target is not None:
            old = by_number.get(target) if isinstance(target, str) else None
            if old is None:
                c.add(f"{ip}/replaces", f"la facture remplacée « {target} » est absente de /invoices.")
            elif old is inv:
                c.add(f"{ip}/replaces", "une facture ne se remplace pas elle-même.")
            elif old["status"] != InvoiceStatus.REJECTED:
                c.add(
                    f"{ip}/replaces",
                    f"la facture n° {target} n'est pas rejetée : elle ne peut être remplacée.",
                )
            elif (old["order"], old["month"], old["support"] == SUPPORT_SOLDE) != (
                inv["order"],
                inv["month"],
                inv["support"] == SUPPORT_SOLDE,
            ):
                c.add(
                    f"{ip}/replaces",
                    f"la facture n° {target} porte sur une autre action ou une autre période : une facture "
                    "ne remplace que la facture rejetée de sa période (ou de son solde).",
                )
            elif target in replaced:
                c.add(
                    f"{ip}/replaces",
                    f"la facture n° {target} est déjà remplacée par la n° {replaced[target]}.",
                )
            else:
                replaced[target] = inv["number"]
                inv["replaces"] = target


# --------------------------------------------------------------------------------------------
# writing
# --------------------------------------------------------------------------------------------


def bulk_insert(model, objs: list, batch_size: int = 1000) -> list:
    """``bulk_create`` in batches, the primary keys set on ``objs`` (SQLite ≥ 3.35 and PostgreSQL
    return them). No signal is sent, so django-simple-history writes no record: the import is the
    trace (docs/interchange.md)."""
    from django.db import connection

    if not objs:
        return objs
    if not connection.features.can_return_rows_from_bulk_insert:
        raise RuntimeError("l'import suppose une base qui renvoie les clés des insertions groupées.")
    model.objects.bulk_create(objs, batch_size=batch_size)
    return objs


def write_history(parsed_orders: dict, orders: dict) -> dict:
    """Advance payments, periods and their statements, penalties and bonuses, soldes, for the
    orders just created (``orders``: number → Order), each kind inserted by ``bulk_create`` in
    batches. Returns {number: Solde}, {(order number, month): Period} and counts."""
    from formarche.billing import engine
    from formarche.billing.models import (
        Adjustment,
        Payment,
        PaymentKind,
        Period,
        PeriodStatus,
        Solde,
        Statement,
    )
    from formarche.billing.selectors import solde_frozen_data

    advances = []
    periods: dict = {}  # (order number, month) → Period
    adjustments: dict = {}  # order number → [Adjustment]
    dated = []  # (Adjustment, created_at given by the document)
    for number, entry in parsed_orders.items():
        history = entry["history"]
        order = orders[number]
        if history["advance"]:
            a = history["advance"]
            advances.append(
                Payment(
                    order=order,
                    kind=PaymentKind.ADVANCE,
                    date=a["date"],
                    amount=a["amount"],
                    reference=a["reference"],
                )
            )
        for p in sorted(history["periods"], key=lambda p: p["month"]):
            validated_at = p["validated_at"] or _noon(
                (p["month"].replace(day=28) + timedelta(days=4)).replace(day=1)
            )
            periods[number, p["month"]] = Period(
                order=order,
                month=p["month"],
                status=PeriodStatus.VALIDATED,
                is_final=p["is_final"],
                validated_at=validated_at,
                realised_hours=p["realised_hours"],
                counted_unrealised_hours=p["counted_unrealised_hours"],
                realised_correction_hours=p["realised_correction_hours"],
                counted_unrealised_correction_hours=p["counted_unrealised_correction_hours"],
            )
        rows = adjustments[number] = []
        for a in history["adjustments"]:
            row = Adjustment(
                order=order, kind=a["kind"], label=a["label"], amount=a["amount"], reason=a["reason"]
            )
            rows.append(row)
            if a["created_at"] is not None:
                dated.append((row, a["created_at"]))
    bulk_insert(Payment, advances)
    bulk_insert(Period, list(periods.values()))
    bulk_insert(
        Statement,
        [
            Statement.from_engine(periods[number, month], st)
            for number, entry in parsed_orders.items()
            for month, st in sorted(entry["statements"].items())
        ],
    )
    bulk_insert(Adjustment, [row for rows in adjustments.values() for row in rows])
    if dated:
        # « saisie le » is set to now on insertion (auto_now_add): the document's date replaces it
        for row, when in dated:
            row.created_at = when
        Adjustment.objects.bulk_update([row for row, _ in dated], ["created_at"], batch_size=1000)
    soldes = {}
    for number, entry in parsed_orders.items():
        solde: engine.Solde | None = entry.get("engine_solde")
        if solde is None:
            continue
        order = orders[number]
        s = entry["history"]["solde"]
        statements = [entry["statements"][m] for m in sorted(entry["statements"])]
        soldes[number] = Solde(
            order=order,
            final_period=periods[number, s["final_period"]],
            amount_due=solde.amount_due,
            bonus=solde.bonus,
            penalties=solde.penalties,
            advance=solde.advance,
            instalments_paid=solde.instalments_paid,
            total_paid=solde.total_paid,
            balance_ht=solde.balance_ht,
            vat=solde.vat,
            balance_ttc=solde.balance_ttc,
            is_repayment_order=solde.is_repayment_order,
            data=solde_frozen_data(order, solde, statements, adjustments[number], statements[-1].vat_rate),
            issued_on=s["issued_on"],
            repayment_received_on=s["repayment_received_on"],
            repayment_reference=s["repayment_reference"],
        )
    bulk_insert(Solde, list(soldes.values()))
    counts = {
        "periods": len(periods),
        "adjustments": sum(len(rows) for rows in adjustments.values()),
        "soldes": len(soldes),
        "advances": len(advances),
    }
    return {"soldes": soldes, "periods": periods, "counts": counts}

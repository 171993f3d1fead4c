"""Avenants in the interchange format (ADR 0020): the optional key ``amendments`` of an order —
a list, n° 1 first, each with its effective date, reason and the terms before and after. A
document without it is an order without avenant (older documents import as before).

At import the chain is checked (numbers 1, 2…, dates in order, each « avant » equal to the
previous « après », the last « après » equal to the order's terms) and the statements are
recomputed on the initial terms with the avenants' steps, exactly as formarche computed them."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from formarche.billing import engine
from formarche.interchange.export_rows import _when
from formarche.interchange.validation import Checker
from formarche.orders.models import Amendment
from formarche.utils.money import CENT

_TERMS = ("amount", "unit_price", "planned_end", "duration_months")
LONG_TEXT = 5000  # as history.parse (not imported: history.verify imports this module)


def _money(value) -> str:
    return format(value, "f")


def amendment_rows(order_ids) -> dict[int, list[dict]]:
    """Export: ``{order_id: [avenant, …]}`` — one query."""
    rows = defaultdict(list)
    for a in Amendment.objects.filter(order_id__in=order_ids).order_by("order_id", "number"):
        rows[a.order_id].append(
            {
                "number": a.number,
                "effective_date": a.effective_date.isoformat(),
                "reason": a.reason,
                "amount_before": _money(a.amount_before),
                "amount_after": _money(a.amount_after),
                "unit_price_before": _money(a.unit_price_before),
                "unit_price_after": _money(a.unit_price_after),
                "planned_end_before": a.planned_end_before.isoformat(),
                "planned_end_after": a.planned_end_after.isoformat(),
                "duration_months_before": a.duration_months_before,
                "duration_months_after": a.duration_months_after,
                "created_at": _when(a.created_at),
            }
        )
    return rows


def with_amendments(row: dict, amendments: list | None) -> dict:
    """The order's row with its ``amendments`` key, only when it has avenants."""
    if amendments:
        row["amendments"] = amendments
    return row


def _one(a, ap: str, c: Checker) -> dict | None:
    if not isinstance(a, dict):
        c.add(ap, "doit être un objet.")
        return None
    return {
        "number": c.integer(a, "number", ap, minimum=1),
        "effective_date": c.day(a, "effective_date", ap),
        "reason": c.text(a, "reason", ap, max_length=LONG_TEXT),
        "amount_before": c.number(a, "amount_before", ap, minimum=CENT),
        "amount_after": c.number(a, "amount_after", ap, minimum=CENT),
        "unit_price_before": c.number(a, "unit_price_before", ap, places=4, minimum=CENT / 100),
        "unit_price_after": c.number(a, "unit_price_after", ap, places=4, minimum=CENT / 100),
        "planned_end_before": c.day(a, "planned_end_before", ap),
        "planned_end_after": c.day(a, "planned_end_after", ap),
        "duration_months_before": c.integer(a, "duration_months_before", ap, minimum=1),
        "duration_months_after": c.integer(a, "duration_months_after", ap, minimum=1),
        "created_at": c.moment(a, "created_at", ap, required=False),
        "path": ap,
    }


def parse_amendments(o: dict, op: str, c: Checker, fields: dict) -> list[dict]:
    """Import: the order's avenants, shape and chain checked (errors recorded in French)."""
    parsed = []
    for j, a in enumerate(c.arr(o, "amendments", op)):
        one = _one(a, f"{op}/amendments/{j}", c)
        if one is not None:
            parsed.append(one)
    if any(None in (a[k] for k in a if k not in ("created_at",)) for a in parsed):
        return parsed  # already reported
    previous = None
    for index, a in enumerate(parsed, start=1):
        ap = a["path"]
        if a["number"] != index:
            c.add(f"{ap}/number", f"les avenants sont numérotés 1, 2… dans l'ordre : attendu {index}.")
        if previous is not None:
            if a["effective_date"] < previous["effective_date"]:
                c.add(f"{ap}/effective_date", "un avenant ne peut pas prendre effet avant le précédent.")
            for term in _TERMS:
                if a[f"{term}_before"] != previous[f"{term}_after"]:
                    c.add(
                        f"{ap}/{term}_before",
                        f"« avant » ({a[f'{term}_before']}) diffère de l'« après » de l'avenant "
                        f"n° {previous['number']} ({previous[f'{term}_after']}).",
                    )
        previous = a
    if previous is not None:
        for term in _TERMS:
            if fields.get(term) is not None and previous[f"{term}_after"] != fields[term]:
                c.add(
                    f"{previous['path']}/{term}_after",
                    f"le dernier avenant donne {previous[f'{term}_after']}, l'action indique {fields[term]} : "
                    "les conditions de l'action sont celles du dernier avenant.",
                )
    return parsed


def amended_terms(terms: engine.OrderTerms, amendments: list[dict]) -> engine.OrderTerms:
    """The order's terms for the engine, from the current ones (the order's fields) and its
    avenants: the initial terms (the first « avant ») and one step per month (the last of a
    month wins), as ``orders.terms.order_terms`` builds them."""
    if not amendments or any(
        a[k] is None
        for a in amendments
        for k in ("number", "effective_date", "amount_before", "unit_price_before", "duration_months_before")
        + ("amount_after", "unit_price_after", "duration_months_after")
    ):
        return terms  # none, or already reported
    first = amendments[0]
    steps: dict[date, engine.TermsAmendment] = {}
    for a in amendments:
        month = a["effective_date"].replace(day=1)
        steps[month] = engine.TermsAmendment(
            number=a["number"],
            from_period=month,
            amount=a["amount_after"],
            unit_price=a["unit_price_after"],
            duration_months=a["duration_months_after"],
        )
    return engine.OrderTerms(
        amount=first["amount_before"],
        unit_price=first["unit_price_before"],
        duration_months=first["duration_months_before"],
        vat_rate=terms.vat_rate,
        advance_rate=terms.advance_rate,
        cap_rate=terms.cap_rate,
        resorption_bands=terms.resorption_bands,
        amendments=tuple(steps[m] for m in sorted(steps)),
    )


def write_amendments(orders: dict, parsed: dict) -> None:
    """Import: the avenants of the orders just written (no history rows: the import is the trace)."""
    rows = []
    for number, o in parsed.items():
        for a in o.get("amendments") or ():
            values = {k: v for k, v in a.items() if k not in ("path", "created_at")}
            if a["created_at"] is not None:
                values["created_at"] = a["created_at"]
            rows.append(Amendment(order=orders[number], **values))
    if rows:
        Amendment.objects.bulk_create(rows)

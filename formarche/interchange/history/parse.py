"""Reading an order's billing history in the interchange format (shape only; the figures are
checked by :func:`.verify.verify_order`)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from decimal import Decimal

from formarche.interchange.figures import SOLDE_FIGURES, STATEMENT_FIGURES, STATEMENT_KINDS
from formarche.interchange.validation import Checker
from formarche.orders.models import Dispositif
from formarche.orders.terms import parse_bands as to_bands
from formarche.organisations.models import OrganisationKind
from formarche.utils.money import CENT, ZERO

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
    out["advance"] = _advance(o, op, c)
    months: set = set()
    for j, p in enumerate(c.arr(o, "periods", op)):
        period = _period(p, f"{op}/periods/{j}", c, months)
        if period is not None:
            out["periods"].append(period)
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
                "amount": c.number(a, "amount", ap, minimum=CENT),
                "reason": c.text(a, "reason", ap, max_length=LONG_TEXT),
                "created_at": c.moment(a, "created_at", ap, required=False),
            }
        )
    out["solde"] = _solde(o, op, c)
    return out


def _advance(o: dict, op: str, c: Checker) -> dict | None:
    advance = o.get("advance")
    if advance is None:
        return None
    ap = f"{op}/advance"
    if not isinstance(advance, dict):
        c.add(ap, "doit être un objet ou null.")
        return None
    return {
        "date": c.day(advance, "date", ap),
        "amount": c.number(advance, "amount", ap, minimum=CENT),
        "reference": c.text(advance, "reference", ap, required=False, max_length=80) or "",
    }


def _period(p, pp: str, c: Checker, months: set) -> dict | None:
    """A validated period with its frozen hours and the statement the document gives."""
    if not isinstance(p, dict):
        c.add(pp, "doit être un objet.")
        return None
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
    return {
        "path": pp,
        "month": month,
        "is_final": c.boolean(p, "is_final", pp),
        "validated_at": c.moment(p, "validated_at", pp, required=False),
        "realised_hours": c.number(p, "realised_hours", pp),
        "counted_unrealised_hours": c.number(p, "counted_unrealised_hours", pp, required=False) or Decimal(0),
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


def _solde(o: dict, op: str, c: Checker) -> dict | None:
    solde = o.get("solde")
    if solde is None:
        return None
    sp = f"{op}/solde"
    if not isinstance(solde, dict):
        c.add(sp, "doit être un objet ou null.")
        return None
    s = {
        "path": sp,
        "final_period": month_of(solde, "final_period", sp, c),
        "issued_on": c.day(solde, "issued_on", sp),
        **{k: c.number(solde, k, sp, minimum=None) for k in SOLDE_FIGURES},
        "is_repayment_order": c.boolean(solde, "is_repayment_order", sp),
        # hours corrected after the CRE final of a reopened action (ADR 0021), signed; 0 when absent
        "correction_hours": c.number(solde, "correction_hours", sp, required=False, minimum=None) or ZERO,
        "repayment_received_on": c.day(solde, "repayment_received_on", sp, required=False),
        "repayment_reference": c.text(solde, "repayment_reference", sp, required=False, max_length=80) or "",
    }
    if s["repayment_received_on"] and not s["is_repayment_order"]:
        c.add(
            f"{sp}/repayment_received_on",
            "seul un ordre de reversement (solde négatif) a une date de reversement reçu.",
        )
    elif s["repayment_received_on"] and s["issued_on"] and s["repayment_received_on"] < s["issued_on"]:
        c.add(f"{sp}/repayment_received_on", "le reversement ne peut précéder l'émission du solde.")
    return s


def parse_bands(disp: dict, dp: str, c: Checker) -> list | None:
    """The dispositif's resorption bands ``[[de %, à %, fraction], …]`` as strings (empty: the
    default bands), or None after recording an error."""
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


def effective_dispositifs(orders: dict) -> dict:
    """(region code, dispositif code) → the Dispositif already in formarche, which the import reuses."""
    codes = {(o["region"], o["dispositif"]["code"]) for o in orders.values() if o["history"]["periods"]}
    if not codes:
        return {}
    found = Dispositif.objects.filter(
        region__kind=OrganisationKind.REGION,
        region__provider_code__in={r for r, _ in codes},
        code__in={d for _, d in codes},
    ).select_related("region")
    return {(d.region.provider_code, d.code): d for d in found}

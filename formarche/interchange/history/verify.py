"""Recomputing an order's billing history: its statements and its solde by the statement engine
(``billing.engine``), every figure of the document compared with the engine's."""

from __future__ import annotations

from decimal import Decimal

from formarche.billing import engine
from formarche.interchange.amendments import amended_terms
from formarche.interchange.figures import SOLDE_FIGURES, STATEMENT_FIGURES
from formarche.interchange.history import params as dispositif_params
from formarche.interchange.history.parse import _label
from formarche.interchange.history.write import period_validated_at
from formarche.interchange.validation import Checker
from formarche.orders.terms import parse_bands
from formarche.utils.money import ZERO, round_cents


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
    history = entry["history"]
    periods = sorted((p for p in history["periods"] if p["month"] is not None), key=lambda p: p["month"])
    entry["statements"] = {}
    entry["engine_solde"] = None
    if not periods and history["solde"] is None:
        return
    params = _billing_params(entry, op, c, existing_dispositif)
    if params is None:
        return
    terms = _terms(entry, op, c, params)
    if terms is None:
        return
    entry["terms"] = terms
    billing_history = entry["dispositif"].get("billing_history")
    if billing_history and not dispositif_params.check_last_is_current(
        billing_history, params, entry["dispositif"]["code"], c
    ):
        return
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
    if periods and not _verify_statements(entry, op, c, terms, periods, params):
        return
    if history["solde"] is not None:
        when = dispositif_params.end_of_day(history["solde"]["issued_on"])
        solde_params, since = dispositif_params.in_force(billing_history, params, when)
        solde_terms = terms if since is None else _terms(entry, op, c, solde_params)
        if solde_terms is not None:
            _verify_solde(entry, c, solde_terms, periods)


def _billing_params(entry: dict, op: str, c: Checker, existing_dispositif) -> dict | None:
    """The dispositif's billing parameters: the document's, or those of the dispositif already in
    formarche (which the import reuses), refused when they differ (None)."""
    disp = entry["dispositif"]
    dp = f"{op}/dispositif"
    params = {
        "advance_rate": disp["advance_rate"] if disp["advance_rate"] is not None else Decimal("0.30"),
        "cap_rate": disp["cap_rate"],
        "vat_rate": disp["vat_rate"] if disp["vat_rate"] is not None else Decimal(0),
        "resorption_bands": disp["resorption_bands"] or [],
    }
    if existing_dispositif is None:
        return params
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
        return None  # the figures would all differ: the parameters are the one error to fix
    return stored


def _terms(entry: dict, op: str, c: Checker, params: dict):
    fields = entry["fields"]
    if (
        None in (fields["amount"], fields["unit_price"], fields["duration_months"])
        or entry["dispositif"]["resorption_bands"] is None
    ):
        return None  # already reported
    try:
        terms = engine.OrderTerms(
            amount=fields["amount"],
            unit_price=fields["unit_price"],
            duration_months=fields["duration_months"],
            vat_rate=Decimal(params["vat_rate"]),
            advance_rate=Decimal(params["advance_rate"]) if entry["history"]["advance_paid"] else Decimal(0),
            cap_rate=None if params["cap_rate"] is None else Decimal(params["cap_rate"]),
            resorption_bands=parse_bands(params["resorption_bands"]),
        )
        # ADR 0020: the avenants' steps (the initial terms, then each avenant from its month)
        return amended_terms(terms, entry.get("amendments") or [])
    except engine.EngineInputError as exc:
        c.add(op, f"conditions de facturation que le moteur refuse ({exc.field}) : {exc.reason}.")
        return None


def _computed(entry: dict, op: str, c: Checker, terms, periods: list, params: dict):
    """The engine's statement of each period and the parameters it used: the dispositif's current
    ones, or — when the document carries the dispositif's ``billing_history`` — those in force at
    each period's validation (ADR 0021). None when the engine or the terms refuse (reported)."""
    inputs = [
        engine.PeriodInput(
            period=p["month"],
            realised_hours=p["realised_hours"],
            counted_unrealised_hours=p["counted_unrealised_hours"],
            final=p["is_final"],
        )
        for p in periods
    ]
    billing_history = entry["dispositif"].get("billing_history")
    try:
        if not billing_history:
            return engine.compute_statements(terms, inputs), [(params, None)] * len(periods)
        computed, used, cache = [], [], {}
        for k, p in enumerate(periods):
            in_force, since = dispositif_params.in_force(billing_history, params, period_validated_at(p))
            if since not in cache:
                cache[since] = _terms(entry, op, c, in_force)
            if cache[since] is None:
                return None
            computed.append(engine.compute_statements(cache[since], inputs[: k + 1])[-1])
            used.append((in_force, since))
        return computed, used
    except engine.EngineInputError as exc:
        c.add(f"{op}/periods", f"le moteur de calcul refuse ces périodes ({exc.field}) : {exc.reason}.")
        return None


def _explain(entry: dict, p: dict, used: dict, since, current: dict) -> str:
    """Why a recomputed statement may disagree: which dispositif, with which parameters, what changed."""
    code, label = entry["dispositif"]["code"], _label(p["month"])
    if not entry["dispositif"].get("billing_history"):
        return (
            f"le relevé de {label} recalculé avec les paramètres actuels du dispositif « {code} » "
            f"({dispositif_params.describe(current)}) ne correspond pas à celui du document. Si ces "
            "paramètres ont été modifiés après la validation de la période, le document doit porter "
            "leur historique (dispositif/billing_history, que l'export de formarche écrit) : exportez-le "
            "de nouveau. Sinon, le relevé du document a été modifié après son export."
        )
    changes = dispositif_params.changed(used, current)
    when = f"depuis le {since:%d/%m/%Y}" if since else "au début de son historique"
    return (
        f"le relevé de {label} recalculé avec les paramètres du dispositif « {code} » en vigueur à sa "
        f"validation ({when} : {dispositif_params.describe(used)})"
        + (f", modifiés ensuite ({', '.join(changes)})," if changes else "")
        + " ne correspond pas à celui du document : le relevé ou l'historique des paramètres du "
        "dispositif a été modifié après l'export."
    )


def _verify_statements(entry: dict, op: str, c: Checker, terms, periods: list, params: dict) -> bool:
    """The engine's statements of every period, compared with the document's; False when refused."""
    result = _computed(entry, op, c, terms, periods, params)
    if result is None:
        return False
    computed, used = result
    current = dispositif_params.normalised(params)
    rows = zip(periods, computed, used, strict=True)
    for p, st, (in_force, since) in ((p, st, u) for p, st, u in rows if p["statement"]):
        sp = f"{p['path']}/statement"
        given = p["statement"]
        before = len(c.errors)
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
        if len(c.errors) > before:
            c.add(sp, _explain(entry, p, in_force, since, current))
        entry["statements"][p["month"]] = st
    return True


def _verify_solde(entry: dict, c: Checker, terms, periods: list) -> None:
    """The engine's solde on the statements, compared with the document's."""
    history = entry["history"]
    solde = history["solde"]
    sp = solde["path"]
    if not _solde_has_its_periods(solde, sp, c, periods):
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
        computed_solde = engine.compute_solde(
            terms, statements, bonus=bonus, penalties=penalties, correction_hours=solde["correction_hours"]
        )
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


def _solde_has_its_periods(solde: dict, sp: str, c: Checker, periods: list) -> bool:
    """A solde needs the final period, last of the action, and the statements of every period."""
    final = periods[-1] if periods and periods[-1]["is_final"] else None
    if final is None:
        c.add(
            f"{sp}/final_period",
            "le solde suppose une période finale (CRE final) : aucune période de l'action n'est finale.",
        )
        return False
    if solde["final_period"] is not None and solde["final_period"] != final["month"]:
        c.add(
            f"{sp}/final_period",
            f"la période finale de l'action est {_label(final['month'])}, le document indique "
            f"{_label(solde['final_period'])}.",
        )
        return False
    missing = [_label(p["month"]) for p in periods if p["statement"] is None]
    if missing:
        c.add(
            f"{sp}/final_period",
            "le solde se calcule sur les relevés (CRE) de toutes les périodes de l'action ; "
            f"{', '.join(missing)} n'en {'a' if len(missing) == 1 else 'ont'} pas.",
        )
        return False
    return True


def solde_invoice_amounts(solde, cumulative_billable: Decimal, vat_percent: Decimal) -> dict:
    """The amounts of the « Solde » invoice of ``solde`` (an engine.Solde or a Solde row), as
    ``billing.services.solde`` issues it: « montant facturé » = what the solde adds to the CRE / CREF
    facturable amounts, « montant à payer » = the solde itself."""
    added = max(ZERO, solde.amount_due + solde.bonus - solde.penalties - cumulative_billable)
    return {
        "billed_ht": added,
        "billed_ttc": added + round_cents(added * vat_percent / 100),
        "payable_ht": solde.balance_ht,
        "vat": solde.vat,
        "payable_ttc": solde.balance_ttc,
    }

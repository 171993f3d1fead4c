"""The billing parameters in force when each period was validated (issue #18, ADR 0021).

A dispositif edited after some of its periods were validated (its advance rate, its cap, its VAT
rate, its resorption bands) leaves frozen statements that today's parameters no longer give. The
export carries the dispositif's ``billing_history`` (each set of parameters with the moment it came
into force, from the dispositif's own history); the import recomputes each period with the set in
force at its validation, the solde with the set in force at its issuance, and writes that history
back into the dispositif it creates, so that the next export carries it again. A document without
it (older, or a dispositif never edited) is recomputed with the dispositif's parameters, as before.
"""

from __future__ import annotations

from datetime import UTC, datetime, time
from decimal import Decimal

from formarche.interchange.history.parse import parse_bands
from formarche.interchange.validation import Checker

PARAMS = ("advance_rate", "cap_rate", "vat_rate", "resorption_bands")
LABELS = {
    "advance_rate": "taux d'avance",
    "cap_rate": "taux de plafonnement",
    "vat_rate": "taux de TVA",
    "resorption_bands": "tranches de résorption de l'avance",
}


def parse_billing_history(disp: dict, dp: str, c: Checker) -> list | None:
    """``dispositif.billing_history``: ``[{since, advance_rate, cap_rate, vat_rate, resorption_bands}]``,
    oldest first, or None when the document has none."""
    raw = disp.get("billing_history") if isinstance(disp, dict) else None
    if raw is None:
        return None
    hp = f"{dp}/billing_history"
    if not isinstance(raw, list) or not raw:
        c.add(
            hp, "liste non vide attendue : chaque jeu de paramètres avec sa date d'entrée en vigueur (since)."
        )
        return None
    out = []
    for j, item in enumerate(raw):
        ip = f"{hp}/{j}"
        if not isinstance(item, dict):
            c.add(ip, "doit être un objet.")
            continue
        since = c.moment(item, "since", ip)
        if out and since is not None and out[-1]["since"] is not None and since <= out[-1]["since"]:
            c.add(f"{ip}/since", "les jeux de paramètres se suivent dans le temps (since croissant).")
        out.append(
            {
                "since": since,
                "advance_rate": c.number(
                    item, "advance_rate", ip, required=False, places=6, maximum=Decimal(1)
                ),
                "cap_rate": c.number(item, "cap_rate", ip, required=False, places=6, maximum=Decimal(1)),
                "vat_rate": c.number(item, "vat_rate", ip, required=False, places=6, maximum=Decimal(1)),
                "resorption_bands": parse_bands(item, ip, c),
                "path": ip,
            }
        )
    return out


def normalised(params: dict) -> dict:
    """Defaults of the format applied (advance 30 %, VAT 0, bands as given): comparable sets."""
    return {
        "advance_rate": params["advance_rate"] if params["advance_rate"] is not None else Decimal("0.30"),
        "cap_rate": params["cap_rate"],
        "vat_rate": params["vat_rate"] if params["vat_rate"] is not None else Decimal(0),
        "resorption_bands": params["resorption_bands"] or [],
    }


def check_last_is_current(history: list, current: dict, code: str, c: Checker) -> bool:
    """The last set of the history is the dispositif's current parameters (else a refusal)."""
    last = normalised(history[-1])
    for name in PARAMS:
        if not _same(last[name], current[name]):
            c.add(
                f"{history[-1]['path']}/{name}",
                f"le dernier jeu de paramètres de l'historique du dispositif « {code} » donne "
                f"{LABELS[name]} = {show(name, last[name])}, le dispositif indique "
                f"{show(name, current[name])} : l'historique doit finir par les paramètres actuels.",
            )
            return False
    return True


def in_force(history: list | None, current: dict, when: datetime | None) -> tuple[dict, datetime | None]:
    """``(params, since)``: the set in force at ``when`` (the first set before the history begins);
    the current parameters when the document carries no history or ``when`` is unknown."""
    if not history or when is None:
        return current, None
    chosen = history[0]
    for item in history:
        if item["since"] is not None and item["since"] <= when:
            chosen = item
    return normalised(chosen), chosen["since"]


def end_of_day(day) -> datetime | None:
    return None if day is None else datetime.combine(day, time(23, 59, 59), tzinfo=UTC)


def _same(a, b) -> bool:
    if isinstance(a, list) or isinstance(b, list):
        return [[str(x) for x in band] for band in a or []] == [[str(x) for x in band] for band in b or []]
    return (a is None) == (b is None) and (a is None or Decimal(a) == Decimal(b))


def show(name: str, value) -> str:
    if name == "resorption_bands":
        return str([[str(x) for x in band] for band in value]) if value else "les tranches par défaut"
    return "aucun" if value is None else format(Decimal(value).normalize(), "f")


def changed(old: dict, new: dict) -> list[str]:
    """« taux de plafonnement 0.8 → 0.9 », one per parameter that differs."""
    return [
        f"{LABELS[name]} {show(name, old[name])} → {show(name, new[name])}"
        for name in PARAMS
        if not _same(old[name], new[name])
    ]


def describe(params: dict) -> str:
    return " ; ".join(f"{LABELS[name]} {show(name, params[name])}" for name in PARAMS)

"""The Chorus Pro fields of an order in the interchange document (issue #19, point 2): the
optional key ``chorus_pro`` of an order, ``{billing_frame, commitment_number, service_code}`` or
``null`` / absent (older documents: nothing to carry)."""

from __future__ import annotations

from formarche.interchange.validation import Checker
from formarche.orders.rules import OrderError, chorus_fields


def export_chorus(order) -> dict | None:
    values = {
        "billing_frame": order.chorus_billing_frame,
        "commitment_number": order.chorus_commitment_number,
        "service_code": order.chorus_service_code,
    }
    return values if any(values.values()) else None


def parse_chorus(o: dict, op: str, c: Checker) -> dict:
    """The order's ``chorus_*`` model fields (empty when the key is absent or null)."""
    data = o.get("chorus_pro")
    if data is None:
        return chorus_fields()
    path = f"{op}/chorus_pro"
    if not isinstance(data, dict):
        c.add(path, "doit être un objet ou null.")
        return chorus_fields()
    unknown = sorted(set(data) - {"billing_frame", "commitment_number", "service_code"})
    if unknown:
        c.add(path, f"clé(s) inconnue(s) : {', '.join(unknown)}.")
    values = {}
    for key in ("billing_frame", "commitment_number", "service_code"):
        value = data.get(key)
        if value is not None and not isinstance(value, str):
            c.add(f"{path}/{key}", "doit être une chaîne.")
            value = ""
        values[key] = value or ""
    try:
        return chorus_fields(**values)
    except OrderError as exc:
        message = str(exc)
        c.add(path, message[0].lower() + message[1:])
        return chorus_fields()

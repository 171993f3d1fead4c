"""Avenants as the statements show them (ADR 0020): those that apply to a month's CRE, and
their one-line summary (« Avenant n° 1 du … (effet …) : volume … → … »)."""

from __future__ import annotations

import datetime as dt

from formarche.orders.models import Amendment
from formarche.utils.formatting import format_amount, format_date, format_hours, format_month


def amendments_applying(order, month: dt.date) -> list[dict]:
    """The avenants in force for the statement of ``month`` (effective in that month or before),
    n° 1 first: ``[{"amendment", "summary"}, …]`` (the CREF lists every one)."""
    month = month.replace(day=1)
    rows = Amendment.objects.filter(order=order).order_by("number")
    return [
        {"amendment": a, "summary": amendment_summary(a), "changes": amendment_changes(a)}
        for a in rows
        if a.effective_month <= month
    ]


def amendment_summary(amendment: Amendment) -> str:
    """« Avenant n° 1 du 02/04/2024 (effet avril 2024) : volume 3 600,00 h → 4 000,00 h ; … »."""
    return (
        f"Avenant n° {amendment.number} du {format_date(amendment.effective_date)} "
        f"(effet {format_month(amendment.effective_month).lower()}) : {amendment_changes(amendment)}"
    )


def amendment_changes(amendment: Amendment) -> str:
    """« volume 3 600,00 h → 4 000,00 h ; montant HT 42 480,00 € → 47 200,00 € »."""
    parts = []
    for label, before, after in amendment.changes():
        if isinstance(before, dt.date):
            parts.append(f"{label} {format_date(before)} → {format_date(after)}")
        elif label.startswith("volume"):
            parts.append(f"volume {format_hours(before)} h → {format_hours(after)} h")
        elif isinstance(before, int):
            parts.append(f"{label} {before} → {after}")
        else:
            parts.append(f"{label} {format_amount(before)} € → {format_amount(after)} €")
    return " ; ".join(parts)

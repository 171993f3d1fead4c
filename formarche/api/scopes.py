"""The scopes of an API token: one area of the API, read or write (write includes read).

Pure data, no Django import. The areas an organisation can grant depend on its kind: a Région
writes only the billing decisions (validate, reject, pay); an OF writes trainees, enrolments, hours,
documents, and validates its months and issues their invoices; orders and the BPF are read only.
"""

from __future__ import annotations

READ = "read"
WRITE = "write"

# area → French label
AREAS = {
    "orders": "Actions (bons de commande)",
    "trainees": "Stagiaires et inscriptions",
    "hours": "Heures",
    "billing": "Facturation : périodes, relevés, factures, paiements",
    "documents": "Documents des actions",
    "bpf": "Bilan pédagogique et financier (BPF)",
}

# the levels each kind of organisation may grant, per area
OF_GRANTS = {
    "orders": (READ,),
    "trainees": (READ, WRITE),
    "hours": (READ, WRITE),
    "billing": (READ, WRITE),
    "documents": (READ, WRITE),
    "bpf": (READ,),
}
REGION_GRANTS = {
    "orders": (READ,),
    "trainees": (READ,),
    "hours": (READ,),
    "billing": (READ, WRITE),
    "documents": (READ,),
}

LEVEL_LABELS = {READ: "lecture", WRITE: "écriture"}


def scope(area: str, level: str) -> str:
    return f"{area}:{level}"


def grants_for(*, is_region: bool) -> dict[str, tuple[str, ...]]:
    return REGION_GRANTS if is_region else OF_GRANTS


def choices_for(*, is_region: bool) -> list[tuple[str, str]]:
    """``(scope, French label)`` of every scope this kind of organisation may grant."""
    return [
        (scope(area, level), f"{AREAS[area]} — {LEVEL_LABELS[level]}")
        for area, levels in grants_for(is_region=is_region).items()
        for level in levels
    ]


def allows(scopes, area: str, level: str) -> bool:
    """Does a token with ``scopes`` reach ``area`` at ``level``? Write includes read."""
    granted = set(scopes)
    if scope(area, WRITE) in granted:
        return True
    return level == READ and scope(area, READ) in granted


def label(value: str) -> str:
    area, _, level = value.partition(":")
    return f"{AREAS.get(area, area)} — {LEVEL_LABELS.get(level, level)}"

"""French identifiers, checked by python-stdnum (never hand-written checksum code).

Pure Python, no Django import: the BPF engine may use it.
"""

from __future__ import annotations

from stdnum.fr import siret as _siret

__all__ = ["siret_is_valid"]


def siret_is_valid(value: str | None) -> bool:
    """True when ``value`` is a SIRET with a valid Luhn checksum (spaces allowed).

    >>> siret_is_valid("732 829 320 00074"), siret_is_valid("73282932000075"), siret_is_valid(None)
    (True, False, False)
    """
    return bool(value) and _siret.is_valid(value)

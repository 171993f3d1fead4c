"""The closing gate: what billing needs to know of an action's closing, without importing closing.

The CRE final (and therefore the solde) needs the action closed. The closing area knows what is
missing; it registers its answer here (``ClosingConfig.ready()``), so that billing depends on
nothing above it in the layers:

- :func:`register_closing_status_provider` — ``provider(order) -> (missing, is_closed)``: the
  French sentences of what is missing among the seed's conditions, and whether the action is
  closed (or archived);
- :func:`closing_missing` — what billing shows and refuses with.
"""

from __future__ import annotations

from collections.abc import Callable

ClosingStatusProvider = Callable[[object], tuple[list[str], bool]]

_PROVIDERS: list[ClosingStatusProvider] = []

NOT_CLOSED = "La fermeture de l'action (menu Fermeture › Fermeture de l'action)"


def register_closing_status_provider(provider: ClosingStatusProvider) -> None:
    """Register the closing area's answer (once: registering it again replaces it)."""
    _PROVIDERS[:] = [provider]


def closing_missing(order) -> list[str]:
    """What stands between ``order`` and its CRE final, one French sentence each (empty: nothing).

    The seed's three conditions come from the closing area: exits on every component, validated
    bilans, a real end date; then the closing itself.
    """
    if not _PROVIDERS:
        raise RuntimeError(
            "Aucun fournisseur de l'état de fermeture n'est enregistré (formarche.closing absent ?)."
        )
    missing, is_closed = _PROVIDERS[0](order)
    missing = list(missing)
    if not is_closed:
        missing.append(NOT_CLOSED)
    return missing

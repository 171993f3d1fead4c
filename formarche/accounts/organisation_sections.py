"""A port of the Gestion organisme page (``/organisme/``): the apps above accounts add a section to
it (the interchange export and import, for instance) from their ``AppConfig.ready()``, so that
accounts never imports them (docs/ARCHITECTURE.md, « Ports instead of upward imports »).

A provider is ``provider(request) -> dict | None``: ``{"template": "...", **context}`` rendered at
the end of the page with ``section`` in its context, or None when it has nothing for this user.
"""

from __future__ import annotations

_PROVIDERS: list = []


def register_organisation_section(provider):
    if provider not in _PROVIDERS:
        _PROVIDERS.append(provider)
    return provider


def organisation_sections(request) -> list[dict]:
    return [section for provider in _PROVIDERS if (section := provider(request))]

"""HTML escaping for markup built in Python by template tags (the month grid, the follow-up's
detail table): the same text as the templates' autoescape, without its per-call overhead."""

from __future__ import annotations

from html import escape as _html_escape


def esc(value) -> str:
    """What ``{{ value }}`` writes with autoescape on, for text and numbers: ``conditional_escape``
    without its lazy-text wrapper (Django's ``escape`` is ``html.escape(str(text))``), several
    times cheaper; a safe string (``__html__``) is kept as it is."""
    if hasattr(value, "__html__"):
        return value.__html__()
    return _html_escape(str(value))

"""QR codes as inline SVG, generated on the server with segno (no JavaScript, no external service)."""

from __future__ import annotations

from django.utils.html import escape
from django.utils.safestring import mark_safe


def qr_svg(data: str, *, title: str = "QR code") -> str:
    """An inline ``<svg>`` (role img, with a title), or "" when segno is not installed."""
    try:
        import segno
    except ImportError:  # the link stays usable: it is shown next to the code
        return ""
    code = segno.make(data, error="m", micro=False)
    svg = code.svg_inline(scale=5, border=2, title=title, svgclass="fm-qr", lineclass=None)
    svg = svg.replace("<svg ", f'<svg role="img" aria-label="{escape(title)}" ', 1)
    return mark_safe(svg)

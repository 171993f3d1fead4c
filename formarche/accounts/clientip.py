"""The client's address: one rule for the whole project (the login lockout, the rate limits, the
API throttles in ``audit``; the signer's IP in ``signing``). It lives here, low in the dependency
graph, so that every app that needs it may import it (docs/ARCHITECTURE.md)."""

from __future__ import annotations

import ipaddress

from django.conf import settings


def _valid_ip(value: str) -> bool:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


def client_ip(request) -> str:
    """REMOTE_ADDR, or behind ``FORMARCHE_TRUSTED_PROXY_COUNT`` reverse proxies the address the
    farthest trusted proxy received the request from.

    X-Forwarded-For is read from the right: each trusted proxy appends the address it received
    the request from, so with N trusted proxies the N-th entry from the right is the client as
    seen by the outermost one; everything to its left was written by the client and proves
    nothing (a spoofed ``X-Forwarded-For: 1.2.3.4`` only adds entries on the left). Without a
    trusted proxy (the default, 0) the header is ignored. A chain shorter than N, or an entry
    that is not an IP address, falls back to REMOTE_ADDR."""
    remote = request.META.get("REMOTE_ADDR", "") or ""
    proxies = int(getattr(settings, "FORMARCHE_TRUSTED_PROXY_COUNT", 0) or 0)
    if proxies <= 0:
        return remote
    chain = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    if len(chain) < proxies:
        return remote
    candidate = chain[-proxies]
    return candidate if _valid_ip(candidate) else remote

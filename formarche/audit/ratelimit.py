"""Cache-backed limits per client address for the pages reached without an account.

The public émargement and follow-up pages (a one-time token in the URL), the password-reset form and
its confirmation link: each allows ``N`` requests per window and per address, counted in the Django
cache — Redis when several servers run (``REDIS_URL``), so every server sees the same
count. Past the limit: 429, a ``Retry-After`` header and a French page. The rules live in the
``FORMARCHE_RATE_LIMITS`` setting, keyed by URL name, so no view has to know about them.

When the cache cannot be reached the limits **fail open** (the request goes on, a warning is
logged): they are a second line behind tokens too long to guess and the login lockout, which counts
in the database (django-axes) and so holds whatever Redis does; failing closed would take the
trainees' signing pages down with Redis (docs/adr/0014-cache-sessions-and-proxy.md).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.shortcuts import render

from formarche.audit.clientip import client_ip

logger = logging.getLogger("formarche.ratelimit")

PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


@dataclass(frozen=True)
class Rate:
    count: int
    seconds: int


def parse_rate(text: str) -> Rate:
    """ "30/m" → 30 requests a minute; "5/h", "100/d", "2/s"; the unit may be spelt out ("minute")."""
    count, _, unit = text.partition("/")
    unit = unit.strip().lower()[:1]
    if unit not in PERIODS or not count.strip().isdigit():
        raise ValueError(f"Limite de débit illisible : {text!r} (attendu par exemple « 30/m »).")
    return Rate(count=int(count), seconds=PERIODS[unit])


def _window(scope: str, ident: str, rate: Rate, now: float | None) -> tuple[str, int]:
    now = time.time() if now is None else now
    window = int(now // rate.seconds)
    return f"formarche:rl:{scope}:{ident}:{window}", max(1, int((window + 1) * rate.seconds - now))


def rate_exceeded(*, scope: str, ident: str, rate: Rate, now: float | None = None) -> int | None:
    """Without counting: the seconds to wait if ``ident`` already used its ``rate`` in ``scope``."""
    key, left = _window(scope, ident, rate, now)
    try:
        count = cache.get(key) or 0
    except Exception:
        logger.warning("Cache injoignable : limite de débit %s non appliquée.", scope)
        return None
    return left if count >= rate.count else None


def rate_hit(*, scope: str, ident: str, rate: Rate, now: float | None = None) -> int | None:
    """Count one request of ``ident`` in ``scope``; the seconds to wait when over the limit, else None.

    A fixed window per (scope, ident): ``cache.add`` creates the counter atomically with its expiry,
    ``cache.incr`` raises it atomically (Redis INCR, or the memory cache's lock). Cache down: None
    (fail open, see the module's docstring)."""
    key, left = _window(scope, ident, rate, now)
    try:
        return _count(key, rate, left)
    except Exception:
        logger.warning("Cache injoignable : limite de débit %s non appliquée.", scope)
        return None


def _count(key: str, rate: Rate, left: int) -> int | None:
    if cache.add(key, 1, timeout=rate.seconds + 1):
        count = 1
    else:
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.add(key, 1, timeout=rate.seconds + 1)
            count = 1
    return None if count <= rate.count else left


def too_many_requests(request, retry_after: int):
    response = render(request, "audit/too_many_requests.html", {"retry_after": retry_after}, status=429)
    response["Retry-After"] = str(retry_after)
    return response


class RateLimitMiddleware:
    """Applies ``FORMARCHE_RATE_LIMITS`` (URL name → methods and rate) before the view runs."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.rules = {
            name: (frozenset(rule["methods"]), parse_rate(rule["rate"]))
            for name, rule in getattr(settings, "FORMARCHE_RATE_LIMITS", {}).items()
        }

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        match = getattr(request, "resolver_match", None)
        rule = self.rules.get(match.view_name) if match else None
        if rule is None or request.method not in rule[0]:
            return None
        retry_after = rate_hit(scope=match.view_name, ident=client_ip(request), rate=rule[1])
        if retry_after is None:
            return None
        return too_many_requests(request, retry_after)

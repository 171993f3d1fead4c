"""The API throttles of DRF, open when the shared cache cannot be reached.

Same rule as the rate limits of the public pages (formarche/audit/ratelimit.py): a throttle bounds
the load one client puts on the API; with Redis down, refusing every API call would turn a cache
outage into an API outage, so the call goes on and a warning is logged
(docs/adr/0014-cache-sessions-and-proxy.md).
"""

import logging

from rest_framework.throttling import AnonRateThrottle, SimpleRateThrottle, UserRateThrottle

from formarche.api.models import ApiToken

logger = logging.getLogger("formarche.ratelimit")


class _OpenWhenCacheDown:
    def allow_request(self, request, view):
        try:
            return super().allow_request(request, view)
        except Exception:
            logger.warning("Cache injoignable : limite de l'API %s non appliquée.", self.scope)
            return True


class AnonThrottle(_OpenWhenCacheDown, AnonRateThrottle):
    pass


class UserThrottle(_OpenWhenCacheDown, UserRateThrottle):
    pass


class TokenThrottle(_OpenWhenCacheDown, SimpleRateThrottle):
    """Issue #19: each API token has its own rate (``api_token``), apart from its user's."""

    scope = "api_token"

    def get_cache_key(self, request, view):
        if not isinstance(request.auth, ApiToken):
            return None  # a session: bounded by UserThrottle alone
        return self.cache_format % {"scope": self.scope, "ident": request.auth.pk}

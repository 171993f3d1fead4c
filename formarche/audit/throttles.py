"""The API throttles of DRF, open when the shared cache cannot be reached.

Same rule as the rate limits of the public pages (formarche/audit/ratelimit.py): a throttle bounds
the load one client puts on the API; with Redis down, refusing every API call would turn a cache
outage into an API outage, so the call goes on and a warning is logged
(docs/adr/0014-cache-sessions-and-proxy.md).
"""

import logging

from rest_framework.throttling import AnonRateThrottle, UserRateThrottle

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

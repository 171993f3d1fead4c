"""The client's address, one rule for the login lockout, the rate limits and the API throttles."""

from django.conf import settings


def client_ip(request) -> str:
    """REMOTE_ADDR, or behind ``FORMARCHE_TRUSTED_PROXY_COUNT`` reverse proxies the address the
    farthest trusted proxy received the request from (X-Forwarded-For read from the right: the left
    part is written by the client and proves nothing)."""
    remote = request.META.get("REMOTE_ADDR", "") or ""
    proxies = getattr(settings, "FORMARCHE_TRUSTED_PROXY_COUNT", 0)
    if proxies <= 0:
        return remote
    chain = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    if len(chain) < proxies:
        return remote
    return chain[-proxies]

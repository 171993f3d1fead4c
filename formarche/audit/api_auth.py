"""API token authentication that bounds token guessing.

DRF runs its throttles after authentication, and a wrong token stops the request in authentication:
the anonymous throttle never sees it. This class counts wrong tokens per client address in the
shared cache (rate ``bad_token`` of ``DEFAULT_THROTTLE_RATES``); past the limit every token from
that address is refused with 429 before it is even looked up, so a guess cannot be confirmed.
"""

from django.conf import settings
from rest_framework import exceptions
from rest_framework.authentication import get_authorization_header

from formarche.api.authentication import ApiTokenAuthentication
from formarche.audit.clientip import client_ip
from formarche.audit.ratelimit import parse_rate, rate_exceeded, rate_hit

SCOPE = "api-bad-token"


class TokenGuessThrottled(exceptions.Throttled):
    default_detail = "Trop de jetons refusés depuis cette adresse."
    extra_detail_singular = "Réessayez dans {wait} seconde."
    extra_detail_plural = "Réessayez dans {wait} secondes."


def bad_token_rate():
    rates = settings.REST_FRAMEWORK.get("DEFAULT_THROTTLE_RATES", {})
    return parse_rate(rates.get("bad_token", "20/minute"))


class ThrottledTokenAuthentication(ApiTokenAuthentication):
    """formarche's API tokens (formarche/api/authentication.py), behind the bound on wrong tokens;
    the last use is stamped with the client address seen behind the trusted proxies."""

    def client_ip(self, request):
        return client_ip(request)

    def authenticate(self, request):
        if not get_authorization_header(request):
            return None
        ident = client_ip(request)
        wait = rate_exceeded(scope=SCOPE, ident=ident, rate=bad_token_rate())
        if wait is not None:
            raise TokenGuessThrottled(wait=wait)
        try:
            return super().authenticate(request)
        except exceptions.AuthenticationFailed:
            rate_hit(scope=SCOPE, ident=ident, rate=bad_token_rate())
            raise

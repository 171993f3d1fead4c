"""Authentication by API token (``Authorization: Token fmk_…`` or ``Bearer fmk_…``).

The key is hashed and looked up; a revoked or expired token, a token whose creator lost access,
and a key of the old DRF model (40 hexadecimal characters) are refused with 401 and a French
message that says what to do. The last use (date, address) is stamped without a history row.
``formarche.audit.api_auth.ThrottledTokenAuthentication`` extends this class with the bound on
wrong tokens and the client address behind the trusted proxies (audit sits above api).
"""

from __future__ import annotations

from django.utils import timezone
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header

from formarche.api import keys
from formarche.api.models import ApiToken
from formarche.api.services import api_token_touch
from formarche.utils.formatting import format_date

KEYWORDS = (b"token", b"bearer")
LEGACY = (
    "Ce jeton d'API est d'un ancien modèle et n'est plus accepté. Un responsable de l'organisation "
    "crée un nouveau jeton sur la page « Jetons d'API » (Gestion organisme)."
)


class ApiTokenAuthentication(BaseAuthentication):
    keyword = "Token"

    def client_ip(self, request) -> str | None:
        return request.META.get("REMOTE_ADDR") or None

    def authenticate_header(self, request):
        return self.keyword

    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() not in KEYWORDS:
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(
                "En-tête Authorization mal formé : « Token <jeton> » est attendu."
            )
        try:
            key = parts[1].decode("ascii")
        except UnicodeDecodeError as exc:
            raise exceptions.AuthenticationFailed(
                "Le jeton ne doit contenir que des caractères ASCII."
            ) from exc
        return self.authenticate_key(request, key)

    def authenticate_key(self, request, key: str):
        if not keys.is_current_format(key):
            raise exceptions.AuthenticationFailed(LEGACY)
        token = (
            ApiToken.objects.select_related("membership__user", "membership__organisation")
            .filter(key_hash=keys.key_hash(key))
            .first()
        )
        if token is None:
            raise exceptions.AuthenticationFailed("Jeton d'API inconnu.")
        now = timezone.now()
        if token.is_revoked:
            raise exceptions.AuthenticationFailed(
                f"Ce jeton d'API a été révoqué le {format_date(timezone.localdate(token.revoked_at))}."
            )
        if token.is_expired(now):
            raise exceptions.AuthenticationFailed(
                f"Ce jeton d'API a expiré le {format_date(timezone.localdate(token.expires_at))} : "
                "un responsable de l'organisation en crée un nouveau."
            )
        membership = token.membership
        if not (membership.is_active and membership.user.is_active):
            raise exceptions.AuthenticationFailed(
                "La personne qui a créé ce jeton n'a plus accès à l'organisation : "
                "un responsable en crée un nouveau."
            )
        api_token_touch(token=token, ip=self.client_ip(request), now=now)
        return membership.user, token

"""Writes of API tokens: create (the secret is returned once), revoke, stamp the last use."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from formarche.accounts.models import Membership, Role
from formarche.api import keys
from formarche.api import scopes as api_scopes
from formarche.api.models import ApiToken

MAX_DAYS = 366  # one year at most (a leap year included)
NAME_MAX = 100
TOUCH_EVERY = dt.timedelta(minutes=1)  # the last use is written at most once a minute per address


class ApiTokenError(Exception):
    """A refused token write; ``str(error)`` is the French message to show."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _end_of_day(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(23, 59, 59)))


def api_token_create(
    *,
    membership: Membership,
    name: str,
    scopes: list[str],
    expires_on: dt.date | None,
    today: dt.date | None = None,
) -> tuple[ApiToken, str]:
    """A new token acting as ``membership`` (a manager's); returns it with its secret (shown once)."""
    today = today or timezone.localdate()
    name = (name or "").strip()
    if not membership.is_active or membership.role not in {Role.OF_MANAGER, Role.REGION_MANAGER}:
        raise ApiTokenError("Seul un responsable de l'organisation crée des jetons d'API.")
    if not name:
        raise ApiTokenError("Donnez un nom au jeton (par exemple « Logiciel d'émargement »).")
    if len(name) > NAME_MAX:
        raise ApiTokenError(f"Le nom du jeton compte au plus {NAME_MAX} caractères.")
    is_region = membership.organisation.is_region
    allowed = {value for value, _ in api_scopes.choices_for(is_region=is_region)}
    wanted = list(dict.fromkeys(scopes or []))
    if not wanted:
        raise ApiTokenError("Choisissez au moins une portée (lecture ou écriture d'un domaine).")
    refused = [s for s in wanted if s not in allowed]
    if refused:
        raise ApiTokenError(f"Portée non disponible pour votre organisation : {', '.join(refused)}.")
    if expires_on is None:
        raise ApiTokenError("Indiquez une date d'expiration (au plus un an).")
    if expires_on <= today:
        raise ApiTokenError("La date d'expiration doit être postérieure à aujourd'hui.")
    if expires_on > today + dt.timedelta(days=MAX_DAYS - 1):
        raise ApiTokenError("Un jeton vaut au plus un an : choisissez une date d'expiration plus proche.")
    with transaction.atomic():
        live = ApiToken.objects.live().select_for_update().filter(organisation_id=membership.organisation_id)
        if live.filter(name=name).exists():
            raise ApiTokenError(f"Un jeton actif s'appelle déjà « {name} » : choisissez un autre nom.")
        key = keys.generate()
        while ApiToken.objects.filter(prefix=keys.key_prefix(key)).exists():
            key = keys.generate()
        token = ApiToken(
            organisation_id=membership.organisation_id,
            membership=membership,
            name=name,
            prefix=keys.key_prefix(key),
            key_hash=keys.key_hash(key),
            scopes=sorted(wanted),
            expires_at=_end_of_day(expires_on),
        )
        token._history_user = membership.user
        token.save()
    return token, key


def api_token_revoke(*, token: ApiToken, by) -> ApiToken:
    """Revoke a token at once; a second revocation is refused (the first one stands)."""
    with transaction.atomic():
        token = ApiToken.objects.select_for_update().get(pk=token.pk)
        if token.is_revoked:
            raise ApiTokenError(f"Le jeton « {token.name} » est déjà révoqué.")
        token.revoked_at = timezone.now()
        token.revoked_by = by
        token._history_user = by
        token.save(update_fields=["revoked_at", "revoked_by"])
    return token


def api_token_touch(*, token: ApiToken, ip: str | None, now: dt.datetime | None = None) -> None:
    """Stamp the last use (date and address) without a history row, at most once a minute."""
    now = now or timezone.now()
    if token.last_used_at and now - token.last_used_at < TOUCH_EVERY and token.last_used_ip == ip:
        return
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=now, last_used_ip=ip)
    token.last_used_at, token.last_used_ip = now, ip

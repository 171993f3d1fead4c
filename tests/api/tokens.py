"""Test helpers: an API token for any membership of the test world (ADR 0022).

The service creates tokens for managers only; tests also need tokens acting as other roles (OF
staff, a Région officer) to walk every role, so this helper writes the row itself.
"""

import datetime as dt

from django.utils import timezone
from rest_framework.test import APIClient

from formarche.api import keys
from formarche.api import scopes as api_scopes
from formarche.api.models import ApiToken


def all_scopes(membership) -> list[str]:
    return [value for value, _ in api_scopes.choices_for(is_region=membership.organisation.is_region)]


def token_key(membership, scopes=None, *, days=30, name=None) -> str:
    key = keys.generate()
    ApiToken.objects.create(
        organisation_id=membership.organisation_id,
        membership=membership,
        name=name or f"test {keys.key_prefix(key)}",
        prefix=keys.key_prefix(key),
        key_hash=keys.key_hash(key),
        scopes=all_scopes(membership) if scopes is None else list(scopes),
        expires_at=timezone.now() + dt.timedelta(days=days),
    )
    return key


def api_client(world, role, scopes=None) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token_key(world.memberships[role], scopes)}")
    return client

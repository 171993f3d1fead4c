"""Demo content of the API (issue #19): OF 1's manager has a token for an attendance tool.

Idempotent: a live token of that name is kept (its key, never stored, is not shown again)."""

import datetime as dt

from django.utils import timezone

from formarche.accounts.models import Membership
from formarche.api.models import ApiToken
from formarche.api.services import api_token_create

DEMO_TOKEN_NAME = "Logiciel d'émargement (démo)"


def populate_api(world) -> None:
    membership = Membership.objects.filter(user=world.users["of1"], organisation=world.of1).first()
    if (
        membership is None
        or ApiToken.objects.live().filter(organisation=world.of1, name=DEMO_TOKEN_NAME).exists()
    ):
        return
    api_token_create(
        membership=membership,
        name=DEMO_TOKEN_NAME,
        scopes=["hours:write", "orders:read", "trainees:read"],
        expires_on=timezone.localdate() + dt.timedelta(days=90),
    )

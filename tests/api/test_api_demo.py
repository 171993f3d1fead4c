"""The demo world shows an API token on the OF manager's token page (issue #19)."""

import html

import pytest
from django.test import override_settings

from formarche.accounts.demo import build_demo_world
from formarche.api.demo_api import DEMO_TOKEN_NAME
from formarche.api.models import ApiToken

pytestmark = pytest.mark.django_db


@override_settings(DEBUG=True)
def test_the_demo_token_is_on_the_page(client):
    build_demo_world()
    build_demo_world()
    assert ApiToken.objects.filter(name=DEMO_TOKEN_NAME).count() == 1
    assert client.login(username="of@demo.formarche.fr", password="demo-formarche")
    page = html.unescape(client.get("/organisme/jetons-api/").content.decode())
    assert DEMO_TOKEN_NAME in page and "Heures — écriture" in page

"""The signer's IP behind a reverse proxy: X-Forwarded-For is read only through trusted proxies
(``FORMARCHE_TRUSTED_PROXY_COUNT``), from the right; the client's own left-most entries are
ignored. One rule for the project: ``formarche.accounts.clientip.client_ip``."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from formarche.accounts.clientip import client_ip
from formarche.audit import clientip as audit_clientip
from formarche.signing.models import Signature
from formarche.signing.selectors import token_digest
from formarche.signing.services import links_issue, session_open
from formarche.signing.views._common import client_ip as signing_client_ip
from tests.factories import EnrolmentFactory, SessionFactory, TraineeFactory, signature_data_url


def test_one_rule_for_audit_and_signing():
    assert audit_clientip.client_ip is client_ip


def test_forwarded_for_ignored_without_trusted_proxy(rf, settings):
    settings.FORMARCHE_TRUSTED_PROXY_COUNT = 0
    request = rf.get("/", REMOTE_ADDR="192.0.2.1", HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert client_ip(request) == "192.0.2.1"
    assert signing_client_ip(request) == "192.0.2.1"


def test_forwarded_for_honoured_behind_one_trusted_proxy(rf, settings):
    settings.FORMARCHE_TRUSTED_PROXY_COUNT = 1
    request = rf.get("/", REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert signing_client_ip(request) == "203.0.113.9"


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        # the client wrote « 6.6.6.6 » itself; the trusted proxy appended the real address
        (1, "6.6.6.6, 203.0.113.9", "203.0.113.9"),
        (1, "6.6.6.6, 7.7.7.7, 203.0.113.9", "203.0.113.9"),
        # two proxies: the outer one appended the client, the inner one the outer proxy
        (2, "6.6.6.6, 203.0.113.9, 10.0.0.4", "203.0.113.9"),
        # chain shorter than the trusted proxies: the header is not believed
        (3, "6.6.6.6, 203.0.113.9", "10.0.0.5"),
        # not an address (a broken proxy, or a forged header reaching the trusted slot)
        (1, "203.0.113.9, pas-une-adresse", "10.0.0.5"),
        (1, "", "10.0.0.5"),
    ],
)
def test_spoofed_left_entries_are_ignored(rf, settings, proxies, forwarded, expected):
    settings.FORMARCHE_TRUSTED_PROXY_COUNT = proxies
    request = rf.get("/", REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR=forwarded)
    assert signing_client_ip(request) == expected


def _sign_by_link(world, client, **headers):
    order = world.objects["order"]
    enrolment = EnrolmentFactory(
        order=order, trainee=TraineeFactory(organisation=world.of1, last_name="Proxy")
    )
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    session = session_open(session=SessionFactory(order=order, date=tomorrow))
    token = dict((e.pk, t) for e, t in links_issue(session=session))[enrolment.pk]
    response = client.post(
        reverse("signing:public_sign", kwargs={"token": token}),
        {"signature": signature_data_url()},
        **headers,
    )
    assert response.status_code == 200, response.content.decode()[:500]
    return Signature.objects.get(link__token_hash=token_digest(token))


@pytest.mark.django_db
def test_signature_records_the_proxy_address_without_trusted_proxy(world, client, settings):
    settings.FORMARCHE_TRUSTED_PROXY_COUNT = 0
    signature = _sign_by_link(world, client, REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert signature.ip == "10.0.0.5"


@pytest.mark.django_db
def test_signature_records_the_forwarded_client_behind_a_trusted_proxy(world, client, settings):
    settings.FORMARCHE_TRUSTED_PROXY_COUNT = 1
    signature = _sign_by_link(
        world, client, REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.9"
    )
    assert signature.ip == "203.0.113.9"

"""Issue #19.4: every e-mail's links are absolute, built from ``FORMARCHE_SITE_URL``, which
``check --deploy`` requires in https."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.core import mail
from django.test import override_settings

from formarche.accounts.checks import check_site_url
from formarche.accounts.models import User
from formarche.accounts.site import absolute_reverse, absolute_url, site_url

ROOT = Path(__file__).resolve().parent.parent.parent
SITE = "https://formarche.region.fr"
# a path that starts a word and is not preceded by a scheme and host: a relative link
RELATIVE_LINK = re.compile(r"(?:^|\s)/[a-z]")


def assert_only_absolute_links(body: str, site: str = SITE) -> None:
    assert not RELATIVE_LINK.search(body), body
    assert f"{site}/" in body, body


def test_dev_and_tests_default_to_the_local_address(settings):
    settings.FORMARCHE_SITE_URL = ""
    assert site_url() == "http://127.0.0.1:8000"
    assert absolute_url("/factures/2/") == "http://127.0.0.1:8000/factures/2/"


@override_settings(FORMARCHE_SITE_URL=SITE + "/")
def test_absolute_url_joins_once_and_keeps_an_absolute_one():
    assert absolute_url("/factures/2/") == SITE + "/factures/2/"
    assert absolute_url("https://ailleurs.fr/x") == "https://ailleurs.fr/x"
    assert absolute_reverse("billing:invoice", invoice_id=7) == SITE + "/factures/7/"


@pytest.mark.parametrize(
    ("value", "error_id"),
    [
        ("", "formarche.E024"),
        ("http://formarche.region.fr", "formarche.E025"),
        ("https://", "formarche.E025"),
        ("https://formarche.region.fr/app", "formarche.E025"),
    ],
)
def test_deploy_check_refuses_a_missing_or_plain_http_address(settings, value, error_id):
    settings.FORMARCHE_SITE_URL = value
    (error,) = check_site_url()
    assert error.id == error_id and "FORMARCHE_SITE_URL" in error.msg


def test_deploy_check_accepts_https(settings):
    settings.FORMARCHE_SITE_URL = SITE
    assert check_site_url() == []


def _check_deploy(tmp_path, **extra):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.prod",
        "DJANGO_SECRET_KEY": "k" * 20 + "9f8e7d6c5b4a3210zyxwvutsrqponmlkjihgfedcba",
        "DJANGO_ALLOWED_HOSTS": "formarche.example.org",
        "FORMARCHE_VAR_DIR": str(tmp_path),
        "FORMARCHE_ALLOW_SQLITE": "1",
        **extra,
    }
    env.pop("DATABASE_URL", None)
    if "FORMARCHE_SITE_URL" not in extra:
        env.pop("FORMARCHE_SITE_URL", None)
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )


def test_check_deploy_with_production_settings_fails_without_the_site_url(tmp_path):
    missing = _check_deploy(tmp_path)
    assert missing.returncode != 0 and "formarche.E024" in missing.stderr + missing.stdout
    plain = _check_deploy(tmp_path, FORMARCHE_SITE_URL="http://formarche.example.org")
    assert plain.returncode != 0 and "formarche.E025" in plain.stderr + plain.stdout
    good = _check_deploy(tmp_path, FORMARCHE_SITE_URL="https://formarche.example.org")
    assert good.returncode == 0, good.stdout + good.stderr


@pytest.mark.django_db
@override_settings(FORMARCHE_SITE_URL=SITE)
def test_password_reset_link_uses_the_site_address_not_the_host_header(client):
    User.objects.create_user(email="anne@exemple.fr", password="x" * 12)
    client.post("/compte/mot-de-passe/oubli/", {"email": "anne@exemple.fr"}, HTTP_HOST="testserver")
    (message,) = mail.outbox
    assert f"{SITE}/compte/mot-de-passe/nouveau/" in message.body
    assert "testserver" not in message.body
    assert_only_absolute_links(message.body)


def test_every_module_that_sends_e_mail_builds_absolute_links():
    """A module that sends e-mail may call ``reverse()`` only inside ``_url(...)`` (which is
    ``absolute_url``) or use ``absolute_reverse``: a bare ``reverse()`` would put a path in a mail."""
    package = ROOT / "formarche"
    senders = [
        p
        for p in package.rglob("*.py")
        if "mail_enqueue(" in (text := p.read_text(encoding="utf-8")) or "send_mail(" in text
    ]
    assert {p.name for p in senders} >= {"notifications.py", "tasks.py"}
    offenders = []
    for path in senders:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if re.search(r"(?<![\w.])reverse\(", line) and "_url(reverse(" not in line:
                offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert not offenders, offenders

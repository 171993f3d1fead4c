import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

from formarche.accounts.demo import build_demo_world
from formarche.accounts.models import Membership, User
from formarche.organisations.models import Organisation

ROOT = Path(__file__).resolve().parent.parent


def test_production_settings_pass_check_deploy(tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.prod",
        "DJANGO_SECRET_KEY": "k" * 20 + "9f8e7d6c5b4a3210zyxwvutsrqponmlkjihgfedcba",
        "DJANGO_ALLOWED_HOSTS": "formarche.example.org",
        "FORMARCHE_SITE_URL": "https://formarche.example.org",
        "FORMARCHE_VAR_DIR": str(tmp_path),
        "FORMARCHE_ALLOW_SQLITE": "1",
    }
    env.pop("DATABASE_URL", None)
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_settings_refuse_a_missing_secret(tmp_path):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.prod", "FORMARCHE_VAR_DIR": str(tmp_path)}
    env.pop("DJANGO_SECRET_KEY", None)
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_settings_are_french_and_paris(settings):
    assert settings.LANGUAGE_CODE == "fr-fr"
    assert settings.TIME_ZONE == "Europe/Paris"
    assert settings.USE_TZ is True
    assert settings.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")


@pytest.mark.django_db
def test_demo_refused_without_debug():
    with pytest.raises(ImproperlyConfigured):
        build_demo_world()
    assert not User.objects.filter(email__endswith="@demo.formarche.fr").exists()


@pytest.mark.django_db
@override_settings(DEBUG=True)
def test_demo_world_is_idempotent_and_users_log_in(client):
    build_demo_world()
    counts = (Organisation.objects.count(), User.objects.count(), Membership.objects.count())
    build_demo_world()
    assert counts == (Organisation.objects.count(), User.objects.count(), Membership.objects.count())
    for email in ["of@demo.formarche.fr", "of2@demo.formarche.fr", "region@demo.formarche.fr"]:
        assert client.login(username=email, password="demo-formarche"), email
    assert Organisation.objects.get(provider_code="IN1331").is_of


def test_production_static_files_collect(tmp_path):
    """WhiteNoise's manifest storage refuses a file that references a missing one (e.g. a .map)."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.prod",
        "DJANGO_SECRET_KEY": "k" * 20 + "9f8e7d6c5b4a3210zyxwvutsrqponmlkjihgfedcba",
        "DJANGO_ALLOWED_HOSTS": "formarche.example.org",
        "FORMARCHE_SITE_URL": "https://formarche.example.org",
        "FORMARCHE_VAR_DIR": str(tmp_path),
        "FORMARCHE_ALLOW_SQLITE": "1",
    }
    env.pop("DATABASE_URL", None)
    result = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert (tmp_path / "staticfiles" / "staticfiles.json").exists()

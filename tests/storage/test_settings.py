"""The settings of the storage: S3 (django-storages, private objects) when S3_BUCKET is set, the
disk under var/media otherwise; the production settings pass `check --deploy` with S3 too."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
S3_ENV = {
    "S3_BUCKET": "formarche-prod",
    "S3_ENDPOINT_URL": "https://s3.example.org",
    "S3_ACCESS_KEY_ID": "AKIAEXAMPLE",
    "S3_SECRET_ACCESS_KEY": "secret-example",
    "S3_REGION": "fr-par",
}
PRINT_STORAGE = """
import json
from config.settings import prod
default = prod.STORAGES["default"]
options = dict(default.get("OPTIONS", {}))
config = options.pop("client_config", None)
if config is not None:
    options["addressing_style"] = config.s3["addressing_style"]
    options["retries"] = config.retries
print(json.dumps({"backend": default["BACKEND"], "options": options}))
"""


def prod_env(tmp_path, **extra) -> dict:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.prod",
        "DJANGO_SECRET_KEY": "k" * 20 + "9f8e7d6c5b4a3210zyxwvutsrqponmlkjihgfedcba",
        "DJANGO_ALLOWED_HOSTS": "formarche.example.org",
        "FORMARCHE_SITE_URL": "https://formarche.example.org",
        "FORMARCHE_VAR_DIR": str(tmp_path),
        "FORMARCHE_ALLOW_SQLITE": "1",
        **extra,
    }
    env.pop("DATABASE_URL", None)
    for name in S3_ENV:
        if name not in extra:
            env.pop(name, None)
    return env


def storage_of(env) -> dict:
    result = subprocess.run(
        [sys.executable, "-c", PRINT_STORAGE], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_s3_settings_give_private_unoverwritten_objects(tmp_path):
    storage = storage_of(prod_env(tmp_path, **S3_ENV))
    assert storage["backend"] == "storages.backends.s3.S3Storage"
    options = storage["options"]
    assert options["bucket_name"] == "formarche-prod" and options["endpoint_url"] == "https://s3.example.org"
    assert options["access_key"] == "AKIAEXAMPLE" and options["region_name"] == "fr-par"
    assert options["default_acl"] is None  # no ACL sent: never public-read
    assert options["querystring_auth"] is True and options["querystring_expire"] == 300
    assert options["file_overwrite"] is False
    assert options["addressing_style"] == "path" and options["retries"]["max_attempts"] == 2


def test_without_s3_the_files_stay_on_the_disk(tmp_path):
    storage = storage_of(prod_env(tmp_path))
    assert storage == {"backend": "django.core.files.storage.FileSystemStorage", "options": {}}


def test_production_settings_with_s3_pass_check_deploy(tmp_path):
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=prod_env(tmp_path, **S3_ENV),
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_no_admin_page_and_no_api_serializer_exposes_a_stored_file():
    """A FileField shown by the admin or serialised by the API would hand out ``storage.url()``: a
    signed S3 URL that opens the file without a login for 5 minutes. Files go through their views."""
    import inspect

    from django.contrib import admin
    from django.db.models import FileField
    from rest_framework import serializers

    from formarche.api import serializers as api_serializers

    with_files = [
        model.__name__
        for model in admin.site._registry
        if any(isinstance(field, FileField) for field in model._meta.get_fields())
    ]
    assert not with_files, f"modèles à fichier dans l'admin : {with_files}"
    for name, serializer in inspect.getmembers(api_serializers, inspect.isclass):
        if (
            issubclass(serializer, serializers.Serializer)
            and serializer.__module__ == api_serializers.__name__
        ):
            fields = serializer().fields if not issubclass(serializer, serializers.ListSerializer) else {}
            exposed = [key for key, field in fields.items() if isinstance(field, serializers.FileField)]
            assert not exposed, f"{name} sérialise un fichier : {exposed}"

"""What the worker tests share: the PostgreSQL-only skip and a media directory on disk."""

import pytest
from django.db import connection


@pytest.fixture
def postgresql_only():
    if connection.vendor == "sqlite":
        pytest.skip(
            "needs PostgreSQL (the test database shared with the worker subprocesses; SQLite runs in memory): "
            "runs in the PostgreSQL suite"
        )


@pytest.fixture
def media(settings, tmp_path):
    root = tmp_path / "media"
    root.mkdir()
    settings.MEDIA_ROOT = str(root)
    settings.STORAGES = {
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(root)},
        },
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    return root

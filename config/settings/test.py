"""Tests: fast hashing is NOT used for the hasher test; locmem e-mail; SQLite in memory unless DATABASE_URL."""

import os

from .base import *  # noqa: F403
from .base import DATABASES, tasks_setting

DEBUG = False
SECRET_KEY = "test-only-key-0123456789abcdefghijklmnopqrstuvwxyz-0123456789"
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Argon2 stays first (the tests assert it); a cheap hasher is appended for fixtures that set hashes.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.MD5PasswordHasher",
]
if not os.environ.get("DATABASE_URL"):
    DATABASES["default"]["TEST"] = {"NAME": ":memory:"}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# django-axes refuses authenticate() without a request; Django's test client.login() calls it so.
# This backend lets those calls through (no request, nothing to count) and checks every real one.
AUTHENTICATION_BACKENDS = [
    "tests.audit.axes_backend.RequestOptionalAxesBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Each test starts with an empty cache (tests/conftest.py): rate limits and throttles keep their
# production values, the URL walk stays far below them.

# --- tasks (issue #15) ---
# Tasks run at once in the caller unless FORMARCHE_TASKS says otherwise (the worker tests start
# real `formarche worker` processes with FORMARCHE_TASKS=database).
FORMARCHE_TASKS, TASKS = tasks_setting("immediate")

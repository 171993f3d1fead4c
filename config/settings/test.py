"""Tests: fast hashing is NOT used for the hasher test; locmem e-mail; SQLite in memory unless DATABASE_URL."""

import os

import dj_database_url

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

# --- replica (issue #15) ---
# A `replica` alias always exists in tests, a mirror of the test database (same data, another
# connection), and the router sends nothing to it unless a test turns DATABASE_REPLICA_READS on
# (tests/database/). Against the real cluster (scripts/cluster/postgres.sh), the test database is
# created on the primary directly (DATABASE_DIRECT_URL, not through PgBouncer) and
# tests/database/test_cluster_*.py point the aliases at the real replica and the pooler themselves.
if os.environ.get("DATABASE_DIRECT_URL"):
    DATABASES["default"] = dj_database_url.parse(os.environ["DATABASE_DIRECT_URL"], conn_max_age=60)
DATABASES["replica"] = {**DATABASES["default"], "TEST": {"MIRROR": "default"}}
DATABASE_REPLICA_READS = False
# --- end replica ---

# --- storage (issue #15) ---
# Files in memory, whatever S3_* says: the S3 tests (tests/storage/) start their own moto server
# and switch STORAGES to it themselves.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# --- end of storage ---

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

"""Production: every secret and host from the environment; passes `manage.py check --deploy`."""

import os

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import DATABASES, FORMARCHE_FILE_STORAGE, env_bool, env_list, tasks_setting

DEBUG = False
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if len(SECRET_KEY) < 50:
    raise ImproperlyConfigured("DJANGO_SECRET_KEY doit être défini (50 caractères au moins) en production.")
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS")
if not ALLOWED_HOSTS:
    raise ImproperlyConfigured("DJANGO_ALLOWED_HOSTS doit lister les noms d'hôte servis.")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

# SQLite honesty (docs/adr/0009-rate-limits-and-postgresql.md): the concurrency guarantees — row
# locks on numbering counters and validations (select_for_update), several workers writing at
# once — hold on PostgreSQL only. SQLite serialises writers and ignores row locks: right for one
# user on one machine, which FORMARCHE_ALLOW_SQLITE=1 declares.
ALLOW_SQLITE = env_bool("FORMARCHE_ALLOW_SQLITE", False)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3" and not ALLOW_SQLITE:
    raise ImproperlyConfigured(
        "Les réglages de production exigent PostgreSQL (DATABASE_URL=postgres://…) : les garanties de "
        "concurrence (numérotation des factures, validations simultanées) n'existent pas sur SQLite. "
        "Pour une installation mono-utilisateur sur un seul poste, déclarez-le avec FORMARCHE_ALLOW_SQLITE=1."
    )

SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_SECURE_HSTS_SECONDS", "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("DJANGO_SECURE_HSTS_PRELOAD", True)
# --- storage (issue #15) ---
# The files: S3 (django-storages, private bucket) when S3_BUCKET is set, else the disk under
# var/media — base.py decides (FORMARCHE_FILE_STORAGE). Several application servers or workers on
# other machines need S3: each one's disk is its own.
STORAGES = {
    "default": FORMARCHE_FILE_STORAGE,
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# --- end of storage ---
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))

# --- tasks (issue #15) ---
# Long jobs run queued in the database, run by `formarche worker` processes unless FORMARCHE_TASKS says otherwise (base.py, docs/adr/0011-task-workers.md).
FORMARCHE_TASKS, TASKS = tasks_setting("database")

# Certification authorities accepted on signed invoices: a path to a PEM/DER file or to a
# directory of them (formarche/billing/services.py, trust_roots). Unset: every signature is
# refused as « non reconnue ».
FORMARCHE_SIGNATURE_TRUST_ROOTS = os.environ.get("FORMARCHE_SIGNATURE_TRUST_ROOTS") or None

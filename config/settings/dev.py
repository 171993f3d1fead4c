"""Local development: DEBUG on, console e-mail, SQLite unless DATABASE_URL is set."""

import os

from .base import *  # noqa: F403
from .base import VAR_DIR, env_list, tasks_setting

DEBUG = True
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "dev-only-insecure-key-change-me-0123456789abcdefghijkl")
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")

# --- tasks (issue #15) ---
# Long jobs run in a thread of the web process (no worker to run) unless FORMARCHE_TASKS says otherwise (base.py, docs/adr/0011-task-workers.md).
FORMARCHE_TASKS, TASKS = tasks_setting("thread")

# Signed invoices in the demo: `formarche demo` creates a throw-away CA and signer under
# var/demo-pki/ (formarche/billing/demo_pki.py); signatures made with
# `formarche manage sign_demo_invoice <pdf> <sortie>` are then accepted. Never trust it elsewhere.
FORMARCHE_DEMO_PKI_DIR = VAR_DIR / "demo-pki"
FORMARCHE_SIGNATURE_TRUST_ROOTS = os.environ.get(
    "FORMARCHE_SIGNATURE_TRUST_ROOTS", str(FORMARCHE_DEMO_PKI_DIR / "ca.pem")
)

# --- outc ---
FORMARCHE_SITE_URL = os.environ.get("FORMARCHE_SITE_URL", "http://127.0.0.1:8000")
# --- end outc ---

"""Settings of the ``formarche worker`` processes the worker tests start: the test settings, the
database queue (``FORMARCHE_TASKS=database`` in their environment) and the test's media directory
on disk (``JOBS_TEST_MEDIA``), shared with the test process."""

import os

from config.settings.test import *  # noqa: F403

MEDIA_ROOT = os.environ["JOBS_TEST_MEDIA"]
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": MEDIA_ROOT},
    },
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

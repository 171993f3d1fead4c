"""Settings of the benchmark instance: production settings (DEBUG off, no query log), static files
collected without the manifest (see docs/performance.md: the manifest storage of the production
settings refuses the vendored bootstrap.bundle.min.js, whose source map is not shipped)."""

from config.settings.prod import *  # noqa: F403
from config.settings.prod import STORAGES

STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"}}

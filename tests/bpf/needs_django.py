"""Imported first by the Django tests of this folder: skips them when the pure engine tests run
alone (`pytest -p no:django --confcutdir=tests/bpf tests/bpf`)."""

import pytest
from django.conf import settings

if not settings.configured:
    pytest.skip("tests Django (lancer avec pytest-django)", allow_module_level=True)

"""The demo world for the browser journeys, whole or without some apps' demo data."""

from __future__ import annotations

import importlib
from contextlib import ExitStack, contextmanager

from django.test import override_settings

# Argon2 costs ~0.7 s per password on a busy machine: the demo users get a cheap hash for the tests
# (setting and checking), which is what the rest of the suite does with its own fixtures.
FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@contextmanager
def demo_world(*, without: tuple[str, ...] = ()):
    """Build the demo world (``build_demo_world``, under ``DEBUG=True``) and yield it, cheap
    password hashes in force meanwhile. ``without``: apps (``"formarche.closing"``…) whose
    ``demo.populate`` is skipped, for a journey that plays that part itself."""
    from formarche.accounts.demo import build_demo_world

    with override_settings(PASSWORD_HASHERS=FAST_HASHERS):
        with ExitStack() as skipped, override_settings(DEBUG=True):
            for app in without:
                module = importlib.import_module(f"{app}.demo")
                skipped.callback(setattr, module, "populate", module.populate)
                module.populate = _skip
            world = build_demo_world()
        yield world


def _skip(world) -> None:
    """A demo module's populate, skipped."""

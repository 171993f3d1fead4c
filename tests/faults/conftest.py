"""What the fault tests share: a media directory on disk (the killed process and the test read
the same files), the seed's order with its OF manager, and PostgreSQL-only skipping."""

import pytest
from django.db import connection

from formarche.accounts.models import Membership, Role, User
from tests.billing.workflow import seed_order
from tests.factories import OrganisationFactory


@pytest.fixture
def postgresql_only():
    if connection.vendor == "sqlite":
        pytest.skip(
            "needs PostgreSQL (the test database shared with a killed subprocess, or pg_terminate_backend): "
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


@pytest.fixture
def seeded(db):
    """The seed's order (March and April hours) and the OF manager who validates and issues."""
    provider = OrganisationFactory(name="Organisme Pannes")
    user = User.objects.create(email="of@pannes.fr")
    Membership.objects.create(user=user, organisation=provider, role=Role.OF_MANAGER)
    order = seed_order(region=OrganisationFactory(region=True), provider=provider)
    return order, user

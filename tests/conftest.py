import pytest
from django.core.cache import cache

from tests.world import PASSWORD, build_world


@pytest.fixture(autouse=True)
def _empty_cache():
    """Every test starts with an empty cache: rate-limit and throttle counters never leak between tests."""
    cache.clear()
    yield


@pytest.fixture
def world(db):
    return build_world()


@pytest.fixture
def login(client):
    """login(user) → the test client logged in as that user."""

    def _login(user):
        client.force_login(user)
        return client

    return _login


@pytest.fixture
def password():
    return PASSWORD


@pytest.fixture(autouse=True)
def _empty_bpf_memo():
    """The computed BPFs kept in this process's memory (ADR 0025) start empty: a rolled-back test
    leaves versions that a later test, reusing identifiers, would reach again."""
    from formarche.bpf.selectors import BPF_MEMO

    BPF_MEMO.clear()
    yield

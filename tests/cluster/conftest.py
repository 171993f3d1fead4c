"""The cluster journey (tests/cluster/) runs only against a started cluster (``bash scripts/cluster.sh
test`` exports its addresses); in the normal suite its tests are skipped, with this reason."""

import os

import pytest

REASON = "cluster local non démarré (CLUSTER_URL absent) : ce parcours se lance par « bash scripts/cluster.sh test »"


def pytest_collection_modifyitems(config, items):
    if os.environ.get("CLUSTER_URL"):
        return
    skip = pytest.mark.skip(reason=REASON)
    for item in items:
        if item.get_closest_marker("cluster") is not None:
            item.add_marker(skip)

"""The local cluster of scripts/cluster/postgres.sh and pgbouncer.sh, for the tests that need it.

They run when FORMARCHE_CLUSTER_ENV names the env file the scripts wrote (var/cluster/env) and the
test database lives on that cluster's primary (the test settings take DATABASE_DIRECT_URL for it):

    bash scripts/cluster/postgres.sh up && bash scripts/cluster/pgbouncer.sh up
    set -a; . var/cluster/env; set +a
    FORMARCHE_CLUSTER_ENV=var/cluster/env .venv/bin/pytest -m postgres tests/database -q

Otherwise they are skipped with the reason.
"""

from __future__ import annotations

import os
import socket
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.db import connection, connections

from formarche.utils import dbrouter


def cluster_env() -> dict[str, str]:
    if connection.vendor != "postgresql":
        pytest.skip("le cluster local est un cluster PostgreSQL : test sans objet sous SQLite")
    path = os.environ.get("FORMARCHE_CLUSTER_ENV", "")
    if not path or not Path(path).is_file():
        pytest.skip(
            "pas de cluster local : lancez scripts/cluster/postgres.sh up (et pgbouncer.sh up), "
            "puis FORMARCHE_CLUSTER_ENV=var/cluster/env"
        )
    values = {}
    for line in Path(path).read_text().splitlines():
        if line.startswith("export ") and "=" in line:
            name, _, value = line[len("export ") :].partition("=")
            values[name.strip()] = value.strip().strip("'\"")
    return values


def _answers(host: str, port: int) -> bool:
    try:
        socket.create_connection((host, port), timeout=1).close()
    except OSError:
        return False
    return True


def address(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    return parts.hostname or "127.0.0.1", parts.port or 5432


def require(env: dict[str, str], name: str) -> tuple[str, int]:
    url = env.get(name)
    if not url:
        pytest.skip(f"{name} absent du fichier du cluster : le composant n'est pas démarré")
    host, port = address(url)
    if not _answers(host, port):
        pytest.skip(f"{name} ({host}:{port}) ne répond pas : composant arrêté")
    primary = address(env.get("DATABASE_DIRECT_URL", ""))
    here = (connection.settings_dict["HOST"] or "127.0.0.1", int(connection.settings_dict["PORT"] or 5432))
    if here != primary:
        pytest.skip(
            f"la base de test est sur {here[0]}:{here[1]}, pas sur le primaire du cluster "
            f"{primary[0]}:{primary[1]} : chargez var/cluster/env (DATABASE_DIRECT_URL) avant pytest"
        )
    return host, port


def point_alias(alias: str, host: str, port: int, **extra):
    """Point ``alias`` at host:port (same test database), in place so that every thread sees it;
    returns a function that puts it back."""
    settings_dict = connections[alias].settings_dict
    saved = {key: settings_dict.get(key) for key in ("HOST", "PORT", "NAME", *extra)}
    name = connections["default"].settings_dict["NAME"]
    connections[alias].close()
    settings_dict.update({"HOST": host, "PORT": port, "NAME": name, **extra})
    connections.settings[alias] = settings_dict

    def restore():
        connections[alias].close()
        for key, value in saved.items():
            if value is None:
                settings_dict.pop(key, None)
            else:
                settings_dict[key] = value

    return restore


def wait_replayed(lsn: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if dbrouter.replica_caught_up(dbrouter.probe_replica(), lsn):
            return
        time.sleep(0.05)
    raise AssertionError(f"la réplique n'a pas rejoué {lsn} en {timeout} s")

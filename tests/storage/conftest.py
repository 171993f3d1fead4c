"""A real S3 server for the storage tests: moto in server mode on 127.0.0.1 (a port of 57200-57299),
started once per test session (one per xdist worker), killed at the end. Each test gets its own
bucket and switches STORAGES["default"] to django-storages' S3 backend with the options of the
production settings (``config.settings.base.s3_storage_options``)."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import boto3
import pytest

from config.settings.base import s3_storage_options
from formarche.accounts.models import Membership, Role, User
from tests.billing.workflow import seed_order
from tests.factories import OrganisationFactory

PORTS = range(57200, 57300)
ACCESS_KEY, SECRET_KEY, REGION = "formarche-test", "formarche-test-secret", "eu-west-3"


def _free_port(start: int) -> int:
    for port in [*PORTS[start:], *PORTS[:start]]:
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("aucun port libre entre 57200 et 57299")


def _worker_offset() -> int:
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    digits = "".join(c for c in worker if c.isdigit()) or "0"
    return (int(digits) * 10) % len(PORTS)


def _wait_for(port: int, process: subprocess.Popen, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"moto_server s'est arrêté au démarrage (code {process.returncode})")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"moto_server ne répond pas sur le port {port} après {timeout} s")


def moto_command() -> str:
    beside = Path(sys.executable).with_name("moto_server")
    return str(beside) if beside.exists() else (shutil.which("moto_server") or "moto_server")


@dataclass
class MotoServer:
    port: int
    process: subprocess.Popen

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start_moto(start: int = 0) -> MotoServer:
    port = _free_port(start)
    process = subprocess.Popen(
        [moto_command(), "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    server = MotoServer(port, process)
    try:
        _wait_for(port, process)
    except Exception:
        server.stop()
        raise
    return server


@pytest.fixture(scope="session")
def moto_server():
    server = start_moto(_worker_offset())
    yield server
    server.stop()


def s3_client(endpoint: str):
    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
        region_name=REGION,
    )


def s3_storages(endpoint: str, bucket: str) -> dict:
    options = s3_storage_options(
        bucket=bucket, endpoint_url=endpoint, access_key=ACCESS_KEY, secret_key=SECRET_KEY, region=REGION
    )
    return {
        "default": {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": options},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@dataclass
class Bucket:
    name: str
    endpoint: str
    client: object

    def keys(self) -> list[str]:
        listing = self.client.list_objects_v2(Bucket=self.name)
        return sorted(item["Key"] for item in listing.get("Contents", []))

    def get(self, key: str) -> bytes:
        return self.client.get_object(Bucket=self.name, Key=key)["Body"].read()


def create_bucket(endpoint: str) -> Bucket:
    client = s3_client(endpoint)
    name = f"formarche-{uuid.uuid4().hex[:12]}"
    client.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": REGION})
    return Bucket(name, endpoint, client)


@pytest.fixture
def s3(moto_server, settings):
    """A fresh private bucket on the session's moto server, and STORAGES switched to it."""
    bucket = create_bucket(moto_server.endpoint)
    settings.STORAGES = s3_storages(moto_server.endpoint, bucket.name)
    return bucket


@pytest.fixture
def switch_storage(settings):
    """switch_storage(endpoint, bucket): STORAGES pointed elsewhere mid-test (a dead port…)."""

    def _switch(endpoint: str, bucket: str) -> None:
        settings.STORAGES = s3_storages(endpoint, bucket)

    return _switch


@pytest.fixture
def dead_endpoint() -> str:
    """An address where nothing listens (a port of the range found free, and left closed)."""
    return f"http://127.0.0.1:{_free_port(95)}"


@pytest.fixture
def seeded(db):
    """The seed's order (March and April hours) and the OF manager who validates and issues."""
    provider = OrganisationFactory(name="Organisme Stockage")
    user = User.objects.create(email="of@stockage.fr")
    Membership.objects.create(user=user, organisation=provider, role=Role.OF_MANAGER)
    order = seed_order(region=OrganisationFactory(region=True), provider=provider)
    return order, user

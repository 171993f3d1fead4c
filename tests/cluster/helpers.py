"""What the cluster journey needs: an HTTP client keeping its own cookies, the cluster's addresses
(var/cluster/env, exported by scripts/cluster.sh), the databases and the component scripts."""

from __future__ import annotations

import os
import re
import subprocess
import time
from pathlib import Path

import psycopg
import requests

ROOT = Path(os.environ.get("CLUSTER_ROOT", Path(__file__).resolve().parents[2]))
PROXY = os.environ.get("CLUSTER_URL", "http://127.0.0.1:28000")
WEB1, WEB2 = "http://127.0.0.1:28001", "http://127.0.0.1:28002"
OF_EMAIL = "of@demo.formarche.fr"
UNAVAILABLE = "Service momentanément indisponible"


class Browser:
    """One user: cookies kept by hand (the production settings mark them Secure, and the cluster
    speaks plain HTTP on 127.0.0.1, where ``requests`` would not send them back)."""

    def __init__(self, base: str = PROXY):
        self.base = base
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, *, base: str | None = None, **kwargs) -> requests.Response:
        kwargs.setdefault("allow_redirects", False)
        kwargs.setdefault("timeout", 60)
        response = requests.request(method, (base or self.base) + path, cookies=self.cookies, **kwargs)
        for cookie in response.cookies:
            if cookie.value:
                self.cookies[cookie.name] = cookie.value
            else:
                self.cookies.pop(cookie.name, None)
        return response

    def get(self, path: str, **kwargs) -> requests.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, data: dict | None = None, **kwargs) -> requests.Response:
        if "csrftoken" not in self.cookies:
            self.get("/compte/connexion/", base=kwargs.get("base"))
        data = {"csrfmiddlewaretoken": self.cookies["csrftoken"], **(data or {})}
        return self.request("POST", path, data=data, **kwargs)

    def log_in(self, email: str, password: str) -> requests.Response:
        self.get("/compte/connexion/")
        return self.post("/compte/connexion/", {"username": email, "password": password})


def primary_url() -> str:
    return os.environ.get("DATABASE_DIRECT_URL") or os.environ["DATABASE_URL"]


def sql(query: str, params=(), *, url: str | None = None) -> list[tuple]:
    with psycopg.connect(url or primary_url(), autocommit=True) as conn:
        return conn.execute(query, params).fetchall()


def component(name: str, *args: str) -> str:
    done = subprocess.run(
        ["bash", str(ROOT / "scripts" / "cluster" / f"{name}.sh"), *args],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, f"{name}.sh {' '.join(args)} : {done.stdout}\n{done.stderr}"
    return done.stdout


def wait_until(condition, *, timeout: float, every: float = 0.5, what: str = ""):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"délai dépassé ({timeout} s) : {what}")


def without_tokens(html: str) -> str:
    """A page without what changes at every rendering (CSRF tokens)."""
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"|"X-CSRFToken": "[^"]+"', "", html)

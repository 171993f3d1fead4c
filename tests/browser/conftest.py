"""Browser journeys: the app served on 127.0.0.1, Debian's Chromium driven by Playwright (sync API).

- ``live_server`` (overridden here): pytest-django's threaded server on 127.0.0.1, on a free port,
  against the test database (in-memory SQLite is shared with the server thread);
- ``demo``: the demo world (``build_demo_world``) built in the test database for each test;
- ``browser``: one Chromium for the session; ``journey``: a fresh context and page per test,
  wrapped in ``tests.browser.harness.Journey`` (screenshot + axe after every page).

The suite is skipped, with the reason printed in the header and the summary, only when Chromium or
the playwright package is missing; ``scripts/browser-deps.sh`` installs both (CI runs it).
"""

from __future__ import annotations

import os
import shutil
import threading

import pytest
from django.conf import settings
from django.test import override_settings

from tests.browser.harness import SCREENSHOTS, Journey
from tests.browser.worlds import demo_world

CHROMIUM = os.environ.get("FORMARCHE_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--no-first-run",
]
VIEWPORT = {"width": 1280, "height": 900}
TIMEOUT_MS = 15_000


def _missing() -> str | None:
    """Why the browser suite cannot run here, or None."""
    try:
        import playwright  # noqa: F401
    except ImportError:
        return "playwright absent : bash scripts/browser-deps.sh (ou .venv/bin/pip install playwright)"
    if not (shutil.which(CHROMIUM) or os.access(CHROMIUM, os.X_OK)):
        return f"Chromium absent ({CHROMIUM}) : apt-get install chromium (ou bash scripts/browser-deps.sh)"
    return None


MISSING = _missing()


def pytest_configure(config):
    config.addinivalue_line("markers", "browser: parcours dans un vrai navigateur (Playwright + Chromium)")


def pytest_report_header(config):
    if MISSING:
        return f"tests navigateur : SAUTÉS — {MISSING}"
    return f"tests navigateur : Chromium {CHROMIUM}, captures dans {SCREENSHOTS}"


def pytest_terminal_summary(terminalreporter):
    if MISSING:
        terminalreporter.write_sep("!", f"tests navigateur SAUTÉS — {MISSING}", yellow=True)


class _OneRequestAtATime:
    """WSGI wrapper: requests run one after the other (see ``live_server``)."""

    def __init__(self, app):
        self.app = app
        self.lock = threading.Lock()

    def __call__(self, environ, start_response):
        with self.lock:
            return self.app(environ, start_response)


@pytest.fixture(scope="session")
def live_server():
    """pytest-django's live server, on 127.0.0.1 and a free port (port 0).

    With in-memory SQLite, every request thread shares the test's single connection; two requests
    at once (the hour grid saves each cell as the user leaves it, so a fast typist sends several)
    would interleave their transactions on it and lose writes. There, requests are serialised. On
    PostgreSQL each thread has its own connection and requests run concurrently, as in production.
    """
    from django.test.testcases import LiveServerThread
    from pytest_django.live_server_helper import LiveServer

    class Thread(LiveServerThread):
        def _create_server(self, connections_override=None):
            httpd = super()._create_server(connections_override=connections_override)
            if connections_override:
                set_app = httpd.set_app
                httpd.set_app = lambda app: set_app(_OneRequestAtATime(app))
            return httpd

    server = LiveServer("127.0.0.1", start=False)
    old = server.thread
    server.thread = Thread(
        old.host,
        static_handler=old.static_handler,
        connections_override=old.connections_override,
        port=old.port,
    )
    server.thread.daemon = True
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def browser():
    # Module scope, not session: Playwright's sync API keeps an event loop running in this thread
    # while it lives, and pytest-django runs the tests that need no database (pyHanko's signature
    # checks call asyncio.run()) after the transactional ones — they must not find it running.
    if MISSING:
        pytest.skip(MISSING)
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the test code's ORM calls are
    # still synchronous, so Django's async-safety check is lifted for the browser session only.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    manager = sync_playwright().start()
    chromium = manager.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield chromium
    chromium.close()
    manager.stop()
    if previous is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def demo(transactional_db):
    """The demo world (Région Occitanie, OF IN1331 with the seed's orders, OF 2) in the test DB.

    A journey needing another world overrides this fixture in its module (see ``worlds.demo_world``).
    """
    with demo_world() as world:
        yield world


@pytest.fixture
def demo_password():
    return settings.DEMO_PASSWORD


@pytest.fixture
def journey(request, browser, live_server, demo):
    """A fresh browser context (no cookies) and its page, with screenshots and axe after each page.

    ``journey.window(name)`` opens (once) and switches to another window with its own context, so
    that a second user can stay logged in beside the first.
    """
    contexts = []

    def new_page():
        context = browser.new_context(viewport=VIEWPORT, locale="fr-FR", timezone_id="Europe/Paris")
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context.new_page()

    trip = Journey(new_page(), live_server.url, request.node.name, new_page=new_page)
    yield trip
    try:
        if not getattr(request.node, "rep_call_failed", True):
            trip.finish()
    finally:
        trip.save_timings()
        for context in contexts:
            context.close()


@pytest.fixture
def trusted_pki(tmp_path):
    """A throw-away CA (tests/billing/pki.py) set as the only trust root of signed invoices."""
    from cryptography.hazmat.primitives import serialization

    from tests.billing.pki import make_pki

    pki = make_pki("AC formarche tests navigateur", "Claire Martin")
    root = tmp_path / "ac.pem"
    root.write_bytes(pki.ca_certificate.public_bytes(serialization.Encoding.PEM))
    with override_settings(FORMARCHE_SIGNATURE_TRUST_ROOTS=str(root)):
        yield pki


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call":
        item.rep_call_failed = report.failed
    return report

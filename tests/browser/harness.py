"""The browser journeys' helper: one ``Journey`` per test wraps a Playwright page.

After every page the journey visits, ``check(step)`` saves a numbered screenshot
(``var/screenshots/<test>/<nn>-<step>.png``) and runs axe-core on the page; a serious or critical
violation fails the test with a readable list. A page that loads without being checked fails the
test too (at the next check, or at the end), so no visited page escapes the accessibility check.
Server errors (5xx) and JavaScript errors on a page fail the test as well.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import time
import unicodedata
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

BLOCKING_IMPACTS = ("serious", "critical")
MAIN_WINDOW = "principale"
HERE = Path(__file__).resolve().parent
AXE_JS = HERE / "vendor" / "axe.min.js"
SCREENSHOTS = HERE.parent.parent / "var" / "screenshots"

# axe.run(): WCAG 2.x A/AA plus best practices; only the results that failed come back.
AXE_RUN = """
async () => {
  const results = await axe.run(document, {resultTypes: ["violations"]});
  return results.violations.map(v => ({
    id: v.id,
    impact: v.impact,
    help: v.help,
    helpUrl: v.helpUrl,
    nodes: v.nodes.map(n => ({target: n.target.join(" "), html: n.html.slice(0, 200),
                              summary: (n.failureSummary || "").slice(0, 400)})),
  }));
}
"""


# axe results by page content: a page seen again unchanged (the login form, a refusal page…) is not
# analysed twice in a session. The CSRF tokens, different on every page, are left out of the key.
_AXE_CACHE: dict[str, list[dict]] = {}
_TOKENS = re.compile(r"\b[A-Za-z0-9]{64}\b")  # Django's masked CSRF tokens


def _content_key(html: str) -> str:
    return hashlib.sha256(_TOKENS.sub("", html).encode()).hexdigest()


def slug(text: str) -> str:
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-zA-Z0-9]+", "-", text).strip("-").lower()[:60] or "page"


class AccessibilityError(AssertionError):
    pass


def in_thread(function, *args, **kwargs):
    """Run ``function`` in a worker thread and return its result.

    pyHanko signs and verifies with ``asyncio.run()``, which refuses to run inside the event loop
    Playwright's sync API keeps in the test thread. A function reaching the database there (a
    service verifying a signature) uses the worker's own connection, closed at the end (on
    in-memory SQLite the database is shared between connections and Django keeps it open).
    """

    def run():
        from django.db import connections

        try:
            return function(*args, **kwargs)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(run).result()


def format_violations(step: str, url: str, violations: list[dict]) -> str:
    lines = [f"axe-core : violations graves sur « {step} » ({url}) :"]
    for v in violations:
        lines.append(f"- {v['id']} [{v['impact']}] {v['help']} — {v['helpUrl']}")
        for node in v["nodes"][:8]:
            lines.append(f"    cible : {node['target']}")
            lines.append(f"      html : {node['html']}")
            if node["summary"]:
                lines.append("      " + node["summary"].replace("\n", "\n      "))
        if len(v["nodes"]) > 8:
            lines.append(f"    … et {len(v['nodes']) - 8} autre(s) élément(s)")
    return "\n".join(lines)


class Journey:
    """A Playwright page plus the house rules: screenshot and axe after every page."""

    def __init__(self, page, base_url: str, name: str, *, new_page=None):
        self.page = page
        self._new_page = new_page
        self.windows = {MAIN_WINDOW: page}
        self.base_url = base_url.rstrip("/")
        self.dir = SCREENSHOTS / slug(name)
        shutil.rmtree(self.dir, ignore_errors=True)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.number = 0
        self.unchecked: list[str] = []
        self.errors: list[str] = []
        self.minor: list[dict] = []
        self.timings: list[str] = []
        self._since = time.monotonic()
        self._watch(page)

    def _watch(self, page):
        page.on("load", lambda p: self.unchecked.append(p.url))
        page.on("pageerror", lambda exc: self.errors.append(f"erreur JavaScript : {exc}"))
        page.on("response", self._on_response)

    def window(self, name: str = MAIN_WINDOW):
        """Switch to the browser window ``name`` and return its page.

        Each window other than the first (``MAIN_WINDOW``) is a separate browser context, opened on
        first use with no cookies: two users (the OF and the Région) can then stay logged in side by
        side instead of logging out and in again. Screenshots keep one numbering for the test.
        """
        if name not in self.windows:
            if self._new_page is None:
                raise AssertionError("ce parcours n'a pas de fabrique de fenêtres (fixture journey)")
            page = self._new_page()
            self._watch(page)
            self.windows[name] = page
        self.page = self.windows[name]
        return self.page

    # --- events -------------------------------------------------------------------------------
    def _on_response(self, response):
        if response.request.is_navigation_request() and response.status >= 500:
            self.errors.append(f"erreur serveur {response.status} sur {response.url}")

    def _raise_errors(self):
        if self.errors:
            errors, self.errors = self.errors, []
            raise AssertionError("\n".join(errors))

    # --- navigation ---------------------------------------------------------------------------
    def url(self, path: str) -> str:
        return path if path.startswith("http") else self.base_url + path

    def goto(self, path: str, step: str, *, status: int | tuple[int, ...] = 200):
        """Type ``path`` in the address bar, check the HTTP status, then check the page."""
        response = self.page.goto(self.url(path))
        expected = (status,) if isinstance(status, int) else status
        assert response is not None and response.status in expected, (
            f"{path} : statut {response.status if response else '—'}, attendu {expected}"
        )
        self.check(step)
        return response

    def navigate(self, step: str, action):
        """Run ``action`` (a click, a key press…) that loads a new page, then check that page."""
        with self.page.expect_navigation():
            action()
        self.check(step)

    def tab_to(self, selector: str, *, max_presses: int = 40):
        """Press Tab until the element matching ``selector`` has the focus (keyboard users' way)."""
        target = self.page.locator(selector)
        for _ in range(max_presses):
            if target.evaluate("el => el === document.activeElement"):
                return
            self.page.keyboard.press("Tab")
        raise AssertionError(f"{selector} n'est pas atteignable au clavier en {max_presses} tabulations")

    # --- the check after every page -----------------------------------------------------------
    def check(self, step: str):
        self._raise_errors()
        current = self.page.url
        skipped = [url for url in self.unchecked[:-1] if url != "about:blank"]
        assert not skipped, f"pages visitées sans capture ni contrôle axe : {skipped}"
        self.unchecked = []
        self.number += 1
        name = f"{self.number:02d}-{slug(step)}"
        started = time.monotonic()
        self.page.screenshot(path=str(self.dir / f"{name}.png"), full_page=True)
        shot = time.monotonic()
        key = _content_key(self.page.content())
        violations = _AXE_CACHE.get(key)
        if violations is None:
            if not self.page.evaluate("typeof window.axe !== 'undefined'"):
                self.page.add_script_tag(path=str(AXE_JS))
            violations = _AXE_CACHE[key] = self.page.evaluate(AXE_RUN)
        done = time.monotonic()
        self.timings.append(
            f"{name}: page {started - self._since:.2f} s, capture {shot - started:.2f} s, axe {done - shot:.2f} s"
        )
        self._since = done
        blocking = [v for v in violations if v["impact"] in BLOCKING_IMPACTS]
        others = [v for v in violations if v["impact"] not in BLOCKING_IMPACTS]
        if violations:
            (self.dir / f"{name}.axe.json").write_text(
                json.dumps({"url": current, "violations": violations}, ensure_ascii=False, indent=1)
            )
        for v in others:
            self.minor.append({"step": name, "id": v["id"], "impact": v["impact"]})
        if blocking:
            raise AccessibilityError(format_violations(step, current, blocking))

    def save_timings(self):
        (self.dir / "timings.txt").write_text("\n".join(self.timings) + "\n")

    def finish(self):
        """End of the test: the last pages must have been checked too."""
        self._raise_errors()
        assert not self.unchecked, f"pages visitées sans capture ni contrôle axe : {self.unchecked}"

    # --- common steps -------------------------------------------------------------------------
    def login(self, email: str, password: str):
        """Log in with the keyboard only: Tab to the e-mail field, type, Tab, type, Enter."""
        self.goto("/compte/connexion/", f"connexion {email.split('@')[0]}")
        self.tab_to("input[name=username]")
        self.page.keyboard.type(email)
        self.page.keyboard.press("Tab")
        assert self.page.evaluate("document.activeElement.name") == "password", (
            "après l'e-mail, la tabulation doit mener au mot de passe"
        )
        self.page.keyboard.type(password)
        self.navigate(f"accueil {email.split('@')[0]}", lambda: self.page.keyboard.press("Enter"))
        assert "/compte/connexion/" not in self.page.url, "la connexion a échoué"

    def logout(self):
        button = self.page.get_by_role("button", name=re.compile("Se déconnecter"))
        self.navigate("deconnexion", button.click)

"""The chat page in Debian's Chromium through Playwright, shared by the browser test modules.

Needs /usr/bin/chromium and the playwright package (its own browser downloads are not used).
axe-core is vendored in tests/vendor (from npm; see the README there).
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
if not Path(CHROMIUM).exists():
    pytest.skip(f"browser tests need Chromium at {CHROMIUM} (apt-get install chromium)", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api", reason="browser tests need the playwright package")
expect = sync_api.expect

AXE = (Path(__file__).resolve().parent / "vendor" / "axe.min.js").read_text(encoding="utf-8")
EXAMPLE = "What is Xi'an's 2030 NEV output target?"
STEP = 30_000  # ms; the longest any one step may take
expect.set_options(timeout=STEP)
SHOTS = ROOT / "docs" / "screenshots"


def launch(playwright):
    return playwright.chromium.launch(executable_path=CHROMIUM, args=[
        "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"])


class Page:
    """A fresh browser context (so fresh storage) that records page errors and foreign requests.
    Pages opened with `tab()` share the context, as two tabs of one browser do."""

    def __init__(self, browser, base: str, width: int = 1280, height: int = 860, dark: bool = False,
                 context=None) -> None:
        self.base = base
        self.own_context = context is None
        self.context = context or browser.new_context(viewport={"width": width, "height": height},
                                                      color_scheme="dark" if dark else "light")
        self.context.set_default_timeout(STEP)
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.foreign: list[str] = []
        self.page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" and not self._expected(m.text) else None)
        self.page.on("request", lambda r: self.foreign.append(r.url) if not r.url.startswith((base, "data:", "blob:")) else None)
        self.page.goto(base + "/")

    @staticmethod
    def _expected(text: str) -> bool:
        # a stopped or failed request, or an error status the page shows inline
        return any(s in text for s in ("Failed to fetch", "ERR_CONNECTION_REFUSED", "status of 4", "ERR_FAILED", "aborted"))

    def tab(self) -> "Page":
        return Page(None, self.base, context=self.context)

    def ask(self, question: str) -> None:
        box = self.page.locator("#question")
        box.fill(question)
        box.press("Enter")

    def turns(self):
        return self.page.locator("#conversation > li")

    def answered(self, n: int):
        """The n-th bot message (1-based), once it has finished."""
        bot = self.turns().nth(n - 1).locator(".msg.bot")
        expect(bot).not_to_have_class(re.compile(r"\bpending\b"))
        return bot

    def axe(self, *skip: str) -> list[dict]:
        """axe-core's violations on the page as it is now (WCAG 2.x A/AA and best practices)."""
        if not self.page.evaluate("typeof window.axe !== 'undefined'"):
            self.page.evaluate(AXE)  # evaluated, not a <script>: the page's CSP allows only its own scripts
        return self.page.evaluate("""async () => {
            const result = await axe.run(document, {resultTypes: ['violations']});
            return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}));
        }""")

    def shoot(self, name: str, tmp: Path, full_page: bool = False) -> Path:
        """A screenshot into docs/screenshots when RAG_SCREENSHOT=1, else into tmp (still taken, so it is tested)."""
        import os

        folder = SHOTS if os.environ.get("RAG_SCREENSHOT") else tmp
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=full_page)
        return path

    def close(self) -> None:
        assert not self.errors, self.errors
        assert not self.foreign, f"requests left the server: {self.foreign}"
        if self.own_context:
            self.context.close()
        else:
            self.page.close()


def serious(violations: list[dict]) -> list[dict]:
    return [v for v in violations if v["impact"] in ("serious", "critical")]

"""Debian's Chromium driven by Playwright (no browser download): a headless browser that records
every request and console message of the pages it opens.

Used by the site test and by `python -m tests.browser.chromium SITE_DIR OUT_DIR` (screenshots
of the main pages for docs/).
"""
from __future__ import annotations

import os
import shutil
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path

CHROMIUM = os.environ.get("GOVREPORTS_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
# Headless, as root, and without any of Chromium's own traffic (updates, sync, field trials...).
ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-component-update",
        "--no-first-run", "--disable-sync", "--disable-gpu", "--disable-quic",
        "--disable-default-apps", "--disable-extensions", "--metrics-recording-only",
        "--no-default-browser-check", "--disable-domain-reliability"]


class Recorder:
    """Requests and console messages seen by a browser context."""

    def __init__(self, context):
        self.requests: list[str] = []
        self.console: list[tuple[str, str]] = []
        self.page_errors: list[str] = []
        context.on("request", lambda r: self.requests.append(r.url))
        context.on("console", lambda m: self.console.append((m.type, m.text)))
        context.on("weberror", lambda e: self.page_errors.append(str(e.error)))

    def errors(self) -> list[str]:
        return [text for kind, text in self.console if kind == "error"] + self.page_errors

    def outside_file(self) -> list[str]:
        return [u for u in self.requests if not u.startswith("file://")]


@contextmanager
def browser(width: int = 1280, height: int = 900):
    """(context, recorder) of a fresh headless Chromium with a fresh profile."""
    from playwright.sync_api import sync_playwright
    profile = tempfile.mkdtemp(prefix="govreports-chromium-")
    try:
        with sync_playwright() as p:
            context = p.chromium.launch_persistent_context(
                profile, executable_path=CHROMIUM, headless=True, args=ARGS,
                viewport={"width": width, "height": height}, locale="zh-CN")
            try:
                yield context, Recorder(context)
            finally:
                context.close()
    finally:
        shutil.rmtree(profile, ignore_errors=True)


def screenshots(site: Path, out: Path, report_page: str | None = None) -> list[Path]:
    """PNG screenshots of the coverage, trends, dictionary and one report page."""
    site, out = Path(site).resolve(), Path(out)
    out.mkdir(parents=True, exist_ok=True)
    pages = [("coverage", "index.html"), ("trends", "trends.html"), ("dictionary", "dictionary.html")]
    report = report_page or sorted((site / "reports").glob("*.html"))[0].relative_to(site).as_posix()
    pages.append(("report", report))
    shots = []
    with browser() as (context, _rec):
        page = context.new_page()
        for name, rel in pages:
            page.goto((site / rel).as_uri())
            path = out / f"site-{name}.png"
            page.screenshot(path=str(path), full_page=False)
            shots.append(path)
    return shots


if __name__ == "__main__":
    for shot in screenshots(Path(sys.argv[1]), Path(sys.argv[2]), *(sys.argv[3:4])):
        print(shot)

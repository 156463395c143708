"""Debian's chromium driven by Playwright (never its own browser download), for the pages'
real-browser tests; screenshots go to test-output/."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OUTPUT = ROOT / "test-output"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]


@contextmanager
def phone_page(stack) -> Iterator[tuple]:
    """A phone-sized browser page on the console's home page, once the widget has greeted."""
    from playwright.sync_api import sync_playwright

    OUTPUT.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 375, "height": 812})
            page.goto(stack.console_url + "/")
            widget = page.locator("#banshi-widget")
            widget.get_by_role("button", name="新生儿出生", exact=True).wait_for(timeout=60_000)
            yield browser, page, widget
        finally:
            browser.close()

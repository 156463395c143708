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
def browser_page(url: str, width: int, height: int) -> Iterator[tuple]:
    """A browser with one page of the given size opened at `url`."""
    from playwright.sync_api import sync_playwright

    OUTPUT.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": width, "height": height})
            page.goto(url)
            yield browser, page
        finally:
            browser.close()


@contextmanager
def phone_page(stack) -> Iterator[tuple]:
    """A phone-sized browser page on the console's home page, once the widget has greeted."""
    with browser_page(stack.console_url + "/", 375, 812) as (browser, page):
        widget = page.locator("#banshi-widget")
        widget.get_by_role("button", name="新生儿出生", exact=True).wait_for(timeout=60_000)
        yield browser, page, widget

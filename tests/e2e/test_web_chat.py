"""The web chat widget: served by the console, speaking socket.io to Rasa, in a real browser."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from tests.support import web_chat

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


def test_widget_and_its_assets_are_served(stack):
    page = httpx.get(stack.console_url + "/", timeout=10)
    assert page.status_code == 200 and '<script src="/widget.js"' in page.text
    widget = httpx.get(stack.console_url + "/widget.js", timeout=10)
    assert widget.status_code == 200 and widget.headers["access-control-allow-origin"] == "*"
    assert stack.rasa_url.split(":")[-1] in widget.text
    assert httpx.get(stack.console_url + "/vendor/socket.io.min.js", timeout=10).status_code == 200


def test_citations_link_to_readable_guides(stack):
    found = httpx.get(stack.console_url + "/guides/by-title/新生儿出生一件事", timeout=10, follow_redirects=True)
    assert found.status_code == 200 and "出生医学证明" in found.text
    assert httpx.get(stack.console_url + "/guides/no_such_guide", timeout=10).status_code == 404
    assert httpx.get(stack.console_url + "/guides/by-title/不存在的指南", timeout=10).status_code == 404


def test_socketio_round_trip_in_a_session_the_console_issued(stack):
    token = web_chat.new_session(stack.console_url)
    with web_chat.connect(stack.rasa_url, token, origin=stack.console_url) as client:
        sender = web_chat.session_id(client)
        assert sender.startswith("web:")
        client.emit("user_uttered", {"message": "你好"})
        assert any(data.get("quick_replies") for data in web_chat.replies(client, 3))
    # the same token reconnects to the same conversation (a reload of the page)
    with web_chat.connect(stack.rasa_url, token) as client:
        assert web_chat.session_id(client) == sender


@pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is installed by scripts/setup.sh")
def test_widget_in_a_real_browser(stack):
    from playwright.sync_api import sync_playwright

    OUTPUT.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 375, "height": 812})
        page.goto(stack.console_url + "/")
        widget = page.locator("#banshi-widget")
        menu_button = widget.get_by_role("button", name="新生儿出生", exact=True)
        menu_button.wait_for(timeout=60_000)
        menu_button.click()
        widget.get_by_text("新生儿出生一件事", exact=False).first.wait_for(timeout=60_000)
        assert "示例市卫生健康委员会" in widget.locator("ol").inner_text()

        panel = widget.locator(".panel")
        width = panel.evaluate("el => el.getBoundingClientRect().width")
        assert width <= 375
        base_size = panel.evaluate("el => parseFloat(getComputedStyle(el).fontSize)")
        widget.get_by_role("button", name="大字号").click()
        assert panel.evaluate("el => parseFloat(getComputedStyle(el).fontSize)") > base_size
        page.screenshot(path=str(OUTPUT / "widget-375px-large-text.png"))

        shown = widget.locator("li").count()
        page.reload()
        widget.get_by_role("button", name="新生儿出生", exact=True).first.wait_for(timeout=30_000)
        assert widget.locator("li").count() == shown, "the conversation survives a reload"
        assert page.evaluate("localStorage.getItem('banshi.large_text')") == "true"
        kept = page.evaluate("Object.keys(localStorage).filter(k => k.startsWith('banshi.'))")
        assert sorted(kept) == ["banshi.large_text", "banshi.open"], "nothing of the conversation in localStorage"

        widget.get_by_role("textbox").fill("我的身份证号是110101199003074514")
        widget.get_by_role("button", name="发送").click()
        widget.get_by_text("110101199003074514").wait_for(timeout=10_000)
        assert "110101199003074514" not in page.evaluate("sessionStorage.getItem('banshi.transcript')")
        token_before = page.evaluate("JSON.parse(sessionStorage.getItem('banshi.session')).token")

        widget.get_by_role("button", name="退出", exact=True).click()
        widget.get_by_role("button", name="确定退出").click()
        widget.get_by_text("本机上的聊天记录已清空").wait_for(timeout=30_000)
        widget.get_by_role("button", name="新生儿出生", exact=True).first.wait_for(timeout=60_000)
        assert "110101199003074514" not in widget.locator("ol").inner_text()
        assert page.evaluate("JSON.parse(sessionStorage.getItem('banshi.session')).token") != token_before
        page.screenshot(path=str(OUTPUT / "widget-after-leaving.png"))

        widget.get_by_role("button", name="转人工", exact=True).click()
        widget.get_by_text("登记号", exact=False).first.wait_for(timeout=60_000)

        desktop = browser.new_page(viewport={"width": 1280, "height": 860})
        desktop.goto(stack.console_url + "/")
        desktop.locator("#banshi-widget").get_by_role("button", name="新生儿出生", exact=True).wait_for(timeout=60_000)
        header = desktop.locator("#banshi-widget header")
        assert header.evaluate("el => el.getBoundingClientRect().height") < 60, "one row on a desktop"
        title = desktop.locator("#banshi-widget h2")
        assert title.evaluate("el => el.scrollWidth <= el.clientWidth"), "the title is not cut off"
        desktop.screenshot(path=str(OUTPUT / "widget-desktop.png"))
        browser.close()

"""The bot's own words edited on the real stack: an editor rewords the greeting (said by the
action server) and the goodbye (a domain.yml reply, said through Rasa's NLG), another account
approves, the editor publishes, and within seconds "你好" and "再见" over REST get the new
wording — no retrain, no restart. Publishing the default wording again undoes it.

The wording lives in the stack's knowledge-base database, which later tests (and later runs)
share, and the golden transcripts compare every bot message: whatever happens, the edits and
any revision left open are removed when the test ends, and before it starts."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text

from bot.editing.revisions import OPEN, WORDING
from bot.settings import settings
from bot.words import GREETING
from tests.e2e.conftest import KB_DB_URL
from tests.support.browser import CHROMIUM, OUTPUT, browser_page
from tests.support.staff import PASSWORD, Staff, new_staff
from tests.support.waiting import until

EDITED = ("greeting", "utter_goodbye")
NEW_GREETING = "您好！这里是示例市政务服务助手（测试话术），有急事请拨打{hotline}。请问您要办什么事？"
NEW_GOODBYE = "再会！（测试话术）有需要随时来找我。"
SERVED_WITHIN_S = 10.0


def undo_edits() -> None:
    """The defaults back, and no revision of these replies left open to block the next run."""
    open_states = ", ".join(f"'{state}'" for state in OPEN)
    with create_engine(KB_DB_URL).begin() as connection:
        for key in EDITED:
            connection.execute(text("DELETE FROM bot_wording WHERE key = :key"), {"key": key})
            connection.execute(
                text(
                    "UPDATE content_revisions SET status = 'withdrawn' "
                    f"WHERE kind = :kind AND target = :key AND status IN ({open_states})"
                ),
                {"kind": WORDING, "key": key},
            )


@pytest.fixture
def wording_restored(stack) -> Iterator[None]:
    undo_edits()
    try:
        yield
    finally:
        undo_edits()
        until(lambda: first_text(stack, "你好", "restored") == GREETING, timeout=SERVED_WITHIN_S)


def first_text(stack, message: str, sender: str) -> str:
    return stack.say(message, f"e2e-wording-{sender}-{time.monotonic_ns()}")[0]["text"]


def through_review(editor: Staff, reviewer: Staff, key: str, wording: str) -> dict:
    drafted = editor.call("POST", f"/wording/{key}/draft", json={"text": wording, "note": "端到端测试"})
    assert drafted.status_code == 200, drafted.text
    revision = drafted.json()["revision"]["id"]
    assert editor.call("POST", f"/revisions/{revision}/submit").status_code == 200
    assert editor.call("POST", f"/revisions/{revision}/approve").status_code == 403, "an editor is no reviewer"
    assert reviewer.call("POST", f"/revisions/{revision}/approve", json={"comment": "同意"}).status_code == 200
    published = editor.call("POST", f"/revisions/{revision}/publish")
    assert published.status_code == 200, published.text
    return published.json()["revision"]


def test_an_approved_wording_is_said_within_seconds_without_a_retrain(stack, wording_restored):
    editor, reviewer = new_staff(stack, "editor"), new_staff(stack, "reviewer")
    assert first_text(stack, "你好", "before") == GREETING

    listed = {r["key"]: r for r in editor.call("GET", "/wording").json()["replies"]}
    assert listed["greeting"]["default"] == GREETING and not listed["greeting"]["edited"]
    assert {p["name"]: p["required"] for p in listed["greeting"]["placeholders"]} == {"hotline": False, "hours": False}
    refused = editor.call("POST", "/wording/preview", json={"key": "greeting", "text": "<b>您好</b>{hotlin"}).json()
    assert any("网页代码" in m for m in refused["problems"]) and any("花括号" in m for m in refused["problems"])
    shown = editor.call("POST", "/wording/preview", json={"key": "greeting", "text": NEW_GREETING}).json()
    assert shown == {"text": NEW_GREETING.replace("{hotline}", settings.hotline), "problems": [], "notes": []}

    drafted = editor.call("POST", "/wording/greeting/draft", json={"text": NEW_GREETING})
    assert reviewer.call("POST", "/wording/greeting/draft", json={"text": "审核人员不能起草"}).status_code == 403
    revision = drafted.json()["revision"]["id"]
    assert editor.call("POST", f"/revisions/{revision}/submit").status_code == 200
    seen = reviewer.call("GET", "/wording/greeting").json()
    assert seen["revision"]["status"] == "submitted" and [r["op"] for r in seen["diff"]["lines"]] == ["del", "add"]
    assert reviewer.call("POST", f"/revisions/{revision}/approve", json={"comment": "同意"}).status_code == 200
    assert first_text(stack, "你好", "approved") == GREETING, "approved is not yet published"

    published_at = time.monotonic()
    published = editor.call("POST", f"/revisions/{revision}/publish")
    assert published.status_code == 200 and published.json()["revision"]["status"] == "published", published.text
    new_greeting = NEW_GREETING.replace("{hotline}", settings.hotline)
    until(lambda: first_text(stack, "你好", "after") == new_greeting, timeout=SERVED_WITHIN_S)
    print(f"the new greeting was said {time.monotonic() - published_at:.1f} s after publishing")

    through_review(editor, reviewer, "utter_goodbye", NEW_GOODBYE)  # a domain.yml reply: Rasa's NLG says it
    until(lambda: first_text(stack, "再见", "goodbye") == NEW_GOODBYE, timeout=SERVED_WITHIN_S)

    default = editor.call("GET", "/wording/greeting").json()["default"]
    restored = through_review(editor, reviewer, "greeting", default)
    assert restored["published_version"] == published.json()["revision"]["published_version"] + 1
    until(lambda: first_text(stack, "你好", "default") == GREETING, timeout=SERVED_WITHIN_S)
    assert not editor.call("GET", "/wording/greeting").json()["edited"]


@pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is installed by scripts/setup.sh")
def test_the_wording_page_in_a_real_browser(stack, wording_restored):
    from playwright.sync_api import expect

    editor, reviewer = new_staff(stack, "editor"), new_staff(stack, "reviewer")
    with browser_page(stack.console_url + "/staff/", 1280, 900) as (_browser, page):
        page.on("dialog", lambda dialog: dialog.accept())
        section = page.locator("#wording")

        def log_in(username: str) -> None:
            login = page.locator("#login")
            login.get_by_label("用户名").fill(username)
            login.get_by_label("密码").fill(PASSWORD)
            login.get_by_role("button", name="登录").click()
            page.get_by_role("button", name="机器人话术").click()
            section.get_by_role("cell", name="问候语（服务菜单开头）").click()

        log_in(editor.username)
        box = section.get_by_label("新话术")
        box.fill("您好，{hotlin}！")
        section.get_by_text("不认识占位符 {hotlin}").wait_for(timeout=10_000)
        box.fill("您好！有急事请拨打")
        section.get_by_role("button", name="{hotline}").click()
        expect(section.locator(".lines .bubble").last).to_have_text(f"您好！有急事请拨打{settings.hotline}")
        section.get_by_label("修改说明（给审核人员看）").fill("浏览器测试")
        page.screenshot(path=str(OUTPUT / "staff-wording-editor.png"))
        section.get_by_role("button", name="提交审核").click()
        page.get_by_text("已提交审核").wait_for(timeout=10_000)
        page.get_by_role("button", name="退出登录").click()

        log_in(reviewer.username)
        section.get_by_text("本次修改（与线上话术对比）").wait_for(timeout=10_000)
        expect(section.locator("div:has(> ins)").first).to_have_text("新：您好！有急事请拨打{hotline}")
        page.screenshot(path=str(OUTPUT / "staff-wording-review.png"))
        section.get_by_role("button", name="审核通过").click()
        page.get_by_text("已审核通过").wait_for(timeout=10_000)
        section.get_by_role("button", name="发布", exact=True).click()
        page.get_by_text("已发布，几秒钟内生效").wait_for(timeout=10_000)
        section.get_by_role("cell", name="已修改 · 第", exact=False).first.wait_for(timeout=10_000)
    until(
        lambda: first_text(stack, "你好", "browser") == f"您好！有急事请拨打{settings.hotline}", timeout=SERVED_WITHIN_S
    )

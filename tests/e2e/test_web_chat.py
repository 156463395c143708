"""The web chat widget: served by the console, speaking socket.io to Rasa, in a real browser."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import httpx
import pytest

from bot.identity import web_session
from bot.identity.store import IdentityStore
from tests.support import web_chat
from tests.support.application_runs import portal_token, signing_code
from tests.support.browser import CHROMIUM, OUTPUT, phone_page
from tests.support.golden import SCENARIOS
from tests.support.portal_cases import abandon_drafts, close_earlier_cases
from tests.support.sample_files import photo

ROOT = Path(__file__).resolve().parents[2]


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
    with phone_page(stack) as (browser, page, widget):
        widget.get_by_role("button", name="新生儿出生", exact=True).click()
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


def _upload(stack, token: str | None, files: list[tuple[str, bytes]], origin: str | None = None) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    if origin:
        headers["Origin"] = origin
    return httpx.post(
        f"{stack.rasa_url}/webhooks/socketio/upload",
        files=[("file", (name, data)) for name, data in files],
        headers=headers,
        timeout=60,
    )


def test_uploads_need_a_session_from_a_widget_page_and_a_sensible_size(stack):
    token = web_chat.new_session(stack.console_url)
    refused = _upload(stack, None, [("a.jpg", photo())])
    assert refused.status_code == 401 and "刷新页面" in refused.json()["message"]
    foreign = _upload(stack, token, [("a.jpg", photo())], origin="https://evil.example")
    assert foreign.status_code == 403
    too_many = _upload(stack, token, [(f"{i}.jpg", photo(32, 32)) for i in range(10)])
    assert too_many.status_code == 413 and "最多" in too_many.json()["message"]
    too_big = _upload(stack, token, [("big.jpg", b"\xff\xd8\xff" + b"0" * (10 * 1024 * 1024 + 1))])
    assert too_big.status_code == 413 and "MB" in too_big.json()["message"]
    empty = _upload(stack, token, [("empty.jpg", b"")])
    assert empty.status_code == 400


def test_a_file_without_an_application_is_answered_on_the_socket(stack):
    token = web_chat.new_session(stack.console_url)
    with web_chat.connect(stack.rasa_url, token, origin=stack.console_url) as client:
        web_chat.session_id(client)
        answer = _upload(stack, token, [("a.jpg", photo())], origin=stack.console_url)
        assert answer.status_code == 200 and answer.json() == {"received": 1}
        said = " ".join(data.get("text") or "" for data in web_chat.replies(client))
        assert "没有正在办理" in said, said


@pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is installed by scripts/setup.sh")
def test_a_material_photographed_in_the_widget_is_shown_back_and_submitted(stack, tmp_path):
    scenario = SCENARIOS["credit_repair"]
    close_earlier_cases(stack.portal_db_url, "credit_repair")
    abandon_drafts(stack.portal_db_url, "credit_repair")
    picture = tmp_path / "缴款凭证.jpg"
    picture.write_bytes(photo(1200, 900))
    with phone_page(stack) as (_browser, page, widget):
        session = page.evaluate("JSON.parse(sessionStorage.getItem('banshi.session')).token")
        sender = web_session.verify(web_session.session_key(ROOT), session)
        identity = portal_token(stack.portal_url, scenario["subject"])
        IdentityStore(stack.db_url).save(sender, "socketio", identity, datetime.now(timezone.utc))

        def say(text: str, then: str) -> None:
            widget.get_by_role("textbox").fill(text)
            widget.get_by_role("button", name="发送").click()
            widget.get_by_text(then, exact=False).last.wait_for(timeout=60_000)

        say(scenario["first"], "信用修复一件事")
        widget.get_by_role("button", name="同意调取，开始办理").last.click()
        widget.get_by_text("罚款是哪天缴清的", exact=False).last.wait_for(timeout=60_000)
        say(scenario["answers"][0], "怎么纠正的")
        say(scenario["answers"][1], "请上传「已履行行政处罚决定的证明」")

        widget.locator("input[type=file]").set_input_files(str(picture))
        widget.get_by_text("已收到「已履行行政处罚决定的证明」的文件", exact=False).wait_for(timeout=60_000)
        thumb = widget.locator(".bot img.thumb").last
        thumb.wait_for(timeout=30_000)
        assert thumb.evaluate("img => img.naturalWidth") == 240, "the portal's thumbnail is shown back"
        picked = widget.locator(".user img.thumb")
        assert picked.count() == 1 and picked.evaluate("img => img.naturalWidth") == 1200, (
            "the citizen sees what they picked"
        )
        widget.get_by_text("材料清单", exact=False).last.wait_for(timeout=30_000)
        widget.locator(".user img.thumb").scroll_into_view_if_needed()
        page.screenshot(path=str(OUTPUT / "widget-material-uploaded.png"))
        # the summary comes with the commitment and the code: no 确认提交 to press first
        widget.get_by_text("《守信承诺书》", exact=False).last.wait_for(timeout=60_000)
        assert widget.get_by_role("button", name="确认提交").count() == 0
        widget.get_by_text("核对无误后，回复短信里的6位验证码", exact=False).last.scroll_into_view_if_needed()
        page.screenshot(path=str(OUTPUT / "widget-commitments-to-sign.png"))
        draft = stack.slot(sender, "application")["number"]
        say(signing_code(stack.portal_url, draft), "申请已提交")


@pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is installed by scripts/setup.sh")
def test_a_materials_card_sends_every_material_in_one_step(stack, tmp_path):
    """The restaurant's six materials: a picker each on the card, one 一起上传, one turn."""
    scenario = SCENARIOS["restaurant"]
    close_earlier_cases(stack.portal_db_url, "restaurant")
    abandon_drafts(stack.portal_db_url, "restaurant")
    with phone_page(stack) as (_browser, page, widget):
        session = page.evaluate("JSON.parse(sessionStorage.getItem('banshi.session')).token")
        sender = web_session.verify(web_session.session_key(ROOT), session)
        identity = portal_token(stack.portal_url, scenario["subject"])
        IdentityStore(stack.db_url).save(sender, "socketio", identity, datetime.now(timezone.utc))
        answers = widget.locator("li.bot")

        def say(text: str) -> None:
            before = answers.count()
            widget.get_by_role("textbox").fill(text)
            widget.get_by_role("button", name="发送").click()
            answers.nth(before).wait_for(timeout=60_000)

        say(scenario["first"])
        widget.get_by_role("button", name="同意调取，开始办理").last.click()
        widget.get_by_text("预填了", exact=False).last.wait_for(timeout=60_000)
        for answer in scenario["answers"]:
            say(answer)
        card = widget.locator(".card").last
        card.wait_for(timeout=60_000)
        pickers = card.locator("input[type=file]")
        names = card.locator(".item .name").all_inner_texts()
        assert names == scenario["uploads"], names
        for index in range(pickers.count()):
            picture = tmp_path / f"材料{index}.jpg"
            picture.write_bytes(photo(900, 1200, colour=(20 * index, 90, 200)))
            pickers.nth(index).set_input_files(str(picture))
        assert card.locator(".chosen").all_inner_texts() == ["已选1个"] * len(names)
        card.scroll_into_view_if_needed()
        page.screenshot(path=str(OUTPUT / "widget-materials-card.png"))
        card.get_by_role("button", name="一起上传").click()
        widget.get_by_text("核对无误后，回复短信里的6位验证码", exact=False).last.wait_for(timeout=120_000)
        for name in names:
            assert widget.get_by_text(f"已收到「{name}」", exact=False).count() >= 1, name
        assert card.get_by_role("button", name="一起上传").is_disabled()
        widget.get_by_text("已收到「经营场所平面布局图」", exact=False).last.scroll_into_view_if_needed()
        page.screenshot(path=str(OUTPUT / "widget-materials-card-sent.png"))
        number = stack.slot(sender, "application")["number"]
    token = stack.identity_token(sender)
    application = httpx.get(
        f"{stack.portal_url}/applications/{number}", headers={"Authorization": f"Bearer {token}"}, timeout=30
    ).json()
    uploaded = {m["name"]: len(m["files"]) for m in application["checklist"] if m["files"]}
    assert uploaded == dict.fromkeys(names, 1), uploaded
    abandon_drafts(stack.portal_db_url, "restaurant")

"""Told, not asked: a change of a case reaches its applicant on every channel they use, through
the real stack — the portal's signed webhook to the console's notifier, WeChat subscribe
messages (official account and mini-program, recorded by the fake WeChat API) only after an
opt-in the channels received, and the web widget's unread notices."""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timezone

import httpx
import jwt
import pytest

from bot import signed_hooks
from bot.identity import web_session
from bot.identity.store import IdentityStore
from bot.notices.store import NoticeStore
from bot.settings import settings
from portal.db import Database
from portal.models import Application
from portal.notices import record
from tests.support.application_runs import portal_token
from tests.support.browser import CHROMIUM, OUTPUT, ROOT, phone_page
from tests.support.golden import SCENARIOS
from tests.support.official_account import OfficialAccount
from tests.support.portal_cases import abandon_drafts
from tests.support.waiting import until
from tests.support.wechat_ids import fake_openid

SUBJECT = SCENARIOS["credit_repair"]["subject"]
SECRET = "e2e-notice-secret"


def _case_change(stack, number: str, kind: str, message: str) -> None:
    """A department's change of the case, as the portal records it (its outbox)."""
    database = Database(stack.portal_db_url)
    try:
        with database.transaction() as session:
            app = session.query(Application).filter_by(number=number).one()
            record(session, app, kind, message, f"e2e:{uuid.uuid4().hex}")
    finally:
        database.dispose()


def _subscribe_messages(stack, openid: str) -> list[dict]:
    sent = httpx.get(f"{stack.wechat_api_url}/_subscribe_messages", timeout=10).json()
    return [m for m in sent if m["touser"] == openid]


def _widget_notices(stack, web_token: str) -> list[dict]:
    answer = httpx.get(
        f"{stack.console_url}/chat/notices", headers={"Authorization": f"Bearer {web_token}"}, timeout=10
    )
    assert answer.status_code == 200, answer.text
    return answer.json()["notices"]


def test_a_case_change_is_told_on_each_channel_after_opt_in_and_once(stack):
    abandon_drafts(stack.portal_db_url, "credit_repair")
    token = portal_token(stack.portal_url, SUBJECT)
    assert token.subject_ref
    now = datetime.now(timezone.utc)
    identities = IdentityStore(stack.db_url)

    # one person on three channels: the official account, the mini-program, the web widget
    official = OfficialAccount(stack)
    identities.save(official.openid, "wechat", token, now)
    mini_user = f"ntc{uuid.uuid4().hex[:10]}"
    mini_openid = fake_openid(stack.wechat["BANSHI_MINIPROGRAM_APPID"], mini_user)
    identities.save("mp:" + mini_openid, "miniprogram", token, now)
    web_token = httpx.post(f"{stack.console_url}/chat/session", timeout=10).json()["token"]
    web_sender = jwt.decode(web_token, options={"verify_signature": False})["sub"]
    identities.save(web_sender, "socketio", token, now)

    # opt-ins as WeChat reports them: the official account's popup event, the mini-program's result
    assert (
        official.event(
            "<Event><![CDATA[subscribe_msg_popup_event]]></Event><SubscribeMsgPopupEvent><List>"
            f"<TemplateId><![CDATA[{settings.wechat_notice_template}]]></TemplateId>"
            "<SubscribeStatusString><![CDATA[accept]]></SubscribeStatusString><PopupScene>2</PopupScene>"
            "</List></SubscribeMsgPopupEvent>"
        )
        == ""
    )
    login = httpx.post(f"{stack.rasa_url}/webhooks/miniprogram/login", json={"code": f"{mini_user}.1"}, timeout=30)
    accepted = httpx.post(
        f"{stack.rasa_url}/webhooks/miniprogram/subscriptions",
        headers={"Authorization": f"Bearer {login.json()['token']}"},
        json={settings.miniprogram_notice_template: "accept", "errMsg": "requestSubscribeMessage:ok"},
        timeout=30,
    )
    assert accepted.status_code == 200 and "服务通知" in accepted.json()["message"], accepted.text
    notices = NoticeStore(stack.db_url)
    until(lambda: notices.optins_left(official.openid, settings.wechat_notice_template) == 1)

    draft = httpx.post(
        f"{stack.portal_url}/applications",
        headers={"Authorization": f"Bearer {token.token}"},
        json={"service_code": "credit_repair", "prefill": False},
        timeout=30,
    )
    number = draft.json()["number"]
    _case_change(stack, number, "correction", "市场监管局需要您补充：已履行行政处罚决定的证明")

    pushed = until(lambda: _subscribe_messages(stack, official.openid))
    assert pushed[0]["api"] == "bizsend" and pushed[0]["template_id"] == settings.wechat_notice_template
    assert pushed[0]["data"]["character_string1"]["value"] == number
    assert pushed[0]["data"]["phrase3"]["value"] == "待补正"
    mini = until(lambda: _subscribe_messages(stack, mini_openid))
    assert mini[0]["api"] == "send" and mini[0]["page"] == "pages/chat/chat"
    shown = until(lambda: _widget_notices(stack, web_token))
    assert number in shown[0]["text"] and "已履行行政处罚决定的证明" in shown[0]["text"], shown
    read = httpx.post(
        f"{stack.console_url}/chat/notices/read",
        headers={"Authorization": f"Bearer {web_token}"},
        json={"ids": [n["id"] for n in shown]},
        timeout=10,
    )
    assert read.json()["read"] == 1 and _widget_notices(stack, web_token) == []

    # a redelivered webhook is taken once; a second change finds the opt-ins spent
    feed_target = "/notices?after=0&limit=200"
    headers = signed_hooks.signed_headers(SECRET, signed_hooks.poll_message(feed_target))
    feed = httpx.get(stack.portal_url + feed_target, headers=headers, timeout=10).json()["notices"]
    first = next(n for n in feed if n["application_no"] == number)
    body = json.dumps({"notices": [first]}, ensure_ascii=False).encode()
    again = httpx.post(
        f"{stack.console_url}/hooks/portal-notices",
        content=body,
        headers={"Content-Type": "application/json", **signed_hooks.signed_headers(SECRET, body)},
        timeout=10,
    )
    assert again.json() == {"received": 1, "new": 0}
    forged = httpx.post(
        f"{stack.console_url}/hooks/portal-notices",
        content=body,
        headers={"Content-Type": "application/json", **signed_hooks.signed_headers("guessed", body)},
        timeout=10,
    )
    assert forged.status_code == 401

    _case_change(stack, number, "department_done", "「信用修复」已办结")
    second = until(lambda: [n for n in _widget_notices(stack, web_token) if "已办结" in n["text"]])
    until(lambda: "no_consent" in {state for _, state in notices.deliveries(second[0]["id"])})
    assert len(_subscribe_messages(stack, official.openid)) == 1
    assert len(_subscribe_messages(stack, mini_openid)) == 1
    abandon_drafts(stack.portal_db_url, "credit_repair")


@pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is installed by scripts/setup.sh")
def test_the_widget_shows_a_case_change_when_the_citizen_comes_back(stack):
    abandon_drafts(stack.portal_db_url, "credit_repair")
    token = portal_token(stack.portal_url, SUBJECT)
    number = httpx.post(
        f"{stack.portal_url}/applications",
        headers={"Authorization": f"Bearer {token.token}"},
        json={"service_code": "credit_repair", "prefill": False},
        timeout=30,
    ).json()["number"]
    with phone_page(stack) as (_browser, page, widget):
        session = page.evaluate("JSON.parse(sessionStorage.getItem('banshi.session')).token")
        sender = web_session.verify(web_session.session_key(ROOT), session)
        IdentityStore(stack.db_url).save(sender, "socketio", token, datetime.now(timezone.utc))
        _case_change(stack, number, "correction", "市场监管局需要您补充：已履行行政处罚决定的证明")
        until(lambda: NoticeStore(stack.db_url).unread(sender))
        page.reload()  # the next visit of the same conversation
        notice = widget.locator("li.notice").last
        notice.wait_for(timeout=60_000)
        assert number in notice.inner_text() and "待补正" in notice.inner_text()
        page.screenshot(path=str(OUTPUT / "widget-case-notice.png"))
        until(lambda: not NoticeStore(stack.db_url).unread(sender))  # shown once: marked read
    abandon_drafts(stack.portal_db_url, "credit_repair")

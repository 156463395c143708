"""Agent assist through the real stack: an agent pastes what a caller says and gets the right
一件事, a sourced answer and the checklist; checks the caller's identity with the code the portal
texted (read from the sandbox's SMS log); starts the caller's pre-filled draft; sends the link,
which reaches the SMS log — and the link leads somewhere real: the caller opens it once, verifies
themself in the web chat and is back in that very draft. Also by WeChat for a caller bound there,
and only for agents and supervisors."""

from __future__ import annotations

import re
from datetime import datetime, timezone

import httpx
import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from bot.identity.store import IdentityStore
from bot.staff.audit import AuditLog
from portal.models import Binding, Citizen
from tests.support.application_runs import portal_token
from tests.support.browser import CHROMIUM, OUTPUT, browser_page
from tests.support.official_account import OfficialAccount
from tests.support.portal_cases import abandon_draft, abandon_drafts
from tests.support.staff import PASSWORD, new_staff
from tests.support.waiting import until

NUMBER = re.compile(r"BS\d{14}")
LINK = re.compile(r"https?://\S+/chat/continue#[\w.-]+")
CALLER_SAYS = "我老婆三天前在医院生了个儿子，出生证明拿到了，接下来要给孩子办哪些手续？"


def _citizen(stack, name: str) -> dict:
    engine = create_engine(stack.portal_db_url)
    try:
        with Session(engine) as session:
            person = session.scalars(select(Citizen).where(Citizen.name == name)).one()
            return {"name": name, "id_number": person.id_number, "phone": person.phone, "kind": "citizen"}
    finally:
        engine.dispose()


def _masked(phone: str) -> str:
    return f"{phone[:3]}****{phone[-4:]}"


class SmsLog:
    """The sandbox's SMS gateway as a test reads it: codes from the portal's log lines (masked
    phone, full code), other messages from its development outbox (`GET /dev/sms?phone=`)."""

    def __init__(self, stack, phone: str) -> None:
        self.stack, self.phone = stack, phone
        self.path = stack.logs / "portal.log"
        self.seen = self.path.stat().st_size

    def next_code(self) -> str:
        """The first code texted to the phone since the last one read."""
        pattern = re.compile(rf"沙箱短信网关：向 {re.escape(_masked(self.phone))} 发送验证码 (\d{{6}})")

        def found() -> str | None:
            with self.path.open("rb") as log:
                log.seek(self.seen)
                text = log.read().decode("utf-8", "replace")
            match = pattern.search(text)
            if match:
                self.seen += len(text[: match.end()].encode())
            return match.group(1) if match else None

        return until(found, timeout=30)

    def messages(self) -> list[str]:
        answer = httpx.get(f"{self.stack.portal_url}/dev/sms", params={"phone": self.phone}, timeout=10)
        assert answer.status_code == 200, answer.text
        return [m["text"] for m in answer.json()["messages"]]


def _log_in(page, username: str) -> None:
    login = page.locator("#login")
    login.get_by_label("用户名").fill(username)
    login.get_by_label("密码").fill(PASSWORD)
    login.get_by_role("button", name="登录").click()


@pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is installed by scripts/setup.sh")
def test_a_call_from_the_callers_words_to_a_draft_the_caller_continues_from_the_sms_link(stack):
    abandon_drafts(stack.portal_db_url, "newborn")
    agent = new_staff(stack, "agent")
    caller = _citizen(stack, "刘芳")
    sms = SmsLog(stack, caller["phone"])
    with browser_page(stack.console_url + "/staff/", 1280, 800) as (browser, desk):
        _log_in(desk, agent.username)
        desk.locator("#tabs").get_by_role("button", name="来电辅助").click()
        desk.locator("#assist-call").filter(has_text="本次来电开始于").wait_for(timeout=15_000)
        desk.get_by_label("来电人说的话").fill(CALLER_SAYS)
        desk.get_by_role("button", name="识别并查找答复").click()
        recognised = desk.locator("#assist-recognised")
        recognised.filter(has_text="识别为「新生儿出生一件事」").wait_for(timeout=60_000)
        assert desk.locator("#assist-item").input_value() == "newborn"
        first = desk.locator("#assist-answers li").first
        assert "来源：《新生儿出生一件事》" in first.inner_text(), first.inner_text()
        checklist = desk.locator("#assist-checklist").inner_text()
        assert "出生医学证明" in checklist and "免提交" in checklist
        assert "配偶信息" in desk.locator("#assist-consent-text").inner_text()
        assert desk.get_by_role("button", name="为来电人创建草稿").is_disabled(), "nothing before the check"

        check = desk.locator("#assist-step-identity")
        check.get_by_label("姓名").fill(caller["name"])
        typo = caller["id_number"][:-1] + ("0" if caller["id_number"][-1] != "0" else "1")
        check.get_by_label("身份证号码").fill(typo)
        check.get_by_role("button", name="发送验证码").click()
        desk.locator("#assist-id-state").filter(has_text="校验位不对").wait_for(timeout=15_000)
        check.get_by_label("身份证号码").fill(caller["id_number"])
        check.get_by_role("button", name="发送验证码").click()
        desk.locator("#assist-id-state").filter(has_text="请来电人念出").wait_for(timeout=15_000)
        code = sms.next_code()
        wrong = "000000" if code != "000000" else "111111"
        check.get_by_label("来电人念出的验证码").fill(wrong)
        check.get_by_role("button", name="核验", exact=True).click()
        desk.locator("#assist-id-state").filter(has_text="还可再输错").wait_for(timeout=15_000)
        check.get_by_label("来电人念出的验证码").fill(code)
        check.get_by_role("button", name="核验", exact=True).click()
        desk.locator("#assist-id-state").filter(has_text="核验通过").wait_for(timeout=15_000)
        assert caller["id_number"] not in desk.content(), "once verified, only the masked number is on the page"
        assert "刘*" in desk.locator("#assist-call").inner_text()

        desk.get_by_label("已向来电人说明，并征得同意调取上述信息").check()
        desk.get_by_role("button", name="为来电人创建草稿").click()
        made = desk.locator("#assist-draft-state").filter(has_text="草稿（编号")
        made.wait_for(timeout=30_000)
        number = NUMBER.search(made.inner_text()).group(0)
        assert "已预填" in desk.locator("#assist-draft-state").inner_text()

        desk.get_by_role("button", name="发送链接").click()
        desk.locator("#assist-link-state").filter(has_text="已通过短信").wait_for(timeout=15_000)
        assert _masked(caller["phone"]) in desk.locator("#assist-link-state").inner_text()
        desk.evaluate("window.scrollTo(0, 0)")
        desk.screenshot(path=str(OUTPUT / "staff-assist.png"))

        texted = next(text for text in sms.messages() if number in text)
        assert "新生儿出生一件事" in texted and "核验本人身份后继续填写" in texted
        link = LINK.search(texted).group(0)

        # the caller opens it on their phone, verifies themself in the chat, and is in that draft
        phone = browser.new_page(viewport={"width": 375, "height": 812})
        phone.goto(link)
        phone.get_by_role("button", name="开始核验，继续办理").click()
        widget = phone.locator("#banshi-widget")
        widget.get_by_text("已经保存为草稿", exact=False).wait_for(timeout=30_000)
        widget.get_by_role("button", name="继续办理", exact=True).click()
        widget.get_by_role("button", name="同意", exact=True).wait_for(timeout=60_000)
        widget.get_by_role("button", name="同意", exact=True).click()
        for asked, answer in (("身份证上的姓名", caller["name"]), ("18位居民身份证号码", caller["id_number"])):
            widget.get_by_text(asked, exact=False).last.wait_for(timeout=60_000)
            widget.get_by_role("textbox").fill(answer)
            widget.get_by_role("button", name="发送").click()
        widget.get_by_text("6位验证码", exact=False).last.wait_for(timeout=60_000)
        widget.get_by_role("textbox").fill(sms.next_code())
        widget.get_by_role("button", name="发送").click()
        widget.get_by_text(f"草稿编号 {number}", exact=False).wait_for(timeout=60_000)
        assert "没填完" in widget.locator("ol").inner_text()
        phone.screenshot(path=str(OUTPUT / "assist-link-continued.png"))

        again = browser.new_page(viewport={"width": 375, "height": 812})
        again.goto(link)
        again.get_by_role("button", name="开始核验，继续办理").click()
        again.get_by_text("这个链接已经失效", exact=False).wait_for(timeout=15_000)

    done = {(e.action, e.target): e.detail for e in AuditLog(stack.db_url).entries(username=agent.username)}
    actions = {action for action, _target in done}
    assert {"assist_call", "assist_understand", "assist_verify", "assist_draft", "assist_link"} <= actions
    assert ("assist_draft", number) in done and ("assist_link", number) in done
    assert caller["id_number"] not in str(done) and caller["phone"] not in str(done)

    # the call's own namespace at the portal, and nothing of it in the handoff inbox
    engine = create_engine(stack.portal_db_url)
    try:
        with Session(engine) as session:
            bindings = session.scalars(select(Binding).where(Binding.channel == "assist")).all()
    finally:
        engine.dispose()
    assert bindings and all(b.channel_user_id.startswith(f"assist:{agent.username}:") for b in bindings)
    queue = agent.call("GET", "/handoffs").json()["requests"]
    assert not any(r["citizen"].startswith("assi") for r in queue)
    abandon_draft(stack.portal_db_url, number)


def test_a_caller_bound_in_the_official_account_gets_the_link_on_wechat(stack):
    abandon_drafts(stack.portal_db_url, "newborn")
    caller = _citizen(stack, "陈晨")
    user = OfficialAccount(stack)
    user.say("你好")
    token = portal_token(stack.portal_url, caller)
    IdentityStore(stack.db_url).save(user.openid, "wechat", token, datetime.now(timezone.utc))
    agent = new_staff(stack, "agent")
    call = agent.call("POST", "/assist/calls").json()["call"]["id"]
    sms = SmsLog(stack, caller["phone"])
    path = f"/assist/calls/{call}"

    early = agent.call("POST", f"{path}/link", json={"via": "wechat"})
    assert early.status_code == 409 and "请先完成来电人的身份核验" in early.json()["message"]
    sent = agent.call("POST", f"{path}/identity", json={"name": caller["name"], "id_number": caller["id_number"]})
    assert sent.status_code == 200, sent.text
    checked = agent.call("POST", f"{path}/identity/code", json={"code": sms.next_code()})
    assert checked.status_code == 200 and checked.json()["wechat"] is True, checked.text
    refused = agent.call("POST", f"{path}/draft", json={"code": "newborn", "consent": False})
    assert refused.status_code == 422 and "征得同意" in refused.json()["message"]
    draft = agent.call("POST", f"{path}/draft", json={"code": "newborn", "consent": True})
    assert draft.status_code == 200, draft.text
    number = draft.json()["draft"]["number"]

    linked = agent.call("POST", f"{path}/link", json={"via": "wechat"})
    assert linked.status_code == 200 and "微信" in linked.json()["message"], linked.text
    said = until(lambda: [text for text in user._received() if number in text])
    assert said[0].startswith("【人工客服】") and LINK.search(said[0]), said[0]

    ended = agent.call("POST", f"{path}/end")
    assert ended.status_code == 200
    assert agent.call("POST", f"{path}/link", json={"via": "sms"}).status_code == 404, "the call is over"
    abandon_draft(stack.portal_db_url, number)


@pytest.mark.parametrize("role", ["editor", "reviewer"])
def test_only_agents_and_supervisors_assist_calls(stack, role):
    someone = new_staff(stack, role)
    assert someone.call("POST", "/assist/calls").status_code == 403
    assert someone.call("POST", "/assist/calls/anything/understand", json={"text": "你好"}).status_code == 403
    for method, path in (("POST", "/assist/calls"), ("POST", "/assist/calls/x/identity"), ("GET", "/assist/calls/x")):
        assert httpx.request(method, f"{stack.console_url}/staff/api{path}", json={}, timeout=10).status_code == 401


def test_a_supervisor_may_assist_and_a_call_is_its_agents_alone(stack):
    supervisor, agent = new_staff(stack, "supervisor"), new_staff(stack, "agent")
    opened = supervisor.call("POST", "/assist/calls")
    assert opened.status_code == 201 and len(opened.json()["items"]) == 13
    call = opened.json()["call"]["id"]
    assert agent.call("GET", f"/assist/calls/{call}").status_code == 404
    assert supervisor.call("POST", f"/assist/calls/{call}/understand", json={"text": ""}).status_code == 422

"""The handoff loop through the real stack: a citizen asks for a human, the bot pauses, an agent
finds the request in the inbox with the conversation, claims it and writes; the words reach the
citizen on their own channel (the widget's socket.io, WeChat's customer-service API) and stand
in the tracker; the agent hands back and the bot answers again. (The stack's service hours are
"every day", so 转人工 always pauses: tests/e2e/conftest.py.)"""

from __future__ import annotations

import re
import time

import httpx
import pytest
import socketio

from bot.staff.audit import AuditLog
from tests.support import web_chat
from tests.support.browser import CHROMIUM, OUTPUT, phone_page
from tests.support.official_account import OfficialAccount
from tests.support.staff import PASSWORD, new_staff
from tests.support.waiting import until

TICKET = re.compile(r"RG\d{12}")


def _request(agent, ticket: str) -> dict:
    queue = agent.call("GET", "/handoffs").json()["requests"]
    return next(r for r in queue if r["ticket"] == ticket)


def _silent(client: socketio.SimpleClient, seconds: float = 4.0) -> bool:
    try:
        event, _data = client.receive(timeout=seconds)
    except socketio.exceptions.TimeoutError:
        return True
    return event != "bot_uttered"


def test_a_widget_citizen_is_answered_by_an_agent_and_handed_back(stack):
    agent, other = new_staff(stack, "agent"), new_staff(stack, "agent")
    token = web_chat.new_session(stack.console_url)
    with web_chat.connect(stack.rasa_url, token) as citizen:
        sender = web_chat.session_id(citizen)
        citizen.emit("user_uttered", {"message": "我要转人工"})
        said = " ".join(m.get("text") or "" for m in web_chat.replies(citizen))
        assert "工作人员接入后会直接在这个窗口和您对话" in said, said
        ticket = TICKET.search(said).group(0)
        citizen.emit("user_uttered", {"message": "人呢 怎么还没人理我"})
        assert _silent(citizen), "the bot keeps quiet while a human is awaited"

        waiting = _request(agent, ticket)
        assert waiting["status"] == "open" and waiting["channel"] == "网页"
        case = agent.call("GET", f"/handoffs/{waiting['id']}").json()
        texts = [(line["who"], line["text"]) for line in case["conversation"]]
        assert ("citizen", "人呢 怎么还没人理我") in texts and case["ranking"], case

        assert agent.call("POST", f"/handoffs/{waiting['id']}/claim").status_code == 200
        assert other.call("POST", f"/handoffs/{waiting['id']}/claim").status_code == 409
        joined = web_chat.replies(citizen)[0]["text"]
        assert "已接入" in joined and agent.username in joined

        citizen.emit("user_uttered", {"message": "社保卡丢了怎么补办"})
        assert _silent(citizen, 2.0)
        helps = agent.call("GET", f"/handoffs/{waiting['id']}/suggestions").json()
        assert helps["question"] == "社保卡丢了怎么补办" and helps["canned"], helps
        assert helps["answers"] and "社会保障卡" in helps["answers"][0]["title"], helps["answers"]
        assert "来源" in helps["answers"][0]["text"] or "《" in helps["answers"][0]["text"]

        assert other.call("POST", f"/handoffs/{waiting['id']}/reply", json={"text": "我来"}).status_code == 409
        answer = "您好，社保卡补领需要先挂失，我帮您看一下。"
        started = time.monotonic()
        assert agent.call("POST", f"/handoffs/{waiting['id']}/reply", json={"text": answer}).status_code == 200
        assert web_chat.replies(citizen)[0]["text"] == "【人工客服】" + answer
        assert time.monotonic() - started < 10
        events = stack.tracker(sender)["events"]
        relayed = [e for e in events if e.get("event") == "bot" and e.get("text") == "【人工客服】" + answer]
        assert relayed, "the agent's words are in the tracker (kept masked like every message)"

        closed = agent.call("POST", f"/handoffs/{waiting['id']}/close", json={"outcome": "returned"})
        assert closed.status_code == 200, closed.text
        back, offer = web_chat.replies(citizen, at_least=2)[:2]
        assert "由我继续为您服务" in back["text"]
        assert "人工服务" in offer["text"] and offer["quick_replies"][0]["title"] == "非常满意", offer
        citizen.emit("user_uttered", {"message": "孩子出生了要办什么"})
        assert "新生儿出生" in " ".join(m.get("text") or "" for m in web_chat.replies(citizen))
    assert all(r["ticket"] != ticket for r in agent.call("GET", "/handoffs").json()["requests"])
    done = {(e.action, e.target) for e in AuditLog(stack.db_url).entries(username=agent.username)}
    assert {("handoff_claim", ticket), ("handoff_reply", ticket), ("handoff_close", ticket)} <= done


def test_a_wechat_user_gets_the_agents_words_through_the_customer_service_api(stack):
    agent = new_staff(stack, "agent")
    user = OfficialAccount(stack)
    said = user.say("转人工")
    ticket = TICKET.search(said).group(0)
    request = _request(agent, ticket)
    assert request["channel"] == "微信公众号"
    assert agent.call("POST", f"/handoffs/{request['id']}/claim").status_code == 200
    answer = "您好，请问营业执照是哪一年办的？"
    assert agent.call("POST", f"/handoffs/{request['id']}/reply", json={"text": answer}).status_code == 200
    until(lambda: "【人工客服】" + answer in user._received())
    # after one message of the citizen WeChat takes five: counted with the bot's own answer to it
    # (which may have gone out as one), the join, this reply and two more
    for i in range(2):
        assert agent.call("POST", f"/handoffs/{request['id']}/reply", json={"text": f"第{i}条"}).status_code == 200
    limited = agent.call("POST", f"/handoffs/{request['id']}/reply", json={"text": "第六条"})
    assert limited.status_code == 409 and "请等群众回复后再发送" in limited.json()["message"]
    user._push("<MsgType><![CDATA[text]]></MsgType><Content><![CDATA[好的]]></Content>")
    assert agent.call("POST", f"/handoffs/{request['id']}/reply", json={"text": "收到"}).status_code == 200
    assert agent.call("POST", f"/handoffs/{request['id']}/close", json={"outcome": "resolved"}).status_code == 200


@pytest.mark.parametrize("role", ["editor", "reviewer"])
def test_only_agents_and_supervisors_reach_the_inbox(stack, role):
    someone = new_staff(stack, role)
    assert someone.call("GET", "/handoffs").status_code == 403


@pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is installed by scripts/setup.sh")
def test_the_whole_loop_in_real_browsers(stack):
    agent = new_staff(stack, "agent")
    with phone_page(stack) as (browser, citizen, widget):
        widget.get_by_role("button", name="转人工", exact=True).click()
        widget.get_by_text("工作人员接入后", exact=False).first.wait_for(timeout=60_000)
        ticket = TICKET.search(widget.locator("ol").inner_text()).group(0)
        widget.get_by_role("textbox").fill("社保卡丢了怎么补办")
        widget.get_by_role("button", name="发送").click()

        desk = browser.new_page(viewport={"width": 1280, "height": 800})
        desk.goto(stack.console_url + "/staff/")
        login = desk.locator("#login")
        login.get_by_label("用户名").fill(agent.username)
        login.get_by_label("密码").fill(PASSWORD)
        login.get_by_role("button", name="登录").click()
        desk.get_by_role("cell", name=ticket).click()
        desk.get_by_role("button", name="接入").click()
        widget.get_by_text("已接入", exact=False).first.wait_for(timeout=30_000)
        desk.locator("#help-answers button").first.wait_for(timeout=30_000)
        desk.get_by_label("回复群众").fill("您好，请问您要办理哪一项业务？")
        desk.get_by_role("button", name="发送").click()
        widget.get_by_text("【人工客服】您好，请问您要办理哪一项业务？").wait_for(timeout=30_000)
        desk.locator("#case-lines .agent").filter(has_text="哪一项业务").wait_for(timeout=15_000)
        desk.evaluate("window.scrollTo(0, 0)")
        desk.screenshot(path=str(OUTPUT / "staff-handoff-conversation.png"))
        citizen.screenshot(path=str(OUTPUT / "widget-agent-reply.png"))
        desk.get_by_role("button", name="结束并交回智能助手").click()
        widget.get_by_text("由我继续为您服务", exact=False).first.wait_for(timeout=30_000)


def test_a_mini_program_user_fetches_the_agents_words_from_the_mailbox(stack):
    agent = new_staff(stack, "agent")
    login = httpx.post(f"{stack.rasa_url}/webhooks/miniprogram/login", json={"code": "handoff.1"}, timeout=30)
    auth = {"Authorization": f"Bearer {login.json()['token']}"}

    def say(text: str) -> str:
        answer = httpx.post(
            f"{stack.rasa_url}/webhooks/miniprogram/webhook", headers=auth, json={"message": text}, timeout=60
        )
        assert answer.status_code == 200, answer.text
        return " ".join(m.get("text") or "" for m in answer.json()["messages"])

    ticket = TICKET.search(say("转人工")).group(0)
    request = _request(agent, ticket)
    assert request["channel"] == "微信小程序"
    assert agent.call("POST", f"/handoffs/{request['id']}/claim").status_code == 200
    answer = "您好，请问要办理哪一件事？"
    assert agent.call("POST", f"/handoffs/{request['id']}/reply", json={"text": answer}).status_code == 200
    fetched = httpx.get(f"{stack.rasa_url}/webhooks/miniprogram/messages", headers=auth, timeout=10).json()
    assert [m["text"] for m in fetched["messages"]][-1] == "【人工客服】" + answer
    assert "已接入" in fetched["messages"][0]["text"]
    assert httpx.get(f"{stack.rasa_url}/webhooks/miniprogram/messages", headers=auth, timeout=10).json() == {
        "messages": []
    }
    assert httpx.get(f"{stack.rasa_url}/webhooks/miniprogram/messages", timeout=10).status_code == 401
    assert agent.call("POST", f"/handoffs/{request['id']}/close", json={"outcome": "resolved"}).status_code == 200
    assert "由我继续为您服务" in " ".join(
        m["text"] for m in httpx.get(f"{stack.rasa_url}/webhooks/miniprogram/messages", headers=auth).json()["messages"]
    )

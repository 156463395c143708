"""办不成事 and 好差评 through the real stack, on every channel: a complaint becomes a ticket
with its clock, the workspace works it and the citizen hears the result in the chat; the
citizen rates it, a 差评 takes reasons and a comment and reaches the supervisors' follow-ups,
whose rectification the citizen is told and may rate again."""

from __future__ import annotations

import csv
import io
import json
import re

import httpx
import pytest

from bot import ratings
from bot.staff.audit import AuditLog
from tests.support import web_chat
from tests.support.browser import CHROMIUM, OUTPUT, browser_page
from tests.support.official_account import OfficialAccount
from tests.support.staff import PASSWORD, new_staff

NUMBER = re.compile(r"BC\d{12}")


def _texts(messages: list[dict]) -> str:
    return "\n".join(m.get("text") or "" for m in messages)


def _buttons(messages: list[dict]) -> dict[str, str]:
    """Buttons by title, as REST (`buttons`) and socket.io (`quick_replies`) carry them."""
    return {b["title"]: b["payload"] for m in messages for b in m.get("buttons") or m.get("quick_replies") or []}


def _ticket(staff, number: str) -> dict:
    return next(t for t in staff.call("GET", "/tickets").json()["tickets"] if t["number"] == number)


def test_a_widget_complaint_is_worked_in_the_workspace_and_rated_in_the_chat(stack):
    agent, boss = new_staff(stack, "agent"), new_staff(stack, "supervisor")
    token = web_chat.new_session(stack.console_url)
    with web_chat.connect(stack.rasa_url, token) as citizen:
        citizen.emit("user_uttered", {"message": "我要投诉，残疾证跑了三趟了还没办下来"})
        said = _texts(web_chat.replies(citizen))
        number = NUMBER.search(said).group(0)
        assert "1个工作日内" in said and "5个工作日内" in said, said

        ticket = _ticket(agent, number)
        assert ticket["status"] == "registered" and ticket["in_chat"] and ticket["category"] == "runaround"
        assert agent.call("POST", f"/tickets/{ticket['id']}/contacted").status_code == 200
        citizen.emit("user_uttered", {"message": "我的投诉处理得怎么样了"})
        assert "已联系，办理中" in _texts(web_chat.replies(citizen))

        solved = agent.call("POST", f"/tickets/{ticket['id']}/solve", json={"resolution": "已协调残联，下周一上门办理"})
        assert solved.status_code == 200 and solved.json()["told"], solved.text
        told = web_chat.replies(citizen, at_least=2)
        assert "已经办结" in _texts(told) and "下周一上门办理" in _texts(told)
        levels = _buttons(told)
        assert list(levels) == ["非常满意", "满意", "基本满意", "不满意", "非常不满意"]

        citizen.emit("user_uttered", {"message": levels["不满意"]})
        apology = web_chat.replies(citizen)
        assert "回访" in _texts(apology) and "办理超时" in _buttons(apology)
        citizen.emit("user_uttered", {"message": _buttons(apology)["办理超时"]})
        assert "办理超时" in _texts(web_chat.replies(citizen))
        citizen.emit("user_uttered", {"message": "前后跑了三趟，每次说的材料都不一样"})
        assert "转给督办人员" in _texts(web_chat.replies(citizen))

        [follow] = [
            f
            for f in boss.call("GET", "/ratings/follow-ups").json()["follow_ups"]
            if f["target_key"] == str(ticket["id"])
        ]
        assert follow["level_name"] == "不满意" and follow["reasons"] == ["办理超时"]
        assert follow["comment"] == "前后跑了三趟，每次说的材料都不一样"
        assert agent.call("GET", "/ratings/follow-ups").status_code == 403, "follow-ups are the supervisors'"
        assert (
            boss.call("POST", f"/ratings/{follow['id']}/visit", json={"note": "已电话回访，情况属实"}).status_code
            == 200
        )
        rectified = boss.call("POST", f"/ratings/{follow['id']}/rectify", json={"result": "已明确一次性告知材料清单"})
        assert rectified.status_code == 200 and rectified.json()["told"], rectified.text
        again = web_chat.replies(citizen)
        assert "一次性告知材料清单" in _texts(again)
        citizen.emit("user_uttered", {"message": _buttons(again)["满意"]})
        assert "感谢您的评价（满意）" in _texts(web_chat.replies(citizen))

    export = agent.call("GET", "/tickets/export?format=csv")
    assert export.status_code == 200 and "attachment" in export.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(export.text.lstrip("\ufeff"))))
    assert any(r["工单编号"] == number and r["办理状态"] == "已办结" for r in rows)
    orders = json.loads(agent.call("GET", "/tickets/export?format=json").text)["work_orders"]
    assert any(o["工单编号"] == number for o in orders)
    assert agent.call("GET", "/tickets?from=2026-13-01").status_code == 400
    done = {(e.action, e.target) for e in AuditLog(stack.db_url).entries(username=agent.username)}
    assert {("ticket_contacted", number), ("ticket_solve", number), ("ticket_export", "csv")} <= done


def test_a_wechat_user_complains_asks_its_progress_and_rates_an_answer_by_number(stack):
    user = OfficialAccount(stack)
    said = user.say("我要投诉 窗口让我去找街道，街道又让我回窗口")
    number = NUMBER.search(said).group(0)
    assert number in user.say("我的投诉处理得怎么样了")
    answer = user.say("社保卡丢了怎么补办")
    assert "来源" in answer, answer
    offered = user.say("谢谢")
    assert "非常满意" in offered and "非常不满意" in offered, offered
    assert "感谢您的评价（非常满意）" in user.say("1")
    assert "非常满意" not in user.say("谢谢"), "offered once per session"


def test_a_mini_program_user_complains_and_rates(stack):
    login = httpx.post(f"{stack.rasa_url}/webhooks/miniprogram/login", json={"code": "tickets.1"}, timeout=30)
    auth = {"Authorization": f"Bearer {login.json()['token']}"}

    def say(text: str) -> list[dict]:
        answer = httpx.post(
            f"{stack.rasa_url}/webhooks/miniprogram/webhook", headers=auth, json={"message": text}, timeout=60
        )
        assert answer.status_code == 200, answer.text
        return answer.json()["messages"]

    assert NUMBER.search(_texts(say("办不成 小程序一直报错提交不了")))
    say("新生儿落户要带什么材料")
    levels = _buttons(say("谢谢"))
    assert "基本满意" in levels
    assert "感谢您的评价（基本满意）" in _texts(say(levels["基本满意"]))


@pytest.mark.parametrize("role", ["editor", "reviewer"])
def test_only_agents_and_supervisors_reach_tickets(stack, role):
    someone = new_staff(stack, role)
    assert someone.call("GET", "/tickets").status_code == 403
    assert someone.call("GET", "/ratings/follow-ups").status_code == 403
    assert httpx.get(f"{stack.console_url}/staff/api/tickets/", timeout=10).status_code == 401


@pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is installed by scripts/setup.sh")
def test_the_tickets_and_follow_ups_pages(stack):
    boss = new_staff(stack, "supervisor")
    made = boss.call(
        "POST",
        "/tickets",
        json={"description": "来电：老人腿脚不便，社保卡激活要本人到场", "service_item": "social_security_card"},
    )
    assert made.status_code == 201, made.text
    number = made.json()["ticket"]["number"]
    bad = ratings.rate("web:page", "case:SL202612070042", 1, service_item="newborn", db_url=stack.db_url)
    ratings.add_reason(bad.id, "web:page", "材料反复提交", db_url=stack.db_url)
    ratings.add_comment(bad.id, "web:page", "出生证明交了两次", db_url=stack.db_url)
    with browser_page(stack.console_url + "/staff/", 1280, 800) as (_browser, page):
        login = page.locator("#login")
        login.get_by_label("用户名").fill(boss.username)
        login.get_by_label("密码").fill(PASSWORD)
        login.get_by_role("button", name="登录").click()
        page.get_by_role("button", name="办不成事").click()
        page.get_by_role("cell", name=number).click()
        page.locator("#ticket-detail-title").get_by_text(number).wait_for(timeout=15_000)
        assert page.locator("#ticket-detail-category").input_value() == "special_group"
        page.screenshot(path=str(OUTPUT / "staff-tickets.png"))
        page.get_by_label("办理结果").fill("已预约上门激活服务")
        page.get_by_role("button", name="办结").click()
        page.locator("#tickets-rows").get_by_text("已办结").first.wait_for(timeout=15_000)
        page.get_by_role("button", name="差评回访").click()
        page.locator("#followups-list").get_by_text("出生证明交了两次").wait_for(timeout=15_000)
        page.screenshot(path=str(OUTPUT / "staff-follow-ups.png"))

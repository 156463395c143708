"""The supervisors' dashboard on the real console: a week of 转人工 requests, 办不成事 tickets and
好差评 ratings is made through the library functions in the stack's services database (their
times then set by hand, as a week of work would have left them), and the figures are read back
through the API and in a real browser — tiles, ECharts charts with the data, the questions that
ended in 转人工 — with a screenshot at 1280×800. Only supervisors (and administrators) get in.

The week seeded ends yesterday (China), so the requests other tests make today never change the
figures asserted here; the queue "now" is asserted only as at least what this test left open."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

import httpx
import pytest
from sqlalchemy import update

from bot import handoff, ratings, tickets
from bot.db import session_factory
from bot.working_days import CHINA
from tests.support.browser import CHROMIUM, OUTPUT, browser_page
from tests.support.staff import PASSWORD, new_staff
from tests.support.waiting import until

SECURITY_CARD = "社保卡丢了怎么补办"


@dataclass(frozen=True)
class Asked:
    """One 转人工 of the seeded week: when (days before today, hour), what was said before it,
    and how it went (minutes to the agent's first words and to closing; None: not yet)."""

    days_ago: int
    hour: int
    question: str | None
    item: str | None
    reply: float | None
    closed: float | None
    outcome: str = "resolved"
    reason: str = "user_request"


WEEK = [
    Asked(7, 9, SECURITY_CARD, "social_security_card", 1.5, 12),
    Asked(7, 10, "社保卡丟了怎麼補辦？", "social_security_card", 2, 18),
    Asked(7, 14, "孩子出生后医保怎么办理", "newborn", 4, 35, "returned"),
    Asked(6, 9, "营业执照地址变更需要什么材料", "enterprise_change", 2.5, 22),
    Asked(6, 11, SECURITY_CARD, "social_security_card", 1, 9),
    Asked(6, 15, None, None, 3, 20),
    Asked(5, 10, "孩子出生后医保怎么办理", "newborn", 2, 25),
    Asked(5, 13, "退休金什么时候开始发", "retirement", 6, 48),
    Asked(5, 16, "我的手机号13812345678收不到验证码", None, 2, 14),
    Asked(4, 9, SECURITY_CARD, "social_security_card", 2, 16),
    Asked(4, 10, "餐饮店的食品经营许可证要多久", "restaurant", 1, 11, "returned"),
    Asked(4, 14, "窗口说我的材料不全，跑了三趟了", None, 3.5, 28, "resolved", "complaint"),
    Asked(3, 9, "营业执照地址变更需要什么材料", "enterprise_change", 2, 19),
    Asked(3, 11, "退休金什么时候开始发", "retirement", 2.5, 33),
    Asked(3, 15, None, None, None, 40, "no_reply"),
    Asked(2, 10, "孩子出生后医保怎么办理", "newborn", 1.5, 15),
    Asked(2, 14, SECURITY_CARD, "social_security_card", 8, 55),
    Asked(1, 9, "公司注销要先清税吗", "deregistration", 2, 21),
    Asked(1, 11, "退休金什么时候开始发", "retirement", 3, 26),
    Asked(1, 16, None, None, 2, 12, "returned"),
]
TICKETS = [  # (days ago, what the citizen said, contacted after hours, solved after hours)
    (7, "部门之间互相推诿，让我来回跑了好几趟", 5, 50),
    (6, "系统一直报错，登录不了", 20, None),
    (6, "小区停水两天了", 1, 6),
    (5, "证明开不出来，没法提供", None, None),
    (4, "申请超过期限了还没办好", 30, None),
    (3, "老人行动不便，没法去窗口", 3, 30),
    (2, "网站打不开", None, None),
    (1, "窗口工作人员态度很差", 2, None),
]
LEVELS = [5, 5, 5, 4, 5, 4, 3, 1, 2, 4, 5, 5, 5, 4, 2, 5, 3, 5]
BAD_REASONS = {7: ["服务态度", "办理超时"], 8: ["办理超时", "材料反复提交"], 14: ["答非所问"]}
"""Rating n is given 7 - n % 7 days ago: the 差评 (n = 7, 8, 14) a week or six days ago."""


def china_day(days_ago: int) -> date:
    return datetime.now(CHINA).date() - timedelta(days=days_ago)


def at(days_ago: int, hour: int) -> datetime:
    return datetime.combine(china_day(days_ago), time(hour), CHINA).astimezone(timezone.utc)


def set_times(db_url: str, model: type, row_id: int, **values: datetime) -> None:
    """The library stamps its rows with the clock; a seeded week needs last week's times."""
    with session_factory(db_url)() as session, session.begin():
        session.execute(update(model).where(model.id == row_id).values(**values))


def seed_handoff(db_url: str, asked: Asked) -> None:
    lines = [("user", asked.question), ("bot", "……")] if asked.question else []
    if asked.reason == "user_request":
        lines.append(("user", "转人工"))
    made = at(asked.days_ago, asked.hour)
    request = handoff.record_handoff(f"e2e-dash-{made:%m%d%H}", "socketio", lines, asked.item, asked.reason, db_url)
    times = {"created_at": made, "claimed_at": made + timedelta(minutes=1)}
    handoff.claim(request.id, "agent.dash", db_url)
    if asked.reply is not None:
        handoff.note_reply(request.id, db_url)
        times["first_reply_at"] = made + timedelta(minutes=asked.reply)
    if asked.closed is not None:
        handoff.close(request.id, asked.outcome, db_url)
        times["closed_at"] = made + timedelta(minutes=asked.closed)
    set_times(db_url, handoff.HandoffRequest, request.id, **times)


def seed_ticket(db_url: str, days_ago: int, text: str, contacted: float | None, solved: float | None) -> None:
    ticket = tickets.open_ticket(text, source="chat", channel="socketio", now=at(days_ago, 10), db_url=db_url)
    if contacted is not None:
        tickets.mark_contacted(ticket.id, "agent.dash", db_url)
        set_times(db_url, tickets.WorkTicket, ticket.id, contacted_at=at(days_ago, 10) + timedelta(hours=contacted))
    if solved is not None:
        tickets.solve(ticket.id, "agent.dash", "已协调责任部门办结", db_url)
        set_times(db_url, tickets.WorkTicket, ticket.id, solved_at=at(days_ago, 10) + timedelta(hours=solved))


def seed_rating(db_url: str, n: int, level: int) -> None:
    sender, made = f"e2e-dash-rater-{n}", at(7 - n % 7, 12)
    rating = ratings.rate(sender, f"handoff:{9000 + n}", level, channel="socketio", now=made, db_url=db_url)
    for reason in BAD_REASONS.get(n, []):
        ratings.add_reason(rating.id, sender, reason, db_url)
    if n == 8:  # one 差评 visited on time; the others wait past their 回访 deadline
        ratings.record_visit(rating.id, "super.dash", "已电话回访，正在整改", db_url)
        set_times(db_url, ratings.Rating, rating.id, visited_at=made + timedelta(hours=3))


@pytest.fixture(scope="module")
def seeded(stack) -> Iterator[dict]:
    """The seeded week's dates; two citizens waiting now, who leave the queue after the module."""
    for asked in WEEK:
        seed_handoff(stack.db_url, asked)
    for row in TICKETS:
        seed_ticket(stack.db_url, *row)
    seed_ticket(stack.db_url, 40, "补开的证明一个多月了还没有结果", None, None)  # late, and before the week
    for n, level in enumerate(LEVELS):
        seed_rating(stack.db_url, n, level)
    waiting = [waiting_for(stack.db_url, minutes) for minutes in (12, 4)]
    yield {"from": china_day(7).isoformat(), "to": china_day(1).isoformat()}
    for request in waiting:
        handoff.close(request.id, "no_reply", stack.db_url)


def waiting_for(db_url: str, minutes: int) -> handoff.HandoffRequest:
    request = handoff.record_handoff(f"e2e-dash-now-{minutes}", "wechat", [("user", "转人工")], db_url=db_url)
    set_times(
        db_url, handoff.HandoffRequest, request.id, created_at=datetime.now(timezone.utc) - timedelta(minutes=minutes)
    )
    return request


def test_the_figures_of_a_seeded_week(stack, seeded):
    supervisor = new_staff(stack, "supervisor")
    answer = supervisor.call("GET", "/dashboard", params=seeded)
    assert answer.status_code == 200, answer.text
    figures = answer.json()
    handoffs, queue = figures["handoffs"], figures["queue"]
    assert handoffs["total"] == len(WEEK) and queue["open"] >= 2 and queue["oldest_wait_seconds"] >= 12 * 60
    assert handoffs["first_reply"]["target_minutes"] == 3
    assert handoffs["first_reply"]["within_target"] == {"met": 15, "counted": 19, "rate": 0.789}
    assert handoffs["first_reply"]["p50_seconds"] == 120
    assert handoffs["resolution"]["within_target"]["counted"] == len(WEEK) - 1  # the no_reply one is not timed
    assert handoffs["top_items"][0] == {
        "code": "social_security_card",
        "name": "社会保障卡居民服务“一卡通”",
        "count": 5,
    }
    assert handoffs["top_questions"][0] == {"text": SECURITY_CARD, "count": 5}
    assert {"text": "我的手机号138****5678收不到验证码", "count": 1} in handoffs["top_questions"]
    assert handoffs["asked_straight_away"] == 3
    assert figures["tickets"]["total"] == len(TICKETS) and figures["tickets"]["overdue_now"] >= 1  # last month's
    assert figures["ratings"]["total"] == len(LEVELS) and figures["ratings"]["bad"] == 3
    assert figures["ratings"]["bad_reasons"][0] == {"name": "办理超时", "count": 2}
    assert figures["ratings"]["satisfied"] == {"met": 15, "counted": 18, "rate": 0.833}
    assert figures["ratings"]["follow_ups_open"] >= 3 and figures["ratings"]["follow_ups_overdue"] >= 1


def test_only_supervisors_and_administrators_get_the_figures(stack):
    assert httpx.get(f"{stack.console_url}/staff/api/dashboard", timeout=10).status_code == 401
    agent = new_staff(stack, "agent")
    refused = agent.call("GET", "/dashboard")
    assert refused.status_code == 403 and refused.json()["error"] == "forbidden"
    assert new_staff(stack, "admin").call("GET", "/dashboard").status_code == 200


@pytest.mark.parametrize(
    "period, message",
    [
        ({"from": "12/01/2026"}, "日期格式不正确"),
        ({"from": "2026-12-08", "to": "2026-12-01"}, "开始日期不能晚于结束日期"),
        ({"from": "2020-01-01", "to": "2026-12-01"}, "一次最多查看366天"),
    ],
)
def test_a_period_it_cannot_show_gets_a_polite_400(stack, period, message):
    answer = new_staff(stack, "supervisor").call("GET", "/dashboard", params=period)
    assert answer.status_code == 400 and message in answer.json()["message"], answer.text


@pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is installed by scripts/setup.sh")
def test_the_dashboard_in_a_real_browser(stack, seeded):
    supervisor = new_staff(stack, "supervisor")
    with browser_page(stack.console_url + "/staff/", 1280, 800) as (_browser, page):
        broken = []  # a script error or a CSP refusal (an HTTP error answer is expected: 401 before login)
        page.on("pageerror", lambda error: broken.append(str(error)))
        page.on("console", lambda line: broken.append(line.text) if "Refused" in line.text else None)
        login = page.locator("#login")
        login.get_by_label("用户名").fill(supervisor.username)
        login.get_by_label("密码").fill(PASSWORD)
        login.get_by_role("button", name="登录").click()
        page.get_by_role("button", name="数据看板").click()
        board = page.locator("#dashboard")
        board.locator("#dash-tiles").get_by_text("排队等待").wait_for(timeout=30_000)  # the tab's first load
        board.get_by_label("开始日期").fill(seeded["from"])
        board.get_by_label("结束日期").fill(seeded["to"])
        with page.expect_response(lambda answer: f"from={seeded['from']}&to={seeded['to']}" in answer.url):
            board.get_by_role("button", name="查询").click()  # the tab's own first load may still be under way
        page.get_by_text(f"每日转人工（期间共 {len(WEEK)} 次）").wait_for(timeout=15_000)

        tiles = board.locator("#dash-tiles").inner_text()
        for words in (
            "排队等待（当前）",
            "首次响应",
            "目标3分钟内：79%（15/19）",
            "办不成事（未办结）",
            "满意率",
            "差评跟进",
        ):
            assert words in tiles, tiles
        for chart in ("dash-daily", "dash-levels", "dash-items", "dash-reasons", "dash-categories"):
            assert board.locator(f"#{chart} canvas").count() >= 1, chart
            drawn = page.evaluate(
                "id => echarts.getInstanceByDom(document.getElementById(id)).getOption().series[0].data.length", chart
            )
            assert drawn > 0, chart
        assert board.locator("#dash-questions tr").first.inner_text().split("\t")[1] == SECURITY_CARD
        assert page.evaluate("document.documentElement.scrollWidth") <= 1280, "the page fits 1280 wide"

        page.screenshot(path=str(OUTPUT / "staff-dashboard.png"))
        page.screenshot(path=str(OUTPUT / "staff-dashboard-full.png"), full_page=True)

        board.get_by_label("开始日期").fill("2026-1-1")
        board.get_by_role("button", name="查询").click()
        board.get_by_text("日期格式不正确，请按“2026-12-05”的格式填写。").wait_for(timeout=15_000)
        page.get_by_role("button", name="近30天").click()
        until(lambda: board.get_by_label("开始日期").input_value() == china_day(29).isoformat())
        assert board.locator("#dash-error").inner_text() == ""
        assert broken == []

"""The supervisors' dashboard figures (bot/staff/metrics.py) over a temporary services database:
the period a request may ask for, the 转人工 times against the targets (counted from when the
service opens), the questions and items that ended in 转人工, 办不成事 tickets by their clock and
好差评 ratings with their follow-ups. Times are set by hand, so no figure depends on the clock."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import update

from bot import handoff, ratings, tickets
from bot.db import as_utc, session_factory
from bot.service_hours import ServiceHours
from bot.staff import metrics
from bot.staff.metrics import Period, PeriodError, Targets
from bot.working_days import CHINA

ALWAYS = ServiceHours.parse("每天 0:00—24:00")
TARGETS = Targets(first_reply=timedelta(minutes=3), resolve=timedelta(minutes=30))
WEEK = Period(date(2026, 12, 1), date(2026, 12, 4))  # Tuesday to Friday
NOW = datetime(2026, 12, 10, 12, 0, tzinfo=CHINA)


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """A December 2026 moment in China, as UTC (how the services store times)."""
    return datetime(2026, 12, day, hour, minute, tzinfo=CHINA).astimezone(timezone.utc)


def backdate(db_url: str, model: type, row_id: int, **values: datetime | None) -> None:
    """Sets a row's times: the library stamps them with the clock, the tests need them fixed."""
    with session_factory(db_url)() as session, session.begin():
        session.execute(update(model).where(model.id == row_id).values(**values))


def a_handoff(db_url: str, made: datetime, lines: list[tuple[str, str]], **kwargs) -> handoff.HandoffRequest:
    request = handoff.record_handoff(f"web:{made.isoformat()}", "socketio", lines, db_url=db_url, **kwargs)
    backdate(db_url, handoff.HandoffRequest, request.id, created_at=made)
    return request


def handled(
    db_url: str, request: handoff.HandoffRequest, reply_after: float | None, close: tuple[str, float] | None
) -> None:
    """Claims the request; an agent's first words `reply_after` minutes after it was made, and
    closing with an outcome after so many minutes."""
    made = as_utc(handoff.get(request.id, db_url).created_at)
    handoff.claim(request.id, "agent.li", db_url)
    times = {"claimed_at": made + timedelta(minutes=1)}
    if reply_after is not None:
        times["first_reply_at"] = made + timedelta(minutes=reply_after)
    if close is not None:
        outcome, minutes = close
        handoff.close(request.id, outcome, db_url)
        times["closed_at"] = made + timedelta(minutes=minutes)
    backdate(db_url, handoff.HandoffRequest, request.id, **times)


# ---- the period ----


def test_the_period_defaults_to_the_week_ending_today_and_is_counted_in_china_dates():
    period = Period.parse(None, None, today=date(2026, 12, 7))
    assert (period.first, period.last) == (date(2026, 12, 1), date(2026, 12, 7))
    assert period.since == datetime(2026, 11, 30, 16, 0, tzinfo=timezone.utc)
    assert period.until == datetime(2026, 12, 7, 16, 0, tzinfo=timezone.utc)
    assert len(period.days()) == 7
    assert Period.parse("2026-12-05", None, today=date(2026, 12, 7)).last == date(2026, 12, 7)


@pytest.mark.parametrize(
    "first, last, message",
    [
        ("2026/12/01", "2026-12-07", "日期格式不正确"),
        ("2026-12-08", "2026-12-07", "开始日期不能晚于结束日期"),
        ("2025-12-06", "2026-12-07", "一次最多查看366天"),
    ],
)
def test_a_period_the_dashboard_cannot_show_is_refused_politely(first, last, message):
    with pytest.raises(PeriodError, match=message):
        Period.parse(first, last)


def test_a_whole_year_is_allowed():
    assert len(Period.parse("2025-12-07", "2026-12-07").days()) == 366


# ---- the pieces ----


def test_percentiles_are_values_that_occurred():
    assert metrics.percentile([], 0.5) is None
    assert metrics.percentile([300, 120], 0.5) == 120
    assert metrics.percentile([300, 120], 0.9) == 300
    assert metrics.percentile(list(range(1, 101)), 0.9) == 90


def test_on_time_counts_the_missed_that_are_still_undone_but_not_what_is_not_due_yet():
    due = at(2, 12)
    share = metrics.on_time(
        [(at(2, 11), due), (at(2, 13), due), (None, due), (None, at(20, 12))],
        now=at(10, 12),
    )
    assert share.as_json() == {"met": 1, "counted": 3, "rate": 0.333}
    assert metrics.Share(0, 0).as_json()["rate"] is None


def test_the_question_before_the_request_is_the_citizens_last_words_not_the_request():
    asked = [
        {"who": "user", "text": "社保卡丢了怎么补办"},
        {"who": "bot", "text": "您可以……"},
        {"who": "user", "text": "我不想跟机器人聊"},
        {"who": "bot", "text": "好的"},
        {"who": "user", "text": "/request_human"},
    ]
    assert metrics.question_before_handoff(asked, "user_request") == "社保卡丢了怎么补办"
    assert metrics.question_before_handoff([{"who": "user", "text": "转人工"}], "user_request") is None
    complaint = [{"who": "user", "text": "燃气公司说红线外的管子也要我出钱"}]
    assert metrics.question_before_handoff(complaint, "complaint") == complaint[0]["text"]
    # a question that only mentions the staff is still a question
    window = [{"who": "user", "text": "窗口工作人员说材料不全怎么办"}, {"who": "user", "text": "帮我转人工客服"}]
    assert metrics.question_before_handoff(window, "user_request") == "窗口工作人员说材料不全怎么办"


def test_questions_differing_in_script_or_punctuation_count_as_one():
    assert metrics.question_key("社保卡怎麼補辦？") == metrics.question_key("社保卡 怎么补办")


# ---- 转人工 ----


def test_handoff_times_against_the_targets(tmp_db_url):
    question = [("user", "社保卡丢了怎么补办？"), ("bot", "……"), ("user", "转人工")]
    on_time = a_handoff(tmp_db_url, at(1, 10), question, service_item="social_security_card")
    handled(tmp_db_url, on_time, reply_after=2, close=("resolved", 20))
    late = a_handoff(
        tmp_db_url, at(1, 11), [("user", "社保卡丟了怎麼補辦"), ("user", "人工")], service_item="social_security_card"
    )
    handled(tmp_db_url, late, reply_after=5, close=("returned", 40))
    a_handoff(tmp_db_url, at(2, 9), [("user", "我要人工")])  # nobody has answered: missed both
    gone = a_handoff(
        tmp_db_url, at(2, 10), [("user", "孩子出生了要办什么"), ("user", "转人工")], service_item="newborn"
    )
    handled(tmp_db_url, gone, reply_after=None, close=("no_reply", 50))  # no agent words: not counted
    a_handoff(tmp_db_url, at(5, 10), [("user", "转人工")])  # after the period

    figures = metrics.handoff_figures(WEEK, NOW, tmp_db_url, TARGETS, ALWAYS)

    assert figures["total"] == 4
    first = figures["first_reply"]
    assert (first["p50_seconds"], first["p90_seconds"], first["measured"]) == (120, 300, 2)
    assert first["within_target"] == {"met": 1, "counted": 3, "rate": 0.333}
    resolution = figures["resolution"]
    assert (resolution["p50_seconds"], resolution["p90_seconds"]) == (1200, 2400)
    assert resolution["within_target"] == {"met": 1, "counted": 3, "rate": 0.333}
    assert figures["top_items"][0] == {"code": "social_security_card", "name": "社会保障卡居民服务“一卡通”", "count": 2}
    assert {"code": None, "name": "未识别事项", "count": 1} in figures["top_items"]
    assert figures["top_questions"][0] == {"text": "社保卡丢了怎么补办？", "count": 2}
    assert figures["asked_straight_away"] == 1
    assert figures["outcomes"] == [
        {"name": "已解决", "count": 1},
        {"name": "转回智能助手", "count": 1},
        {"name": "群众未回复", "count": 1},
    ]
    daily = figures["per_day"]
    assert daily["days"] == ["2026-12-01", "2026-12-02", "2026-12-03", "2026-12-04"]
    assert daily["series"][0] == {"key": "user_request", "name": "主动转人工", "counts": [2, 2, 0, 0]}


def test_out_of_hours_requests_are_timed_from_when_the_service_opens(tmp_db_url):
    """Saturday evening's request answered at 9:02 on Monday is within a 3-minute target."""
    saturday = a_handoff(tmp_db_url, at(5, 20), [("user", "营业执照怎么变更"), ("user", "转人工")])
    handled(tmp_db_url, saturday, reply_after=37 * 60 + 2, close=None)  # Monday 9:02
    workdays = ServiceHours.parse("工作日 9:00—17:00")
    figures = metrics.handoff_figures(Period(date(2026, 12, 5), date(2026, 12, 6)), NOW, tmp_db_url, TARGETS, workdays)
    assert figures["first_reply"]["p50_seconds"] == 120
    assert figures["first_reply"]["within_target"]["met"] == 1


def test_the_queue_now_counts_the_waiting_and_the_longest_wait(tmp_db_url):
    assert metrics.queue_now(NOW, tmp_db_url) == {"open": 0, "claimed": 0, "oldest_wait_seconds": None}
    a_handoff(tmp_db_url, at(10, 11, 30), [("user", "转人工")])
    a_handoff(tmp_db_url, at(10, 11, 50), [("user", "转人工")])
    taken = a_handoff(tmp_db_url, at(10, 11, 55), [("user", "转人工")])
    handoff.claim(taken.id, "agent.li", tmp_db_url)
    done = a_handoff(tmp_db_url, at(10, 9), [("user", "转人工")])
    handoff.close(done.id, "resolved", tmp_db_url)
    assert metrics.queue_now(NOW, tmp_db_url) == {"open": 2, "claimed": 1, "oldest_wait_seconds": 30 * 60}


# ---- 办不成事 ----


def test_tickets_by_category_on_time_and_overdue_now(tmp_db_url):
    contacted = tickets.open_ticket("部门之间互相推诿，让我来回跑", now=at(1, 10), db_url=tmp_db_url)
    tickets.solve(contacted.id, "agent.li", "已协调办结", tmp_db_url)
    backdate(tmp_db_url, tickets.WorkTicket, contacted.id, contacted_at=at(2, 15), solved_at=at(7, 10))
    tickets.open_ticket("系统一直报错登录不了", now=at(1, 11), db_url=tmp_db_url)  # never contacted
    emergency = tickets.open_ticket("小区停水两天了", now=at(2, 9), db_url=tmp_db_url)
    tickets.mark_contacted(emergency.id, "agent.li", tmp_db_url)
    backdate(tmp_db_url, tickets.WorkTicket, emergency.id, contacted_at=at(2, 12))  # 3 h: late
    withdrawn = tickets.open_ticket("系统打不开", now=at(3, 9), db_url=tmp_db_url)
    tickets.close(withdrawn.id, "agent.li", "群众撤回", tmp_db_url)
    tickets.open_ticket("材料开不出来", now=at(1, 9) - timedelta(days=30), db_url=tmp_db_url)  # before the period

    figures = metrics.ticket_figures(WEEK, NOW, tmp_db_url)

    assert figures["total"] == 4
    assert figures["by_category"][0] == {"name": "系统故障", "count": 2}
    assert {"name": "紧急诉求", "count": 1} in figures["by_kind"]
    assert figures["contact_on_time"] == {"met": 1, "counted": 3, "rate": 0.333}
    assert figures["solution_on_time"] == {"met": 1, "counted": 3, "rate": 0.333}
    # open now, whatever the period: the silent one, the emergency and last month's
    assert (figures["open_now"], figures["overdue_now"]) == (3, 3)
    late = {row["name"]: row["count"] for row in figures["overdue_by_clock"]}
    assert late == {"联系超时": 2, "办理超时": 3, "超过最长时限": 1}


# ---- 好差评 ----


def test_ratings_satisfaction_bad_reasons_and_follow_ups(tmp_db_url):
    for n, level in enumerate((5, 4, 3), start=1):
        ratings.rate(f"web:{n}", f"handoff:{n}", level, now=at(2, 10), db_url=tmp_db_url)
    slow = ratings.rate("web:4", "case:A1", 2, now=at(2, 11), db_url=tmp_db_url)
    for reason in ("办理超时", "服务态度"):
        ratings.add_reason(slow.id, "web:4", reason, tmp_db_url)
    rude = ratings.rate("web:5", "answer:s5", 1, now=at(3, 11), db_url=tmp_db_url)
    ratings.add_reason(rude.id, "web:5", "办理超时", tmp_db_url)
    ratings.record_visit(slow.id, "super.wang", "已电话回访", tmp_db_url)
    backdate(tmp_db_url, ratings.Rating, slow.id, visited_at=at(3, 9))  # within a working day
    ratings.rate("web:6", "case:B2", 1, now=at(10, 9), db_url=tmp_db_url)  # after the period, still open

    figures = metrics.rating_figures(WEEK, NOW, tmp_db_url)

    assert figures["total"] == 5
    assert figures["satisfied"] == {"met": 3, "counted": 5, "rate": 0.6}
    assert figures["bad"] == 2
    assert [row["count"] for row in figures["levels"]] == [1, 1, 1, 1, 1]
    assert figures["levels"][0]["name"] == "非常满意"
    assert figures["bad_reasons"][:2] == [{"name": "办理超时", "count": 2}, {"name": "服务态度", "count": 1}]
    assert len(figures["bad_reasons"]) == len(ratings.REASONS)  # unused tags keep the axis steady
    assert figures["visit_on_time"] == {"met": 1, "counted": 2, "rate": 0.5}
    assert {"name": "人工服务", "count": 3} in figures["by_target"]
    # pending now: the visited one, the unvisited one (late) and the one made today (not yet due)
    assert (figures["follow_ups_open"], figures["follow_ups_overdue"]) == (3, 1)


def test_the_dashboard_is_one_json_answer(tmp_db_url):
    a_handoff(tmp_db_url, at(1, 10), [("user", "转人工")])
    body = metrics.dashboard(WEEK, NOW, tmp_db_url, TARGETS, ALWAYS)
    assert body["period"] == {"from": "2026-12-01", "to": "2026-12-04"}
    assert {"queue", "handoffs", "tickets", "ratings"} <= body.keys()
    assert json.loads(json.dumps(body, ensure_ascii=False)) == body

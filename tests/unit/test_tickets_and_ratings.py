"""办不成事 tickets (their clock on the official calendar, the 12345 work order) and 好差评 (once
per thing, the follow-up of a 差评, a new rating after rectification), in the library and in the
chat's actions with tracker fixtures."""

import asyncio
import csv
import io
from dataclasses import replace
from datetime import date, datetime, timedelta, timezone

import pytest

from bot import ratings, tickets
from bot.settings import settings
from bot.working_days import CHINA, is_working_day
from tests.support.trackers import make_tracker


@pytest.fixture(autouse=True)
def services_db(tmp_path, monkeypatch):
    """Every call without an explicit URL goes to a fresh database."""
    monkeypatch.setattr("bot.db.settings", replace(settings, db_url=f"sqlite:///{tmp_path / 'services.db'}"))


def china(*args) -> datetime:
    return datetime(*args, tzinfo=CHINA)


def local_day(moment: datetime) -> date:
    return moment.astimezone(CHINA).date()


# ---- the clock ------------------------------------------------------------------------------


def test_a_friday_ticket_is_answered_by_monday_and_solved_within_five_working_days():
    ticket = tickets.open_ticket("窗口让我去找街道，街道又让我回窗口", now=china(2026, 12, 4, 15, 0))
    assert ticket.category == "runaround" and ticket.kind == "cannot_do"
    assert local_day(ticket.contact_due) == date(2026, 12, 7)  # Saturday and Sunday skipped
    assert local_day(ticket.solution_due) == date(2026, 12, 11)
    assert local_day(ticket.final_due) == date(2026, 12, 25)
    assert ticket.contact_due.astimezone(CHINA).hour == 23  # the end of that day


def test_the_national_day_holiday_and_its_adjusted_workday_follow_the_official_calendar():
    ticket = tickets.open_ticket("系统一直打不开，提交不了", now=china(2026, 9, 30, 10, 0))
    assert ticket.category == "system"
    # 10-01…10-07 are holidays; Saturday 10-10 is a 调休 working day
    assert local_day(ticket.contact_due) == date(2026, 10, 8)
    assert local_day(ticket.solution_due) == date(2026, 10, 13)  # 10-08, 10-09, 10-10, 10-12, 10-13
    assert is_working_day(date(2026, 10, 10))


def test_an_emergency_is_answered_within_two_hours_day_or_night():
    made = china(2026, 12, 5, 22, 30)  # a Saturday night
    ticket = tickets.open_ticket("小区停水一天了，燃气也有漏气的味道", now=made)
    assert ticket.kind == "emergency" and ticket.category == "emergency"
    assert ticket.contact_due == made + timedelta(hours=2)


def test_the_department_comes_from_the_catalogue_and_the_text_is_masked():
    ticket = tickets.open_ticket("新生儿落户办不了，我电话13812345678", service_item="newborn")
    assert ticket.department and ticket.department != tickets.HALL_DEPARTMENT
    assert "13812345678" not in ticket.description
    assert tickets.open_ticket("说不清楚").department == tickets.HALL_DEPARTMENT


def test_a_ticket_goes_contacted_then_solved_and_is_late_only_while_open():
    ticket = tickets.open_ticket("证明开不出来", now=datetime.now(timezone.utc) - timedelta(days=30))
    assert set(ticket.overdue()) == {"contact", "solution", "final"}
    tickets.mark_contacted(ticket.id, "agent1")
    with pytest.raises(tickets.TicketError):
        tickets.mark_contacted(ticket.id, "agent1")
    with pytest.raises(tickets.TicketError):
        tickets.solve(ticket.id, "agent1", "  ")
    solved = tickets.solve(ticket.id, "agent1", "已协调民政部门当场出具证明")
    assert solved.status == "solved" and solved.overdue() == []
    with pytest.raises(tickets.TicketError):
        tickets.close(ticket.id, "agent1", "重复")


def test_the_export_is_a_12345_work_order_without_personal_data():
    ticket = tickets.open_ticket("身份证110101199003071234办不了社保卡", service_item="social_security_card")
    order = tickets.work_order(ticket)
    assert list(order) == list(tickets.WORK_ORDER_FIELDS)
    assert order["工单编号"] == ticket.number and order["办理状态"] == "已登记，待联系"
    assert "110101199003071234" not in order["诉求内容"]
    from console.tickets import work_orders_csv

    text = work_orders_csv([order])
    assert text.startswith("\ufeff")
    [row] = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    assert row["工单编号"] == ticket.number and row["是否超期"] == "否"
    assert tickets.by_number(ticket.number).id == ticket.id and tickets.by_number("BC2026") is None


# ---- 好差评 ---------------------------------------------------------------------------------


def test_an_offer_is_made_once_and_a_rating_given_once():
    assert ratings.offer("web:a", "handoff:7") is True
    assert ratings.offer("web:a", "handoff:7") is False
    assert ratings.offer("web:b", "handoff:7") is True
    rating = ratings.rate("web:a", "handoff:7", 5)
    assert not rating.bad and rating.follow_up is None
    with pytest.raises(ratings.AlreadyRated):
        ratings.rate("web:a", "handoff:7", 1)
    with pytest.raises(ratings.RatingError):
        ratings.rate("web:a", "nothing:1", 5)


def test_a_bad_rating_is_followed_up_and_may_be_rated_again_once_after_rectification():
    made = china(2026, 12, 4, 16, 0)  # a Friday
    rating = ratings.rate("web:a", "case:SL1", 2, service_item="newborn", now=made)
    assert rating.bad and rating.follow_up == "open"
    assert local_day(rating.visit_due) == date(2026, 12, 7)
    assert local_day(rating.rectify_due) == date(2026, 12, 25)
    ratings.add_reason(rating.id, "web:a", "办理超时")
    ratings.add_reason(rating.id, "web:a", "办理超时")
    commented = ratings.add_comment(rating.id, "web:a", "跑了三趟，我电话13812345678")
    assert commented.reasons == ["办理超时"] and "13812345678" not in commented.comment
    with pytest.raises(ratings.RatingError):
        ratings.add_reason(rating.id, "web:other", "态度")  # not theirs
    with pytest.raises(ratings.AlreadyRated):
        ratings.rate("web:a", "case:SL1", 4)  # not before the rectification
    ratings.record_visit(rating.id, "boss", "已电话核实，属实")
    done = ratings.record_rectification(rating.id, "boss", "已约谈窗口，超时件优先办理")
    assert done.follow_up == "rectified" and [r.id for r in ratings.follow_ups("rectified")] == [rating.id]
    again = ratings.rate("web:a", "case:SL1", 4)
    assert again.replaces_id == rating.id
    with pytest.raises(ratings.AlreadyRated):
        ratings.rate("web:a", "case:SL1", 5)


def test_typed_levels_are_read_most_specific_first():
    from bot.rating_replies import typed_level

    assert [typed_level(t) for t in ("非常不满意", "不满意", "基本满意", "很满意", "满意", "给个差评")] == [
        1,
        2,
        3,
        5,
        4,
        None,
    ]


# ---- in the chat ------------------------------------------------------------------------------


def run(action, dispatcher, tracker):
    return asyncio.run(action.run(dispatcher, tracker, {}))


def rating_buttons(dispatcher) -> list[dict]:
    return [b for m in dispatcher.messages for b in m.get("buttons") or [] if b["payload"].startswith("/rate")]


def test_a_complaint_is_a_ticket_with_its_clock_and_its_progress_is_told(dispatcher):
    from actions.handoff import ActionHandoffToHuman
    from actions.status import ActionCheckStatus

    run(ActionHandoffToHuman(), dispatcher, make_tracker("complain", "我要投诉，你们部门互相推诿", sender_id="web:c"))
    [ticket] = tickets.of_sender("web:c")
    reply = dispatcher.messages[0]["text"]
    assert ticket.number in reply and ticket.department in reply and "1个工作日内" in reply
    assert ticket.category == "runaround" and ticket.source == "chat"
    dispatcher.messages.clear()
    run(ActionHandoffToHuman(), dispatcher, make_tracker("complain", "我的投诉处理得怎么样了", sender_id="web:c"))
    assert len(tickets.of_sender("web:c")) == 1, "a question about progress is not a new ticket"
    assert ticket.number in dispatcher.messages[0]["text"] and "已登记" in dispatcher.messages[0]["text"]
    tickets.solve(ticket.id, "agent1", "已协调两个部门，明天窗口直接办理")
    dispatcher.messages.clear()
    run(ActionCheckStatus(), dispatcher, make_tracker("check_status", "我反映的问题有结果了吗", sender_id="web:c"))
    assert "已办结" in dispatcher.messages[0]["text"] and "明天窗口直接办理" in dispatcher.messages[0]["text"]


def answered_session(sender: str = "web:r") -> list[dict]:
    return [
        {"event": "session_started", "timestamp": 1765000000.0},
        {"event": "action", "name": "action_answer_question"},
        {"event": "bot", "text": "新生儿出生一件事可以网上办理。\n来源：《新生儿出生一件事》办事指南"},
    ]


def test_thanks_after_an_answer_offer_the_rating_once(dispatcher):
    from actions.ratings import ActionThank

    events = answered_session()
    run(ActionThank(), dispatcher, make_tracker("thank", "谢谢", events=events, sender_id="web:r"))
    assert dispatcher.messages[0]["response"] == "utter_thank"
    buttons = rating_buttons(dispatcher)
    assert [b["title"] for b in buttons] == ["非常满意", "满意", "基本满意", "不满意", "非常不满意"]
    dispatcher.messages.clear()
    run(ActionThank(), dispatcher, make_tracker("thank", "谢谢", events=events, sender_id="web:r"))
    assert rating_buttons(dispatcher) == [], "never prompted twice"
    dispatcher.messages.clear()
    run(ActionThank(), dispatcher, make_tracker("thank", "谢谢", sender_id="web:quiet"))
    assert rating_buttons(dispatcher) == [], "nothing answered, nothing to rate"


def entities(**values) -> list[dict]:
    return [{"entity": k, "value": v} for k, v in values.items()]


def rate_tracker(text: str, sender: str = "web:r", slots: dict | None = None, **values):
    tracker = make_tracker("rate", text, slots=slots, events=answered_session(), sender_id=sender)
    tracker.latest_message["entities"] = entities(**values)
    return tracker


def test_a_bad_rating_asks_reasons_then_takes_the_comment(dispatcher):
    from actions.ratings import ActionRate, ActionRatingComment

    target = "answer:1765000000"
    events = run(ActionRate(), dispatcher, rate_tracker("/rate", rating_target=target, rating_level="1"))
    [rating] = ratings.follow_ups()
    assert rating.level == 1 and rating.target == target
    assert {"event": "followup", "timestamp": None, "name": "rating_comment_form"} in events
    assert "回访" in dispatcher.messages[0]["text"] and len(rating_buttons(dispatcher)) == len(ratings.REASONS)
    dispatcher.messages.clear()
    run(ActionRate(), dispatcher, rate_tracker("/rate", rating_id=str(rating.id), rating_reason="答非所问"))
    assert "答非所问" in dispatcher.messages[0]["text"]
    dispatcher.messages.clear()
    slots = {"rating_comment": "问社保卡补办，回答的是新办", "rating_open": str(rating.id)}
    run(ActionRatingComment(), dispatcher, make_tracker("out_of_scope", "…", slots=slots, sender_id="web:r"))
    stored = ratings.get(rating.id)
    assert stored.reasons == ["答非所问"] and stored.comment == "问社保卡补办，回答的是新办"
    dispatcher.messages.clear()
    run(ActionRate(), dispatcher, rate_tracker("/rate", rating_target=target, rating_level="5"))
    assert "已经评价过" in dispatcher.messages[0]["text"]


def test_typed_我要评价_offers_what_was_last_offered_and_a_typed_level_rates_it(dispatcher):
    from actions.ratings import ActionRate

    ratings.offer("web:t", "handoff:3")
    run(ActionRate(), dispatcher, rate_tracker("我要评价", sender="web:t"))
    assert "人工服务" in dispatcher.messages[0]["text"] and len(rating_buttons(dispatcher)) == 5
    dispatcher.messages.clear()
    run(ActionRate(), dispatcher, rate_tracker("非常满意", sender="web:t"))
    assert "感谢您的评价" in dispatcher.messages[0]["text"]
    assert ratings.latest("web:t", "handoff:3").level == 5


def test_the_workspace_tells_a_solved_ticket_and_a_rectified_rating_in_the_chat(dispatcher):
    from actions.ratings import ActionOfferRating

    ticket = tickets.open_ticket("证明开不出来", sender_id="web:w")
    tickets.solve(ticket.id, "agent1", "已开具")
    run(
        ActionOfferRating(), dispatcher, make_tracker(slots={"rating_target": f"ticket:{ticket.id}"}, sender_id="web:w")
    )
    assert "已经办结" in dispatcher.messages[0]["text"] and len(rating_buttons(dispatcher)) == 5
    dispatcher.messages.clear()
    run(
        ActionOfferRating(), dispatcher, make_tracker(slots={"rating_target": f"ticket:{ticket.id}"}, sender_id="web:x")
    )
    assert dispatcher.messages == [], "someone else's ticket is not told"
    bad = ratings.rate("web:w", f"ticket:{ticket.id}", 2)
    ratings.record_rectification(bad.id, "boss", "已督促部门改进")
    run(
        ActionOfferRating(), dispatcher, make_tracker(slots={"rating_target": f"rectified:{bad.id}"}, sender_id="web:w")
    )
    assert "已督促部门改进" in dispatcher.messages[0]["text"] and len(rating_buttons(dispatcher)) == 5


def test_a_complaint_read_as_a_status_question_is_still_a_ticket(dispatcher):
    from actions.status import ActionCheckStatus

    run(
        ActionCheckStatus(),
        dispatcher,
        make_tracker("check_status", "办不成 小程序一直报错提交不了", sender_id="web:s"),
    )
    [ticket] = tickets.of_sender("web:s")
    assert ticket.category == "system" and ticket.number in dispatcher.messages[0]["text"]

"""转人工 as it runs its course: service hours on the official calendar, the queue, claiming,
closing, and a paused conversation that stays paused across Rasa's session start."""

from __future__ import annotations

import asyncio
from datetime import datetime

import pytest
from rasa_sdk import Tracker

from actions import handoff as handoff_actions
from bot import handoff
from bot.service_hours import ServiceHours, spoken
from bot.working_days import CHINA

WORKDAYS = ServiceHours.parse("工作日 9:00—17:00")


@pytest.mark.parametrize(
    "moment, open_now, next_opening",
    [
        (datetime(2026, 12, 7, 10, 0, tzinfo=CHINA), True, datetime(2026, 12, 7, 10, 0, tzinfo=CHINA)),
        (datetime(2026, 12, 7, 8, 30, tzinfo=CHINA), False, datetime(2026, 12, 7, 9, 0, tzinfo=CHINA)),
        (
            datetime(2026, 12, 4, 17, 0, tzinfo=CHINA),
            False,
            datetime(2026, 12, 7, 9, 0, tzinfo=CHINA),
        ),  # Friday evening
        (datetime(2026, 12, 5, 20, 0, tzinfo=CHINA), False, datetime(2026, 12, 7, 9, 0, tzinfo=CHINA)),  # Saturday
    ],
)
def test_service_hours_follow_the_working_days(moment, open_now, next_opening):
    assert WORKDAYS.open_at(moment) is open_now
    assert WORKDAYS.next_opening(moment) == next_opening


def test_a_holiday_is_not_a_working_day_and_every_day_hours_ignore_the_calendar():
    national_day = datetime(2026, 10, 1, 10, 0, tzinfo=CHINA)
    assert not WORKDAYS.open_at(national_day)
    assert WORKDAYS.next_opening(national_day).date() > national_day.date()
    always = ServiceHours.parse("每天 0:00—24:00")
    assert always.open_at(national_day) and always.open_at(datetime(2026, 12, 5, 23, 59, tzinfo=CHINA))
    with pytest.raises(ValueError, match="BANSHI_HUMAN_HOURS"):
        ServiceHours.parse("有人就接")


def test_the_earliest_reply_is_said_as_a_person_would():
    saturday = datetime(2026, 12, 5, 20, 0, tzinfo=CHINA)
    assert spoken(WORKDAYS.next_opening(saturday), saturday) == "12月7日（周一）9:00"
    assert spoken(datetime(2026, 12, 6, 9, 0, tzinfo=CHINA), saturday) == "明天9:00"


def test_the_queue_claiming_and_closing(tmp_db_url):
    first = handoff.record_handoff("web:a", "socketio", [], db_url=tmp_db_url, paused=True)
    second = handoff.record_handoff("web:b", "socketio", [], db_url=tmp_db_url, paused=True)
    assert (first.queue_ahead, second.queue_ahead) == (0, 1)
    assert handoff.claim(first.id, "agent.li", tmp_db_url)
    assert not handoff.claim(first.id, "agent.wang", tmp_db_url)  # taken once
    assert handoff.awaiting_human("web:a", tmp_db_url).claimed_by == "agent.li"
    assert handoff.close(first.id, "returned", tmp_db_url)
    assert not handoff.close(first.id, "resolved", tmp_db_url)
    assert handoff.awaiting_human("web:a", tmp_db_url) is None
    assert [r.id for r in handoff.inbox(tmp_db_url)] == [second.id]
    with pytest.raises(ValueError):
        handoff.close(second.id, "whatever", tmp_db_url)


def test_a_conversation_waiting_for_a_human_stays_paused_after_a_session_start(tmp_db_url, dispatcher, monkeypatch):
    handoff.record_handoff("web:a", "socketio", [], db_url=tmp_db_url, paused=True)
    monkeypatch.setattr(handoff_actions, "awaiting_human", lambda sender: handoff.awaiting_human(sender, tmp_db_url))

    def start(sender: str) -> list[dict]:
        tracker = Tracker(sender, {"service_item": "newborn"}, {}, [], False, None, {}, "action_listen")
        return asyncio.run(handoff_actions.ActionSessionStart().run(dispatcher, tracker, {}))

    waiting = [e["event"] for e in start("web:a")]
    assert waiting[0] == "session_started" and "pause" in waiting and waiting[-1] == "action"
    others = start("web:b")
    assert "pause" not in [e["event"] for e in others]
    assert {"event": "slot", "timestamp": None, "name": "service_item", "value": "newborn"} in others

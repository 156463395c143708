"""The bot's own words as editors change them (bot/wording.py, bot/editing/wording.py): every
default read from where citizens read it today, the checks in the editors' words, and a
publication said within the cache's lifetime — undone by publishing the default again."""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path

import pytest
import yaml
from sqlalchemy import create_engine, text

from bot import wording as live
from bot.applications.words import consent_request
from bot.catalogue import load_catalogue
from bot.db import session_factory
from bot.editing import revisions
from bot.editing import wording as editing
from bot.editing.revisions import ContentRevision, RevisionError
from bot.knowledge import words as kb_words
from bot.settings import settings
from bot.staff.accounts import StaffUser
from bot.words import GAVE_UP, GREETING, handoff_after_hours, handoff_confirmation

EDITOR = StaffUser(1, "editor.wang", "王编辑", ("editor",), True)
REVIEWER = StaffUser(2, "reviewer.zhao", "赵审核", ("reviewer",), True)
TODAY = date(2026, 12, 5)
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def sessions(tmp_db_url, monkeypatch):
    editing.register()
    monkeypatch.setattr(live, "LIVE", live.PublishedWording(tmp_db_url, ttl=0))
    return session_factory(tmp_db_url)


def through_review(sessions, key: str, wording: str) -> ContentRevision:
    with sessions() as session, session.begin():
        revision = editing.save_draft(session, EDITOR, key, wording, note="测试")
        revisions.submit(session, EDITOR, revision)
        revisions.review(session, REVIEWER, revision, True)
        revisions.publish(session, EDITOR.username, revision, TODAY, EDITOR)
        return revision


def stored(sessions, key: str) -> editing.BotWording | None:
    with sessions() as session:
        return session.get(editing.BotWording, key)


# ----------------------------------------------------------------- the defaults


def test_a_domain_replys_default_is_its_first_plain_variation_in_domain_yml():
    responses = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))["responses"]
    in_domain = [key for key, reply in live.REPLIES.items() if reply.in_domain]
    assert len(in_domain) >= 8
    for key in in_domain:
        assert editing.default_text(key) == responses[key][0]["text"], key


def test_a_code_replys_default_is_its_constant_with_the_hotline_as_a_placeholder():
    assert editing.default_text("greeting") == GREETING
    gave_up = editing.default_text("fallback_gave_up")
    assert "{hotline}" in gave_up and settings.hotline not in gave_up
    assert live.fill(gave_up) == GAVE_UP.text
    assert live.fill(editing.default_text("kb_not_found")) == kb_words.NOT_IN_KB
    assert "{ticket}" in editing.default_text("handoff_accepted")


@pytest.mark.parametrize("key", list(live.REPLIES))
def test_every_default_passes_its_own_checks(key):
    default = editing.default_text(key)
    assert default and editing.problems(key, default) == [] and editing.notes(key, default) == []


def test_with_no_edit_the_bot_says_exactly_what_it_said_before(sessions):
    assert handoff_confirmation("RG202612050001", 0) == (
        "已为您转人工服务，登记号 RG202612050001。您是下一位，工作人员接入后会直接在这个窗口和您对话，"
        "请不要关闭窗口；在工作人员接入前，我先不作答。如果事情紧急，也可以直接拨打"
        f"{settings.hotline}政务服务便民热线（7×24小时）。"
    )
    assert handoff_after_hours("RG202612050001", "明天9:00") == (
        f"已为您登记转人工服务，登记号 RG202612050001。现在是人工服务时间（{settings.human_hours}）以外，"
        "工作人员最早会在明天9:00通过这个窗口联系您。在此之前，您仍然可以继续问我；"
        f"如果事情紧急，请拨打{settings.hotline}政务服务便民热线（7×24小时）。"
    )
    item = load_catalogue()["newborn"]
    assert consent_request(None, item, ["姓名", "身份证号码"]).text == (
        f"为了让您少填表，经您同意，我会从政府已有数据中调取您的姓名、身份证号码，"
        f"只用于预填「{item.title}」申请表，不作他用；您也可以不同意，由自己逐项填写。\n同意调取吗？"
    )


# ----------------------------------------------------------------- the checks


@pytest.mark.parametrize(
    "key, wording, problem",
    [
        ("greeting", "   ", "不能为空"),
        ("greeting", "您好" * 501, "太长"),
        ("greeting", "您好！<script>alert(1)</script>", "网页代码"),
        ("greeting", '请点<a href="https://example.com">这里</a>', "网页代码"),
        ("greeting", "您好&nbsp;欢迎", "网页代码"),
        ("greeting", "请拨打{hotline热线", "花括号"),
        ("greeting", "请拨打hotline}热线", "花括号"),
        ("greeting", "请拨打｛hotline｝热线", "全角花括号"),
        ("greeting", "您好，{name}！", "不认识占位符 {name}"),
        ("greeting", "您好，{Hotline}", "花括号"),
        ("handoff_accepted", "已为您转人工，请稍候。", "请保留占位符 {ticket}（转人工登记号）"),
        ("handoff_after_hours", "登记号 {ticket}，我们会尽快联系您。", "请保留占位符 {when}"),
        ("handoff_failed", "登记没有成功，请稍后再试。", "请保留占位符 {hotline}"),
        ("agent_joined", "工作人员已接入。", "请保留占位符 {name}"),
        ("prefill_consent", "我会调取您的{data}，同意吗？", "请保留占位符 {item}"),
    ],
)
def test_a_wording_that_cannot_go_live_is_refused_in_words(key, wording, problem):
    found = editing.problems(key, wording)
    assert any(problem in message for message in found), found


def test_an_unknown_placeholder_is_answered_with_the_ones_the_reply_may_use():
    (message,) = editing.problems("handoff_accepted", "登记号 {ticket}，排队：{position}")
    assert "{position}" in message and "{ticket}（转人工登记号）" in message and "{hotline}" in message


def test_a_good_wording_passes_and_the_preview_fills_the_placeholders():
    wording = "已为您转人工，登记号 {ticket}。{queue}急事请拨打{hotline}。"
    assert editing.problems("handoff_accepted", wording) == []
    shown = editing.preview("handoff_accepted", wording)
    assert shown["text"] == f"已为您转人工，登记号 RG202612050003。您前面还有2位在等待，急事请拨打{settings.hotline}。"
    assert shown["problems"] == [] and shown["notes"] == []
    with pytest.raises(RevisionError):
        editing.preview("no_such_reply", wording)


def test_a_placeholder_of_the_default_left_out_is_a_note_for_the_reviewer_not_a_refusal():
    assert editing.problems("kb_not_found", "抱歉，这个问题我暂时答不上来，您可以转人工。") == []
    (note,) = editing.notes("kb_not_found", "抱歉，这个问题我暂时答不上来，您可以转人工。")
    assert "{hotline}" in note


# ----------------------------------------------------------------- publishing and the cache


def test_a_published_edit_is_said_and_publishing_the_default_again_undoes_it(sessions):
    assert live.said("greeting", GREETING) == GREETING

    first = through_review(sessions, "greeting", "您好，欢迎！有事请拨打{hotline}。")
    assert first.published_version == 1 and stored(sessions, "greeting").version == 1
    assert live.said("greeting", GREETING) == f"您好，欢迎！有事请拨打{settings.hotline}。"
    assert editing.current("greeting") == "您好，欢迎！有事请拨打{hotline}。"

    second = through_review(sessions, "greeting", "您好！请问要办什么事？")
    assert second.published_version == 2 and stored(sessions, "greeting").revision_id == second.id
    assert live.said("greeting", GREETING) == "您好！请问要办什么事？"

    restored = through_review(sessions, "greeting", editing.default_text("greeting"))
    assert restored.published_version == 3 and stored(sessions, "greeting") is None
    assert live.said("greeting", GREETING) == GREETING
    assert through_review(sessions, "greeting", "您好。").published_version == 4


def test_a_wording_with_problems_is_neither_submitted_nor_published(sessions):
    with sessions() as session, session.begin():
        revision = editing.save_draft(session, EDITOR, "handoff_accepted", "已为您转人工，请稍候。")
        with pytest.raises(RevisionError, match="请保留占位符"):
            revisions.submit(session, EDITOR, revision)
        revision.status = revisions.APPROVED  # as if the checks had been passed some other way
        with pytest.raises(RevisionError) as refused:
            revisions.publish(session, EDITOR.username, revision, TODAY, EDITOR)
        assert refused.value.code == "invalid"
    assert stored(sessions, "handoff_accepted") is None


def test_the_reviewer_sees_the_change_against_what_is_said_now(sessions):
    with sessions() as session, session.begin():
        revision = editing.save_draft(session, EDITOR, "utter_goodbye", "再见！欢迎随时再来。")
        revisions.submit(session, EDITOR, revision)
    with sessions() as session:
        shown = editing.detail(session, "utter_goodbye")
        listed = {r["key"]: r for r in editing.overview(session)}
    assert shown["revision"]["status"] == revisions.SUBMITTED and shown["variations"] == 2
    assert [row["op"] for row in shown["diff"]["lines"]] == ["del", "add"]
    assert shown["diff"]["lines"][0]["text"] == editing.default_text("utter_goodbye")
    assert listed["utter_goodbye"]["revision"]["id"] == revision.id and not listed["utter_goodbye"]["edited"]
    assert listed["greeting"]["revision"] is None


def test_a_process_reads_the_table_again_only_when_its_copy_is_stale(tmp_db_url):
    session_factory(tmp_db_url)  # the schema
    copy = live.PublishedWording(tmp_db_url, ttl=60)
    assert copy.get("greeting") is None
    with create_engine(tmp_db_url).begin() as connection:
        connection.execute(
            text(
                "INSERT INTO bot_wording (key, text, version, published_at, published_by) "
                "VALUES ('greeting', '您好！', 1, CURRENT_TIMESTAMP, 'editor.wang')"
            )
        )
    assert copy.get("greeting") is None, "within its lifetime the copy stands"
    copy.forget()
    assert copy.get("greeting") == "您好！"
    short = live.PublishedWording(tmp_db_url, ttl=0.05)
    assert short.get("greeting") == "您好！"
    time.sleep(0.1)
    assert short.stale()


def test_a_database_that_cannot_be_read_never_costs_a_reply(tmp_path):
    missing = tmp_path / "not-yet.db"
    assert live.PublishedWording(f"sqlite:///{missing}").get("greeting") is None
    assert not missing.exists(), "the services create their database, not a reader"
    empty = tmp_path / "empty.db"
    create_engine(f"sqlite:///{empty}").connect().close()
    assert live.PublishedWording(f"sqlite:///{empty}").get("greeting") is None  # no table: the default


def test_only_registered_replies_are_said_through_the_registry():
    with pytest.raises(KeyError):
        live.said("no_such_reply", "…")

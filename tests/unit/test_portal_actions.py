"""Identity binding, status and 催办 actions with tracker fixtures, against the in-memory portal
(tests/support/fake_portal.py) and a temporary services database."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from pathlib import Path

import pytest
import yaml

from actions.identity import (
    ActionAskBindingCode,
    ActionAskBindingConsent,
    ActionCancelBinding,
    ActionContinueAfterBinding,
    ValidateIdentityForm,
)
from actions.status import ActionCheckStatus, ActionUnbindIdentity, ActionUrgeApplication
from bot.identity.binding import VERIFIED, find_id_number, parse_code, parse_name, portal_channel
from bot.identity.store import IdentityStore
from bot.portal_client import services as portal_services
from bot.portal_client.models import PortalToken
from tests.support.fake_portal import PERSON_ID, PERSON_NAME, FakePortal, application, subtask
from tests.support.trackers import make_tracker

ROOT = Path(__file__).resolve().parents[2]
DOMAIN = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
OVERDUE, OTHER = "BS20261001000001", "BS20261002000002"
SENDER = "unit-test-user"
CITIZEN_BINDING = {"binding_subject": "citizen", "binding_uscc": "-"}
"""A citizen's binding skips the credit-code question."""


@pytest.fixture
def portal(monkeypatch, tmp_db_url) -> FakePortal:
    fake = FakePortal()
    services = fake.services(tmp_db_url)
    monkeypatch.setattr(portal_services, "services", lambda: services)
    return fake


@pytest.fixture
def bound(portal, tmp_db_url) -> str:
    """马志强 already verified in an earlier conversation: his token is in the store."""
    token = portal.issue_token()
    IdentityStore(tmp_db_url).save(
        SENDER, "rest", PortalToken(token, _far_future(), "citizen", PERSON_NAME), consented_at=_far_future()
    )
    return token


def _far_future():
    from datetime import datetime, timezone

    return datetime(2099, 1, 1, tzinfo=timezone.utc)


def run(action, dispatcher, tracker) -> dict:
    """The action's events as {slot: value}."""
    events = asyncio.run(action.run(dispatcher, tracker, DOMAIN))
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


def texts(dispatcher) -> str:
    return "\n".join(m.get("text") or "" for m in dispatcher.messages)


def buttons(dispatcher) -> list[dict]:
    return [b for m in dispatcher.messages for b in m.get("buttons") or []]


def form_turn(slot: str, value, slots: dict | None = None):
    """A tracker as the form's validation receives it: the candidate is the last event."""
    events = [{"event": "user", "text": str(value)}, {"event": "slot", "name": slot, "value": value}]
    return make_tracker("inform_name", str(value), slots={**(slots or {}), slot: value}, events=events)


# ---- reading what citizens type --------------------------------------------------------------


@pytest.mark.parametrize(
    "text, name",
    [
        ("马志强", "马志强"),
        ("我叫 马志强。", "马志强"),
        ("姓名：阿依古丽·买买提", "阿依古丽·买买提"),
        ("马志强 990103196603020774", "马志强"),
        ("990103196603020774", None),
        ("查一下进度好吗？", None),
        ("王", None),
        ("abc", None),
        ("不查了", None),
        ("好的吧", None),
    ],
)
def test_names_are_read_from_what_people_type(text, name):
    assert parse_name(text) == name


def test_id_numbers_and_codes_are_found_inside_sentences():
    assert find_id_number("我的身份证是99010219940512043x，谢谢") == "99010219940512043X"
    assert find_id_number("电话13800990014") is None
    assert parse_code("验证码是 654321") == "654321"
    assert parse_code("990103196603020774") is None
    assert portal_channel("socketio") == "socketio" and portal_channel(None) == "web"
    assert portal_channel("mp:wechat") == "mp_wechat"


# ---- the identity form ---------------------------------------------------------------------


def test_an_unbound_status_check_asks_for_identity_with_its_purpose(portal, dispatcher):
    slots = run(ActionCheckStatus(), dispatcher, make_tracker("check_status", "我的办件到哪了"))
    assert slots == {"needs_identity": True, "identity_purpose": "check_status", **CITIZEN_BINDING}
    assert not portal.calls, "no portal call without an identity"


def test_the_consent_question_says_what_why_how_long_and_that_refusing_is_fine(dispatcher):
    run(ActionAskBindingConsent(), dispatcher, make_tracker(slots={"identity_purpose": "check_status"}))
    text = texts(dispatcher)
    for must in (
        "姓名",
        "身份证号码",
        "手机",
        "查询您本人的办件进度",
        "不作他用",
        "自动失效",
        "解除绑定",
        "不同意也没关系",
        "12345",
    ):
        assert must in text, must
    assert [b["payload"] for b in buttons(dispatcher)] == ["/affirm", "/deny"]


@pytest.mark.parametrize("subject, uscc", [("enterprise", None), ("citizen", "-")])
def test_the_form_says_nothing_about_slots_the_start_only_cleared(dispatcher, subject, uscc):
    """As rasa-sdk sees the identity form start: the start action's slot events trail the
    tracker and are all validated; a cleared credit code is not a wrong one (issue 20)."""
    events = [
        {"event": "user", "text": '/start_application{"prefill_consent":"yes"}'},
        {"event": "action", "name": "action_start_application"},
        {"event": "slot", "name": "needs_identity", "value": True},
        {"event": "slot", "name": "binding_subject", "value": subject},
        {"event": "slot", "name": "binding_uscc", "value": uscc},
    ]
    tracker = make_tracker(
        "start_application", events[0]["text"], events=events, slots={"binding_subject": subject, "binding_uscc": uscc}
    )
    slots = run(ValidateIdentityForm(), dispatcher, tracker)
    assert dispatcher.messages == []
    assert slots.get("binding_uscc") == uscc


def test_refusing_consent_ends_the_form_politely(dispatcher):
    slots = run(ValidateIdentityForm(), dispatcher, form_turn("binding_consent", False))
    assert slots["requested_slot"] is None and slots["binding_consent"] is False
    assert "尊重您的选择" in texts(dispatcher) and "12345" in texts(dispatcher)


def test_a_name_and_id_number_in_one_message_fill_both(dispatcher):
    slots = run(ValidateIdentityForm(), dispatcher, form_turn("binding_name", f"我叫{PERSON_NAME}，{PERSON_ID}"))
    assert slots == {"binding_name": PERSON_NAME, "binding_id_number": PERSON_ID}
    assert dispatcher.messages == []


def test_an_id_number_typed_instead_of_the_name_is_kept_and_the_name_asked(dispatcher):
    slots = run(ValidateIdentityForm(), dispatcher, form_turn("binding_name", PERSON_ID))
    assert slots == {"binding_name": None, "binding_id_number": PERSON_ID}
    assert "姓名" in texts(dispatcher)


def test_a_wrong_check_digit_is_caught_before_the_portal(dispatcher, portal):
    wrong = PERSON_ID[:17] + "5"
    slots = run(ValidateIdentityForm(), dispatcher, form_turn("binding_id_number", wrong))
    assert slots == {"binding_id_number": None}
    assert "校验码" in texts(dispatcher)
    assert not portal.calls


def test_asking_for_the_code_sends_it_through_the_portal(portal, dispatcher):
    tracker = make_tracker(slots={"binding_name": PERSON_NAME, "binding_id_number": PERSON_ID})
    slots = run(ActionAskBindingCode(), dispatcher, tracker)
    assert slots["binding_id"] in portal.codes
    assert "验证码已发送至您登记的手机" in texts(dispatcher) and "6位验证码" in texts(dispatcher)


def test_asking_again_does_not_send_a_second_code(portal, dispatcher):
    run(ActionAskBindingCode(), dispatcher, make_tracker(slots={"binding_id": "b1"}))
    assert not portal.calls and "验证码" in texts(dispatcher)


def test_an_identity_the_portal_does_not_know_is_answered_alike_and_never_opens(portal, dispatcher):
    tracker = make_tracker(slots={"binding_name": "马志刚", "binding_id_number": PERSON_ID})
    slots = run(ActionAskBindingCode(), dispatcher, tracker)
    assert "如果您填写的信息与登记信息一致" in texts(dispatcher) and "6位验证码" in texts(dispatcher)
    assert portal.codes[slots["binding_id"]] is None, "no code was sent"


def test_no_code_received_starts_again_from_the_name(portal, dispatcher):
    slots = run(ValidateIdentityForm(), dispatcher, form_turn("binding_code", "一直没收到验证码啊"))
    assert slots["requested_slot"] == "binding_name" and slots["binding_id"] is None
    assert slots["binding_name"] is None and slots["binding_id_number"] is None
    assert "信息与平台登记的不一致" in texts(dispatcher) and "姓名" in texts(dispatcher)
    assert not portal.calls


def test_a_portal_outage_while_sending_the_code_keeps_what_was_typed(portal, dispatcher):
    portal.down = True
    tracker = make_tracker(
        slots={"binding_name": PERSON_NAME, "binding_id_number": PERSON_ID, "identity_purpose": "check_status"}
    )
    slots = run(ActionAskBindingCode(), dispatcher, tracker)
    assert slots == {"requested_slot": None}
    assert "系统繁忙" in texts(dispatcher) and "保存" in texts(dispatcher) and "查询进度" in texts(dispatcher)


def _started_binding(portal, dispatcher) -> str:
    tracker = make_tracker(slots={"binding_name": PERSON_NAME, "binding_id_number": PERSON_ID})
    binding_id = run(ActionAskBindingCode(), dispatcher, tracker)["binding_id"]
    dispatcher.messages.clear()
    return binding_id


def test_a_wrong_code_is_asked_again_and_the_right_one_binds(portal, dispatcher, tmp_db_url):
    binding_id = _started_binding(portal, dispatcher)
    slots = run(ValidateIdentityForm(), dispatcher, form_turn("binding_code", "111111", {"binding_id": binding_id}))
    assert slots == {"binding_code": None} and "验证码不正确" in texts(dispatcher)
    dispatcher.messages.clear()
    slots = run(
        ValidateIdentityForm(), dispatcher, form_turn("binding_code", "验证码123456", {"binding_id": binding_id})
    )
    assert slots == {"binding_code": VERIFIED}
    stored = IdentityStore(tmp_db_url).current(SENDER)
    assert stored.display_name_masked == "马**" and stored.token in portal.tokens


def test_an_unknown_binding_sends_a_fresh_code(portal, dispatcher):
    slots = run(ValidateIdentityForm(), dispatcher, form_turn("binding_code", "123456", {"binding_id": "gone"}))
    assert slots == {"binding_code": None, "binding_id": None}
    assert "重新给您发" in texts(dispatcher)


def test_after_binding_the_first_question_is_answered(portal, dispatcher, tmp_db_url, bound):
    portal.applications[OVERDUE] = application(OVERDUE, overdue=True)
    tracker = make_tracker(
        slots={
            "identity_purpose": "check_status",
            "binding_consent": True,
            "binding_name": PERSON_NAME,
            "binding_id_number": PERSON_ID,
            "binding_code": VERIFIED,
            "application_no": OVERDUE,
        }
    )
    slots = run(ActionContinueAfterBinding(), dispatcher, tracker)
    assert "身份核验成功，马**" in texts(dispatcher) and OVERDUE in texts(dispatcher)
    for slot in (
        "binding_consent",
        "binding_name",
        "binding_id_number",
        "binding_code",
        "binding_id",
        "identity_purpose",
        "application_no",
    ):
        assert slots[slot] is None, slot
    assert slots["needs_identity"] is False


def test_after_a_refusal_nothing_typed_is_kept(portal, dispatcher):
    slots = run(ActionContinueAfterBinding(), dispatcher, make_tracker(slots={"binding_consent": False}))
    assert dispatcher.messages == []
    assert slots["binding_consent"] is None and slots["binding_name"] is None and slots["needs_identity"] is False


def test_after_an_outage_what_was_typed_is_kept_for_the_next_try(portal, dispatcher):
    tracker = make_tracker(slots={"binding_consent": True, "binding_name": PERSON_NAME, "binding_id_number": PERSON_ID})
    slots = run(ActionContinueAfterBinding(), dispatcher, tracker)
    assert "binding_name" not in slots and "binding_id_number" not in slots and "binding_consent" not in slots
    assert slots["needs_identity"] is False


def test_resuming_an_interrupted_binding_says_so(portal, dispatcher):
    slots = run(
        ActionCheckStatus(), dispatcher, make_tracker("check_status", "查进度", slots={"binding_consent": True})
    )
    assert slots["needs_identity"] is True and "接着" in texts(dispatcher)


def test_cancelling_clears_the_form(dispatcher):
    slots = run(ActionCancelBinding(), dispatcher, make_tracker("deny", "不查了"))
    assert slots["binding_name"] is None and slots["needs_identity"] is False
    assert "已停止" in texts(dispatcher)


# ---- status ------------------------------------------------------------------------------------


def test_status_by_number_per_department_with_what_to_do_and_urge_for_overdue(portal, dispatcher, bound):
    portal.applications[OVERDUE] = application(
        OVERDUE,
        overdue=True,
        next_step="已超过承诺办结日期（2026年10月20日），您可以催办，或拨打12345反映。",
        subtasks=[
            subtask("基本养老保险待遇核定", "人社局", "completed", lead=True),
            subtask("住房公积金提取", "住房公积金管理中心", "reviewing", note="资金核算中"),
        ],
    )
    slots = run(
        ActionCheckStatus(), dispatcher, make_tracker("check_status", "查进度", slots={"application_no": OVERDUE})
    )
    text = texts(dispatcher)
    assert "人社局（牵头）｜基本养老保险待遇核定：已办好" in text
    assert "住房公积金管理中心｜住房公积金提取：正在审核（资金核算中）" in text
    assert "承诺2026年10月20日前办结，现已超过承诺时间" in text and "现在需要您做的：已超过" in text
    assert [b["payload"] for b in buttons(dispatcher)] == [
        f'/urge_application{{"application_no":"{OVERDUE}"}}',
        "/request_human",
    ]
    assert slots == {"application_no": None, "needs_identity": False}


def test_correction_says_which_materials(portal, dispatcher, bound):
    portal.applications[OTHER] = application(
        OTHER,
        status="correction",
        next_step="民政局需要您补充：近期2寸白底彩色免冠照片。补齐后办理会继续进行。",
        subtasks=[subtask("残疾人证换领", "民政局", "correction", missing=("近期2寸白底彩色免冠照片",))],
    )
    run(ActionCheckStatus(), dispatcher, make_tracker("check_status", "查进度"))
    assert "需要您补充材料：近期2寸白底彩色免冠照片" in texts(dispatcher)
    assert buttons(dispatcher) == []


def test_my_applications_are_offered_as_buttons(portal, dispatcher, bound):
    portal.applications[OVERDUE] = application(OVERDUE, overdue=True)
    portal.applications[OTHER] = application(OTHER, title="残疾人服务“一件事”", status="correction")
    slots = run(ActionCheckStatus(), dispatcher, make_tracker("check_status", "我的办件"))
    payloads = [b["payload"] for b in buttons(dispatcher)]
    assert payloads == [f'/check_status{{"application_no":"{n}"}}' for n in (OVERDUE, OTHER)]
    assert "已超期" in buttons(dispatcher)[0]["title"]
    assert slots == {"needs_identity": False}


def test_no_applications(portal, dispatcher, bound):
    run(ActionCheckStatus(), dispatcher, make_tracker("check_status", "我的办件"))
    assert "暂时没有办件" in texts(dispatcher)


def test_someone_elses_number_is_simply_not_found(portal, dispatcher, bound):
    slots = run(ActionCheckStatus(), dispatcher, make_tracker("check_status", "查", slots={"application_no": OTHER}))
    assert f"没有找到编号为 {OTHER}" in texts(dispatcher) and "本人" in texts(dispatcher)
    assert slots["application_no"] is None


def test_portal_down_gives_the_polite_message_and_keeps_the_number(portal, dispatcher, bound):
    portal.down = True
    slots = run(ActionCheckStatus(), dispatcher, make_tracker("check_status", "查", slots={"application_no": OVERDUE}))
    text = texts(dispatcher)
    assert "系统繁忙" in text and OVERDUE in text and "记下" in text and "12345" in text
    assert "application_no" not in slots and slots["needs_identity"] is False


def test_an_expired_token_asks_for_identity_again(portal, dispatcher, bound, tmp_db_url):
    portal.tokens.clear()
    slots = run(ActionCheckStatus(), dispatcher, make_tracker("check_status", "查"))
    assert slots == {"needs_identity": True, "identity_purpose": "check_status", **CITIZEN_BINDING}
    assert "过期" in texts(dispatcher)
    assert IdentityStore(tmp_db_url).current(SENDER) is None


# ---- 催办 and unbinding ------------------------------------------------------------------------


def test_urging_an_overdue_application(portal, dispatcher, bound):
    portal.applications[OVERDUE] = application(OVERDUE, overdue=True)
    slots = run(
        ActionUrgeApplication(), dispatcher, make_tracker("urge_application", "催办", slots={"application_no": OVERDUE})
    )
    assert portal.urged == [OVERDUE] and "已为您催办" in texts(dispatcher)
    assert slots == {"application_no": None, "needs_identity": False}


def test_urging_without_a_number_picks_the_one_overdue_application(portal, dispatcher, bound):
    portal.applications[OVERDUE] = application(OVERDUE, overdue=True)
    portal.applications[OTHER] = application(OTHER)
    run(ActionUrgeApplication(), dispatcher, make_tracker("urge_application", "帮我催一下"))
    assert portal.urged == [OVERDUE]


def test_nothing_overdue_nothing_to_urge(portal, dispatcher, bound):
    portal.applications[OTHER] = application(OTHER)
    run(ActionUrgeApplication(), dispatcher, make_tracker("urge_application", "帮我催一下"))
    assert portal.urged == [] and "不需要催办" in texts(dispatcher)


def test_urging_in_time_gets_the_portals_explanation(portal, dispatcher, bound):
    portal.applications[OTHER] = application(OTHER)
    run(ActionUrgeApplication(), dispatcher, make_tracker("urge_application", "催", slots={"application_no": OTHER}))
    assert "耐心等待" in texts(dispatcher)


def test_urging_unbound_binds_first_for_that_purpose(portal, dispatcher):
    slots = run(ActionUrgeApplication(), dispatcher, make_tracker("urge_application", "催办"))
    assert slots == {"needs_identity": True, "identity_purpose": "urge_application", **CITIZEN_BINDING}


def test_unbinding_revokes_the_token_and_forgets_it(portal, dispatcher, bound, tmp_db_url):
    run(ActionUnbindIdentity(), dispatcher, make_tracker("unbind_identity", "解除绑定"))
    assert bound not in portal.tokens and IdentityStore(tmp_db_url).current(SENDER) is None
    assert "已解除绑定" in texts(dispatcher)
    dispatcher.messages.clear()
    run(ActionUnbindIdentity(), dispatcher, make_tracker("unbind_identity", "解除绑定"))
    assert "没有绑定" in texts(dispatcher)


def test_a_citizen_binding_skips_the_credit_code_even_when_the_form_validates_it(dispatcher):
    slots = run(ValidateIdentityForm(), dispatcher, form_turn("binding_uscc", "-"))
    assert slots.get("binding_uscc") == "-" and not dispatcher.messages


def test_urging_long_after_verifying_verifies_again_first(portal, dispatcher, bound, monkeypatch):
    portal.applications[OVERDUE] = application(OVERDUE, overdue=True)
    monkeypatch.setattr(portal_services, "settings", replace(portal_services.settings, fresh_login_minutes=0))
    slots = run(ActionUrgeApplication(), dispatcher, make_tracker("urge_application", "帮我催一下"))
    assert portal.urged == [] and slots["needs_identity"] is True
    assert "重新核验身份" in texts(dispatcher) and bound not in portal.tokens, "the old login is revoked"

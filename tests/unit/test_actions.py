"""The actions with tracker fixtures, as the Rasa reference assistants test theirs."""

import asyncio

import pytest

from actions.fallback import ActionDefaultFallback, clarification
from actions.handoff import ActionHandoffToHuman, ActionOfferHelp
from actions.menu import ActionShowMenu
from actions.services import ActionConfirmService
from bot.catalogue import SERVICE_CODES
from bot.handoff import open_requests
from tests.support.trackers import make_tracker


def run(action, dispatcher, tracker):
    return asyncio.run(action.run(dispatcher, tracker, {}))


def test_greeting_shows_the_menu_grouped_personal_and_enterprise(dispatcher):
    run(ActionShowMenu(), dispatcher, make_tracker("greet", "你好"))
    texts = [m["text"] for m in dispatcher.messages]
    assert "您好" in texts[0]
    personal, enterprise = dispatcher.messages[1], dispatcher.messages[2]
    assert personal["text"] == "【个人办事】" and enterprise["text"] == "【企业办事】"
    payloads = [b["payload"] for m in (personal, enterprise) for b in m["buttons"]]
    assert payloads == [f"/need_{code}" for code in SERVICE_CODES]
    assert len(personal["buttons"]) == 5 and len(enterprise["buttons"]) == 8


@pytest.mark.parametrize("code", SERVICE_CODES)
def test_every_item_is_confirmed_with_its_services_and_lead_department(dispatcher, code):
    events = run(ActionConfirmService(), dispatcher, make_tracker(f"need_{code}", "…"))
    assert events == [{"event": "slot", "timestamp": None, "name": "service_item", "value": code}]
    text = dispatcher.messages[0]["text"]
    from bot.catalogue import get_item

    item = get_item(code)
    assert item.title in text and item.lead_department in text
    assert all(service in text for service in item.integrated_services)
    assert "在线申请" in text
    start = dispatcher.messages[0]["buttons"][0]
    assert start["payload"].startswith("/start_application")
    if "调取" in start["title"]:  # the consent the button carries names the data it covers
        assert "调取您的" in text


def test_a_lost_card_is_offered_挂失_before_the_new_card(dispatcher):
    run(ActionConfirmService(), dispatcher, make_tracker("need_social_security_card", "社保卡丢了，要补一张"))
    first, then = dispatcher.messages[0], dispatcher.messages[1]
    assert "先挂失" in first["text"] and [b["payload"] for b in first["buttons"]] == [
        '/report_card_lost{"loss_kind":"temporary"}',
        '/report_card_lost{"loss_kind":"formal"}',
    ]
    assert then["buttons"][0]["payload"].startswith("/start_application"), "补领 comes after"


def test_a_card_needed_for_the_first_time_is_not_offered_挂失(dispatcher):
    run(ActionConfirmService(), dispatcher, make_tracker("need_social_security_card", "我刚工作，想办一张社保卡"))
    payloads = [b["payload"] for m in dispatcher.messages for b in m.get("buttons") or []]
    assert (
        not any(p.startswith("/report_card_lost") for p in payloads) and "先挂失" not in dispatcher.messages[0]["text"]
    )


def test_confirmation_uses_the_slot_when_the_intent_is_not_a_service(dispatcher):
    events = run(ActionConfirmService(), dispatcher, make_tracker("affirm", "对", slots={"service_item": "retirement"}))
    assert events[0]["value"] == "retirement"


def test_confirmation_without_any_item_offers_the_menu(dispatcher):
    assert run(ActionConfirmService(), dispatcher, make_tracker("affirm", "对")) == []
    assert any(m.get("buttons") for m in dispatcher.messages)


def test_clarification_offers_the_top_candidates_as_buttons():
    ranking = [
        ("nlu_fallback", 0.5),
        ("need_newborn", 0.41),
        ("greet", 0.3),
        ("need_disability", 0.2),
        ("check_status", 0.1),
        ("need_retirement", 0.05),
    ]
    reply = clarification([{"name": name, "confidence": value} for name, value in ranking])
    assert "您是想" in reply.text
    payloads = [b.payload for b in reply.buttons]
    assert payloads == ["/need_newborn", "/need_disability", "/check_status", "/out_of_scope"]
    assert "新生儿出生一件事" in reply.buttons[0].title


def test_clarification_never_offers_a_button_that_would_lose_the_question():
    """A "咨询办事政策问题" button sent the literal `/ask_question`: the words typed were lost."""
    reply = clarification([{"name": "ask_question", "confidence": 0.4}, {"name": "need_retirement", "confidence": 0.3}])
    assert [b.payload for b in reply.buttons] == ["/need_retirement", "/out_of_scope"]


def test_clarification_without_useful_candidates_still_offers_a_way_on():
    payloads = [b.payload for b in clarification([{"name": "nlu_fallback", "confidence": 1.0}]).buttons]
    assert "/request_human" in payloads and "/out_of_scope" in payloads


def test_giving_up_names_the_hotline_of_the_settings_and_forgets_the_turn(dispatcher):
    from bot.settings import settings

    events = run(ActionDefaultFallback(), dispatcher, make_tracker("nlu_fallback", "???"))
    assert settings.hotline in dispatcher.messages[0]["text"]
    assert [b["payload"] for b in dispatcher.messages[0]["buttons"]] == ["/greet", "/request_human"]
    assert events == [{"event": "rewind", "timestamp": None}]


def test_handoff_records_the_request_masked(dispatcher, tmp_db_url, monkeypatch):
    import actions.handoff as handoff_module
    from bot import handoff

    monkeypatch.setattr(handoff_module, "record_handoff", lambda **kw: handoff.record_handoff(db_url=tmp_db_url, **kw))
    events = [
        {"event": "user", "text": "我叫王小明，身份证110101199003071234，电话13812345678"},
        {"event": "bot", "text": "收到"},
        {"event": "user", "text": "转人工"},
    ]
    tracker = make_tracker("request_human", "转人工", events=events, slots={"service_item": "newborn"})
    run(ActionHandoffToHuman(), dispatcher, tracker)
    text = dispatcher.messages[0]["text"]
    assert "12345" in text and "RG" in text
    [request] = open_requests(tmp_db_url)
    assert request.sender_id == "unit-test-user" and request.service_item == "newborn"
    stored = " ".join(line["text"] for line in request.transcript)
    for secret in ("王小明", "110101199003071234", "13812345678"):
        assert secret not in stored
    assert request.ticket in text


def test_handoff_failure_still_gives_the_hotline(dispatcher, monkeypatch):
    import actions.handoff as handoff_module

    def broken(**_kw):
        raise RuntimeError("database down")

    monkeypatch.setattr(handoff_module, "record_handoff", broken)
    run(ActionHandoffToHuman(), dispatcher, make_tracker("request_human", "人工"))
    assert "12345" in dispatcher.messages[0]["text"]


@pytest.mark.parametrize(
    "intent, text, reason, said",
    [
        ("distress", "活着真没意思", "distress", ("12356", "110", "120", "A01")),
        ("request_human", "转人工", "user_request", ("已为您转人工服务", "您是下一位")),
    ],
)
def test_a_handoff_says_what_its_reason_needs_and_records_the_reason(
    dispatcher, tmp_db_url, monkeypatch, intent, text, reason, said
):
    import actions.handoff as handoff_module
    from bot import handoff
    from bot.service_hours import ServiceHours

    monkeypatch.setattr(handoff_module, "record_handoff", lambda **kw: handoff.record_handoff(db_url=tmp_db_url, **kw))
    monkeypatch.setattr(handoff_module, "service_hours", lambda: ServiceHours.parse("每天 0:00—24:00"))
    run(ActionHandoffToHuman(), dispatcher, make_tracker(intent, text))
    reply = dispatcher.messages[0]["text"]
    assert all(part in reply for part in said), reply
    [request] = open_requests(tmp_db_url)
    assert request.reason == reason and request.ticket in reply


@pytest.mark.parametrize("hours, paused", [("每天 0:00—24:00", True), ("每天 0:00—0:00", False)])
def test_a_request_waits_silently_in_hours_and_hears_when_out_of_them(
    dispatcher, tmp_db_url, monkeypatch, hours, paused
):
    import actions.handoff as handoff_module
    from bot import handoff
    from bot.service_hours import ServiceHours

    monkeypatch.setattr(handoff_module, "record_handoff", lambda **kw: handoff.record_handoff(db_url=tmp_db_url, **kw))
    monkeypatch.setattr(handoff_module, "service_hours", lambda: ServiceHours.parse(hours))
    events = run(ActionHandoffToHuman(), dispatcher, make_tracker("request_human", "转人工"))
    reply = dispatcher.messages[0]["text"]
    assert any(e.get("event") == "pause" for e in events) is paused
    assert ("您是下一位" in reply) is paused and ("最早会在" in reply) is not paused, reply


def test_distress_hears_the_crisis_lines_even_when_the_handoff_fails(dispatcher, monkeypatch):
    import actions.handoff as handoff_module

    def broken(**_kw):
        raise RuntimeError("database down")

    monkeypatch.setattr(handoff_module, "record_handoff", broken)
    run(ActionHandoffToHuman(), dispatcher, make_tracker("distress", "我不想活下去了"))
    assert "12356" in dispatcher.messages[0]["text"] and "110" in dispatcher.messages[0]["text"]


def test_someone_who_cannot_cope_gets_the_simplest_paths(dispatcher):
    run(ActionOfferHelp(), dispatcher, make_tracker("ask_for_help", "我不太会打字"))
    reply = dispatcher.messages[0]
    for part in ("12345", "A05", "A06", "亲情代办", "长辈版"):
        assert part in reply["text"]
    assert [b["payload"] for b in reply["buttons"]] == ["/request_human", "/greet"]


def _offered(text: str, buttons: list[tuple[str, str]]) -> list[dict]:
    return [
        {"event": "user", "text": "想开个小饭馆"},
        {
            "event": "bot",
            "text": "好的，您要办的是…",
            "data": {"buttons": [{"title": t, "payload": p} for t, p in buttons]},
        },
        {"event": "action", "name": "action_listen"},
        {"event": "user", "text": text},
    ]


CONSENT_START = ("同意调取，开始办理", '/start_application{"prefill_consent":"yes"}')


@pytest.mark.parametrize("typed", ["同意", "同意调取，开始办理", "好的", "开始办理吧"])
def test_a_typed_reply_to_the_start_button_starts_the_application(dispatcher, typed):
    from actions.unclear import ActionReplyInContext

    tracker = make_tracker("affirm", typed, events=_offered(typed, [CONSENT_START, ("转人工服务", "/request_human")]))
    events = run(ActionReplyInContext(), dispatcher, tracker)
    assert events == [{"event": "followup", "timestamp": None, "name": "action_start_application"}]
    from actions.application import _typed_consent

    assert _typed_consent(tracker) == (typed in ("同意", "同意调取，开始办理", "好的", "开始办理吧"))


def test_a_yes_without_a_start_button_on_screen_is_only_a_yes():
    from actions.common import typed_button

    tracker = make_tracker("affirm", "好的", events=_offered("好的", [("转人工服务", "/request_human")]))
    assert typed_button(tracker) is None
    old = _offered("先看看", [CONSENT_START])[:3] + [
        {"event": "user", "text": "先看看"},
        {"event": "user", "text": "同意"},
    ]
    assert typed_button(make_tracker("affirm", "同意", events=old)) is None, "only the buttons just shown count"


def test_why_is_my_application_not_done_checks_the_status_not_a_new_application(dispatcher):
    events = run(ActionConfirmService(), dispatcher, make_tracker("need_retirement", "我退休的手续咋还没办好"))
    assert events == [{"event": "followup", "timestamp": None, "name": "action_check_status"}]
    assert dispatcher.messages == []

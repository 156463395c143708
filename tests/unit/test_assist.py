"""Agent assist's rules without a process: the call's own namespace and limits, the link's
signature, lifetime and single use, what a caller's words come to, and each step for the caller
— refused before the identity check, taken after it — against the in-memory portal."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime, timedelta, timezone

import httpx
import pytest

from bot.assist import calls, flow, links, understanding, words
from bot.assist.calls import Call, CallBook, Caller
from bot.identity import web_session
from bot.settings import settings
from tests.support.fake_portal import PERSON_ID, PERSON_NAME, FakePortal, application

KEY = "unit-test-key-of-a-proper-length-0123456789"
DRAFT = "BS20261101000042"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class DraftingPortal(FakePortal):
    """The in-memory portal with what a draft needs: consents, creating one, texting its link."""

    def __init__(self) -> None:
        super().__init__()
        self.consents: list[dict] = []
        self.texted: list[tuple[str, str]] = []

    def handler(self, request: httpx.Request) -> httpx.Response:
        token = request.headers.get("authorization", "").removeprefix("Bearer ")
        path, method = request.url.path, request.method
        if token not in self.tokens or path.startswith("/identity/"):
            return super().handler(request)
        self.calls[f"{method} {path}"] += 1
        body = json.loads(request.content or b"{}")
        if path == "/me/consents" and method == "GET":
            return httpx.Response(200, json={"items": self.consents})
        if path == "/me/consents":
            consent = {"id": len(self.consents) + 1, "purpose": body["purpose"], "fields": body["fields"]}
            self.consents.append(consent | {"withdrawn_at": None})
            return httpx.Response(201, json=consent | {"withdrawn_at": None})
        if path == "/applications" and method == "POST":
            draft = application(DRAFT, title="新生儿出生一件事", status="draft") | {
                "service_code": body["service_code"],
                "fields": {"applicant_name": PERSON_NAME, "applicant_id_number": PERSON_ID},
                "prefilled_fields": ["applicant_name", "applicant_id_number"],
                "missing_fields": ["hukou_with", "delivery"],
                "checklist": [
                    {"name": "出生医学证明信息确认表", "status": "sign", "deferrable": False, "note": "", "files": []},
                    {"name": "父母双方身份证", "status": "shared", "deferrable": False, "note": "", "files": []},
                ],
            }
            self.applications[DRAFT] = draft
            return httpx.Response(201, json=draft)
        if path.endswith("/continue-link"):
            self.texted.append((path.split("/")[2], body["link"]))
            return httpx.Response(201, json={"phone_masked": "138****0002", "message": "短信已发送"})
        return super().handler(request)


@pytest.fixture
def portal() -> DraftingPortal:
    return DraftingPortal()


@pytest.fixture
def call() -> Call:
    return CallBook().open("agent.li")[0]


def run(coroutine):
    return asyncio.run(coroutine)


def verified(call: Call, portal: DraftingPortal) -> Caller:
    run(flow.start_check(call, PERSON_NAME, PERSON_ID, connect=portal.client))
    return run(flow.check_code(call, "验证码是123456", connect=portal.client))


# ---- calls ---------------------------------------------------------------------------------


def test_a_call_has_its_own_namespace_and_is_seen_by_its_agent_only():
    book = CallBook()
    call, ended = book.open("agent.li")
    assert ended == [] and call.sender_id.startswith("assist:agent.li:")
    assert book.open("agent.li")[0].sender_id != call.sender_id, "each call is a conversation of its own"
    assert book.get(call.id, "agent.li") is call
    assert book.get(call.id, "agent.wang") is None


def test_an_idle_call_ends_and_an_agent_holds_only_a_few():
    clock = Clock()
    book = CallBook(idle=60, per_agent=2, clock=clock)
    first, _ = book.open("agent.li")
    clock.now += 61
    assert book.get(first.id, "agent.li") is None
    second, ended = book.open("agent.li")
    assert first in ended, "an idle call ends (its token is then revoked)"
    third, _ = book.open("agent.li")
    fourth, ended = book.open("agent.li")
    assert ended == [second] and book.get(third.id, "agent.li") is third and book.get(fourth.id, "agent.li")


# ---- links ---------------------------------------------------------------------------------


def test_a_link_names_the_item_only_and_is_read_with_the_key_alone():
    link = links.issue(KEY, "newborn", hours=1)
    assert links.read(KEY, link.token) == link
    assert links.read(KEY[::-1], link.token) is None
    assert links.url("http://127.0.0.1:8002/", link) == f"http://127.0.0.1:8002/chat/continue#{link.token}"
    claims = json.loads(_b64(link.token.split(".")[1]))
    assert set(claims) == {"aud", "jti", "item", "iat", "exp"}, "no name, number or application in it"
    with pytest.raises(ValueError):
        links.issue(KEY, "not-an-item")


def test_an_expired_link_or_a_chat_session_is_not_a_link_and_a_link_is_not_a_session():
    past = datetime.now(timezone.utc) - timedelta(hours=3)
    assert links.read(KEY, links.issue(KEY, "newborn", hours=1, now=past).token) is None
    session = web_session.issue(KEY)
    assert links.read(KEY, session.token) is None
    assert web_session.verify(KEY, links.issue(KEY, "newborn").token) is None
    for junk in (None, "", "x" * 5000, 42):
        assert links.read(KEY, junk) is None


def test_a_link_always_opens_the_same_unguessable_conversation_which_records_its_use():
    link = links.issue(KEY, "newborn")
    subject = links.subject_for(KEY, link.link_id)
    assert subject == links.subject_for(KEY, link.link_id) and subject.startswith(web_session.SUBJECT_PREFIX)
    assert subject != links.subject_for(KEY, links.issue(KEY, "newborn").link_id)
    assert subject != links.subject_for(KEY[::-1], link.link_id)
    session = web_session.issue(KEY, subject=subject)
    assert web_session.verify(KEY, session.token) == subject, "the widget's channel takes it as any session"
    fresh = {"events": [{"event": "action", "name": "action_session_start"}, {"event": "session_started"}]}
    assert not links.opened(fresh)
    events = links.opening_events("newborn", "您好", words.CONTINUE_BUTTON)
    assert links.opened({"events": fresh["events"] + events})
    assert [e["event"] for e in events[:2]] == ["action", "session_started"], "a session of its own"
    assert {"event": "slot", "name": "service_item", "value": "newborn"} in events


def _b64(part: str) -> bytes:
    import base64

    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


# ---- what the caller says ------------------------------------------------------------------


def _parse(*ranking: tuple[str, float]) -> dict:
    entries = [{"name": name, "confidence": confidence} for name, confidence in ranking]
    return {"intent": entries[0], "intent_ranking": entries}


def test_the_need_is_read_from_the_ranking_as_the_chat_reads_it():
    found = understanding.recognise(_parse(("need_newborn", 0.93)), "我老婆刚生了孩子")
    assert found.item.code == "newborn" and not found.from_context and found.confidence == 0.93
    second = understanding.recognise(_parse(("ask_question", 0.6), ("need_retirement", 0.3)), "退休要带啥")
    assert second.item.code == "retirement"
    weak = understanding.recognise(_parse(("ask_question", 0.9), ("need_retirement", 0.05)), "要带什么材料")
    assert weak.item is None and not weak.from_context
    followed = understanding.recognise(_parse(("ask_question", 0.9)), "要带什么材料", context="newborn")
    assert followed.item.code == "newborn" and followed.from_context
    assert followed.as_json()["item"]["title"] == "新生儿出生一件事"


def test_a_need_outside_the_13_says_where_it_is_done():
    found = understanding.recognise(_parse(("need_restaurant", 0.5)), "我想开个服装店")
    assert found.item is None and "不在我能帮您办理的13个" in found.elsewhere


def test_the_checklist_and_the_consent_words_come_from_the_items_form():
    rows = understanding.checklist("newborn")
    names = [row["name"] for row in rows]
    assert "出生医学证明" in names and "授权委托书" not in names, "only what an online application needs"
    assert all(row["how"] for row in rows)
    assert any(row["when"] for row in understanding.checklist("deregistration")), "conditional materials say when"
    assert "姓名" in understanding.consent_to_read("newborn", "citizen")


# ---- the identity check --------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, id_number, problem",
    [("", PERSON_ID, words.BAD_NAME), (PERSON_NAME, "990103196603020775", words.BAD_ID_NUMBER)],
)
def test_a_bad_name_or_id_number_is_refused_before_the_portal_is_asked(portal, call, name, id_number, problem):
    with pytest.raises(flow.Refused, match=problem[:6]):
        run(flow.start_check(call, name, id_number, connect=portal.client))
    assert sum(portal.calls.values()) == 0 and call.checks == 0


def test_the_caller_is_verified_by_the_code_and_shown_masked_only(portal, call):
    said = run(flow.start_check(call, PERSON_NAME, PERSON_ID, connect=portal.client))
    assert "验证码已发到来电人在政府登记的手机上" in said and call.checks == 1
    assert portal.calls["POST /identity/bindings"] == 1
    with pytest.raises(flow.Refused) as wrong:
        run(flow.check_code(call, "654321", connect=portal.client))
    assert wrong.value.code == "code_invalid" and "还可再输错4次" in wrong.value.message
    caller = run(flow.check_code(call, "123456", connect=portal.client))
    assert caller.name_masked == "马**" and caller.id_masked == "990103********0774"
    assert PERSON_ID not in json.dumps(call.as_json(), ensure_ascii=False)
    assert PERSON_NAME not in json.dumps(call.as_json(), ensure_ascii=False)


def test_checks_and_wrong_codes_are_limited_per_call(portal, call):
    for _ in range(calls.MAX_CHECKS):
        run(flow.start_check(call, PERSON_NAME, PERSON_ID, connect=portal.client))
    with pytest.raises(flow.Refused) as refused:
        run(flow.start_check(call, PERSON_NAME, PERSON_ID, connect=portal.client))
    assert refused.value.status == 429 and "不能再发" in refused.value.message
    other = CallBook().open("agent.li")[0]
    run(flow.start_check(other, PERSON_NAME, PERSON_ID, connect=portal.client))
    for _ in range(calls.MAX_WRONG_CODES - 1):
        with pytest.raises(flow.Refused):
            run(flow.check_code(other, "000000", connect=portal.client))
    with pytest.raises(flow.Refused) as last:
        run(flow.check_code(other, "000000", connect=portal.client))
    assert last.value.code == "too_many_wrong_codes" and other.binding_id is None


def test_a_code_is_asked_for_only_after_one_was_sent(portal, call):
    with pytest.raises(flow.Refused, match="请先发送验证码"):
        run(flow.check_code(call, "123456", connect=portal.client))


# ---- the draft and the link ----------------------------------------------------------------


def test_nothing_is_done_for_a_caller_before_the_check_or_without_consent(portal, call):
    with pytest.raises(flow.Refused, match="请先完成来电人的身份核验"):
        run(flow.start_draft(call, "newborn", True, connect=portal.client))
    with pytest.raises(flow.Refused, match="请先完成来电人的身份核验"):
        flow.ready_to_link(call)
    verified(call, portal)
    with pytest.raises(flow.Refused, match="征得同意"):
        run(flow.start_draft(call, "newborn", False, connect=portal.client))
    with pytest.raises(flow.Refused, match="企业"):
        run(flow.start_draft(call, "deregistration", True, connect=portal.client))
    with pytest.raises(flow.Refused, match="请先为来电人创建草稿"):
        flow.ready_to_link(call)
    assert portal.calls["POST /applications"] == 0


def test_a_verified_caller_gets_a_prefilled_draft_and_the_link_by_sms(portal, call):
    verified(call, portal)
    draft = run(flow.start_draft(call, "newborn", True, connect=portal.client))
    assert draft.number == DRAFT and not draft.resumed
    assert len(draft.prefilled) == 2 and len(draft.missing) == 2
    how = {row["name"]: row["how"] for row in draft.checklist}
    assert how["父母双方身份证"].startswith("免提交") and how["出生医学证明信息确认表"].startswith("待签署")
    assert portal.consents and portal.consents[0]["purpose"] == "newborn", "consent is recorded before pre-fill"
    again = run(flow.start_draft(call, "newborn", True, connect=portal.client))
    assert again.number == DRAFT and again.resumed, "an unfinished draft is continued, never doubled"
    assert portal.calls["POST /applications"] == 1
    phone = run(flow.send_sms_link(call, "http://localhost:8002/chat/continue#t", connect=portal.client))
    assert phone == "138****0002" and portal.texted == [(DRAFT, "http://localhost:8002/chat/continue#t")]
    for _ in range(calls.MAX_LINKS - 1):
        run(flow.send_sms_link(call, "http://localhost:8002/chat/continue#t", connect=portal.client))
    with pytest.raises(flow.Refused, match="不能再发"):
        flow.ready_to_link(call)


def test_an_old_check_must_be_done_again_before_acting(portal, call):
    caller = verified(call, portal)
    late = timedelta(minutes=settings.fresh_login_minutes + 1)
    call.caller = Caller(**{**caller.__dict__, "verified_at": caller.verified_at - late})
    with pytest.raises(flow.Refused, match="重新核验"):
        run(flow.start_draft(call, "newborn", True, connect=portal.client))


def test_ending_the_call_revokes_the_callers_token(portal, call):
    caller = verified(call, portal)
    run(flow.end(call, connect=portal.client))
    assert call.caller is None and caller.token not in portal.tokens

"""The handoff inbox of the staff web app (/staff/api/handoffs…), for agents and supervisors.

    GET   /staff/api/handoffs              the queue: open and claimed requests, oldest first
    GET   /staff/api/handoffs/<id>         one request with the conversation (masked), its
                                           filled slots and the NLU's ranking of the last message
    GET   /staff/api/handoffs/<id>/suggestions  the knowledge base's answers (with their source)
                                           to the citizen's last question, and the canned replies
    POST  /staff/api/handoffs/<id>/claim   take it: the bot is paused, the citizen told who joined
    POST  /staff/api/handoffs/<id>/reply   {"text"}: said on the citizen's own channel, in the tracker
    POST  /staff/api/handoffs/<id>/close   {"outcome": "resolved" | "returned" | "no_reply"}: the
                                           bot takes over again and says so, and offers the
                                           citizen to rate the agent's help (好差评)

Only the agent who claimed a request (or a supervisor) writes in it. Every act is audited.
"""

from __future__ import annotations

import asyncio
import time
from datetime import datetime, timezone
from pathlib import Path

import httpx
import yaml
from sanic import Blueprint, Request
from sanic.response import HTTPResponse

from bot import handoff
from bot.catalogue import load_catalogue
from bot.db import as_utc
from bot.knowledge.answering import answer_reply
from bot.knowledge.retriever import get_retriever
from bot.privacy import mask_identifier, mask_text
from bot.rasa_api import RasaAPI
from bot.staff.audit import AuditLog
from bot.staff.sessions import StaffSession
from bot.wording import said
from bot.words import AGENT_JOINED, BACK_TO_BOT
from channels.wechat.state import CS_MESSAGES_PER_WINDOW, CS_WINDOW_SECONDS
from console.answers import loaded_by, private_json, refusal

CHANNELS = {"socketio": "网页", "wechat": "微信公众号", "miniprogram": "微信小程序", "rest": "接口"}
STATUSES = {"open": "待接入", "claimed": "处理中", "closed": "已结束"}
MAX_REPLY = 1000
CANNED_REPLIES = Path(__file__).resolve().parent / "canned_replies.yml"
SUGGESTIONS = 3
INTERNAL_SLOTS = {"agent_message", "session_started_metadata", "requested_slot", "application_active"}


def _summary(request: handoff.HandoffRequest, now: datetime) -> dict:
    created = as_utc(request.created_at)
    item = load_catalogue().get(request.service_item or "")
    return {
        "id": request.id,
        "ticket": request.ticket,
        "channel": CHANNELS.get(request.channel, request.channel),
        "citizen": mask_identifier(request.sender_id),
        "service": item.title if item else None,
        "reason": handoff.REASONS.get(request.reason, request.reason),
        "status": request.status,
        "status_name": STATUSES.get(request.status, request.status),
        "claimed_by": request.claimed_by,
        "created_at": created.isoformat(),
        "waiting_seconds": int((now - created).total_seconds()),
    }


def conversation(tracker: dict) -> list[dict]:
    """The tracker's messages as the agent reads them: masked, agents' words told apart."""
    lines, last_action = [], None
    for event in tracker.get("events") or []:
        kind = event.get("event")
        if kind == "action":
            last_action = event.get("name")
        elif kind in ("user", "bot") and (event.get("text") or "").strip():
            text = event["text"]
            if kind == "user" and text.startswith("/"):
                continue  # a button's payload: the button's words were shown, not this
            who = "citizen" if kind == "user" else "agent" if last_action == "action_relay_agent_message" else "bot"
            lines.append({"who": who, "text": mask_text(text), "at": event.get("timestamp")})
    return lines


def ranking(tracker: dict) -> list[dict]:
    parse = (tracker.get("latest_message") or {}).get("intent_ranking") or []
    return [{"intent": r.get("name"), "confidence": round(float(r.get("confidence") or 0), 3)} for r in parse[:5]]


def last_question(tracker: dict) -> str | None:
    """What the citizen last wrote in words (not a button's payload)."""
    for event in reversed(tracker.get("events") or []):
        text = (event.get("text") or "").strip() if event.get("event") == "user" else ""
        if text and not text.startswith("/"):
            return text
    return None


def canned_replies() -> list[str]:
    return [str(line) for line in yaml.safe_load(CANNED_REPLIES.read_text(encoding="utf-8")) or []]


def suggestions(question: str, service_code: str | None) -> list[dict]:
    """The knowledge base's best answers, each as the bot would say it (excerpt and source)."""
    result = get_retriever().search(question, k=SUGGESTIONS, service_code=service_code)
    return [
        {"title": hit.citation, "text": answer_reply(hit, question).text, "score": round(hit.score, 3)}
        for hit in result.hits[:SUGGESTIONS]
    ]


def wechat_allowance(tracker: dict, now: float) -> str | None:
    """Why WeChat would not take one more customer-service message now, or None: it allows
    CS_MESSAGES_PER_WINDOW of them after each message of the citizen, within 48 hours of it.
    Said to the agent before sending, since a refused message would vanish in the channel. The
    bot's own answer to that message counts too (it may have gone out as one): better one
    message early than one lost."""
    events = tracker.get("events") or []
    last_user = max((i for i, e in enumerate(events) if e.get("event") == "user"), default=None)
    if last_user is None or now - float(events[last_user].get("timestamp") or 0) > CS_WINDOW_SECONDS:
        return "群众超过48小时没有发消息，微信不允许再主动发送，请改为电话联系。"
    since = sum(1 for e in events[last_user + 1 :] if e.get("event") == "bot")
    if since >= CS_MESSAGES_PER_WINDOW:
        return f"微信规定：群众每发一条消息，最多回复{CS_MESSAGES_PER_WINDOW}条。请等群众回复后再发送。"
    return None


def slots(tracker: dict) -> dict:
    filled = tracker.get("slots") or {}
    return {k: mask_text(str(v)) for k, v in filled.items() if v not in (None, "", [], {}) and k not in INTERNAL_SLOTS}


def build_blueprint(staff, audit: AuditLog, rasa: RasaAPI) -> Blueprint:  # noqa: ANN001
    """`staff(*roles)`: console/staff.py's guard (session, role, CSRF)."""
    bp = Blueprint("handoffs", url_prefix="/staff/api/handoffs")

    one_request = loaded_by(handoff.get, "没有这条转人工记录。")

    async def audited(request: Request, session: StaffSession, action: str, ticket: str, detail: dict) -> None:
        await asyncio.to_thread(audit.record, session.user.username, action, ticket, detail, request.ip or "")

    @bp.get("/")
    @staff("agent", "supervisor")
    async def queue(_request: Request, _session: StaffSession) -> HTTPResponse:
        now = datetime.now(timezone.utc)
        rows = await asyncio.to_thread(handoff.inbox)
        return private_json({"requests": [_summary(r, now) for r in rows]})

    @bp.get("/<row_id:int>")
    @staff("agent", "supervisor")
    @one_request
    async def detail(_request: Request, _session: StaffSession, row: handoff.HandoffRequest) -> HTTPResponse:
        body = _summary(row, datetime.now(timezone.utc))
        try:
            tracker = await rasa.tracker(row.sender_id)
            body |= {"conversation": conversation(tracker), "slots": slots(tracker), "ranking": ranking(tracker)}
        except httpx.HTTPError:
            body |= {
                "conversation": row.transcript,
                "slots": {},
                "ranking": [],
                "note": "对话服务暂时无法连接，显示的是登记时的记录。",
            }
        return private_json(body)

    @bp.get("/<row_id:int>/suggestions")
    @staff("agent", "supervisor")
    @one_request
    async def suggested(_request: Request, _session: StaffSession, row: handoff.HandoffRequest) -> HTTPResponse:
        answers: list[dict] = []
        question = None
        try:
            question = last_question(await rasa.tracker(row.sender_id))
            if question:
                answers = await asyncio.to_thread(suggestions, question, row.service_item)
        except httpx.HTTPError:
            pass  # the canned replies still help
        body = {"question": mask_text(question) if question else None, "answers": answers, "canned": canned_replies()}
        return private_json(body)

    @bp.post("/<row_id:int>/claim")
    @staff("agent", "supervisor")
    @one_request
    async def claim(request: Request, session: StaffSession, row: handoff.HandoffRequest) -> HTTPResponse:
        if not await asyncio.to_thread(handoff.claim, row.id, session.user.username):
            return refusal(409, "taken", "这条记录已经有人接入或已结束。")
        try:
            await rasa.pause(row.sender_id)
            await rasa.say(row.sender_id, said("agent_joined", AGENT_JOINED, name=f"（工号 {session.user.username}）"))
        except httpx.HTTPError:
            return refusal(503, "rasa_unavailable", "已接入，但暂时无法通知群众，请稍后发送第一条消息。")
        await audited(request, session, "handoff_claim", row.ticket, {})
        return private_json({"claimed": True})

    @bp.post("/<row_id:int>/reply")
    @staff("agent", "supervisor")
    @one_request
    async def reply(request: Request, session: StaffSession, row: handoff.HandoffRequest) -> HTTPResponse:
        if row.status != "claimed" or (row.claimed_by != session.user.username and not session.user.has("supervisor")):
            return refusal(409, "not_yours", "请先接入这条记录再回复。")
        text = str((request.json or {}).get("text") or "").strip() if isinstance(request.json, dict) else ""
        if not 0 < len(text) <= MAX_REPLY:
            return refusal(422, "invalid", f"回复不能为空，也不能超过{MAX_REPLY}字。")
        try:
            if row.channel == "wechat":
                blocked = wechat_allowance(await rasa.tracker(row.sender_id), time.time())
                if blocked:
                    return refusal(409, "wechat_limit", blocked)
            sent = await rasa.say(row.sender_id, text)
        except httpx.HTTPError:
            return refusal(503, "rasa_unavailable", "消息没有发出去，请稍后重试。")
        await asyncio.to_thread(handoff.note_reply, row.id)
        await audited(request, session, "handoff_reply", row.ticket, {"chars": len(text)})
        return private_json({"sent": len(sent)})

    @bp.post("/<row_id:int>/close")
    @staff("agent", "supervisor")
    @one_request
    async def close(request: Request, session: StaffSession, row: handoff.HandoffRequest) -> HTTPResponse:
        outcome = str((request.json or {}).get("outcome") or "") if isinstance(request.json, dict) else ""
        if outcome not in handoff.OUTCOMES:
            return refusal(422, "invalid", "请选择结束原因：" + "、".join(handoff.OUTCOMES.values()))
        if row.claimed_by not in (None, session.user.username) and not session.user.has("supervisor"):
            return refusal(409, "not_yours", "这条记录由其他工作人员处理。")
        if not await asyncio.to_thread(handoff.close, row.id, outcome):
            return refusal(409, "closed", "这条记录已经结束。")
        try:
            await rasa.resume(row.sender_id)
            if outcome != "no_reply":
                await rasa.say(row.sender_id, said("back_to_bot", BACK_TO_BOT))
                await rasa.offer_rating(row.sender_id, f"handoff:{row.id}")
        except httpx.HTTPError:
            return refusal(503, "rasa_unavailable", "已结束，但暂时无法恢复智能助手，请稍后在对话服务恢复后重试。")
        await audited(request, session, "handoff_close", row.ticket, {"outcome": outcome})
        return private_json({"closed": True})

    return bp

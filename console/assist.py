"""Agent assist for phone calls (/staff/api/assist…), for agents and supervisors, and the page a
caller opens from the link they were sent (/chat/continue). The rules and why they are safe are
in bot/assist/__init__.py.

    POST /staff/api/assist/calls                      a new call (its own sender namespace)
    GET  /staff/api/assist/calls/<id>                 where the call stands (masked)
    POST /staff/api/assist/calls/<id>/understand      {"text"}: the 一件事, the knowledge base's
                                                      answers with their source, the checklist
    POST /staff/api/assist/calls/<id>/item            {"code"}: the agent chooses the item
    POST /staff/api/assist/calls/<id>/identity        {"name", "id_number", "uscc"?}: a code is
                                                      texted to the caller's phone on record
    POST /staff/api/assist/calls/<id>/identity/code   {"code"}: the code the caller read out
    POST /staff/api/assist/calls/<id>/draft           {"code", "consent": true}: the pre-filled draft
    POST /staff/api/assist/calls/<id>/link            {"via": "sms" | "wechat"}: the link to it
    POST /staff/api/assist/calls/<id>/end             the caller's verification is revoked

    GET  /chat/continue  (+ /chat/continue.js)        the caller's page; the token in its fragment
    POST /chat/continue  {"token"}                    opens the link once: a web chat session on
                                                      the item, for the widget on that page

A call is seen only by the agent who opened it. Every act is audited, with masked details.
"""

from __future__ import annotations

import asyncio
import logging
import time
from functools import wraps
from pathlib import Path

import httpx
from sanic import Blueprint, Request, response
from sanic.response import HTTPResponse

from bot.assist import flow, links, understanding, words
from bot.assist.calls import Call, CallBook
from bot.catalogue import get_item, load_catalogue
from bot.identity import web_session
from bot.privacy import mask_identifier
from bot.rasa_api import RasaAPI
from bot.settings import settings
from bot.staff.audit import AuditLog
from bot.staff.sessions import StaffSession
from console.answers import json_fields, private_json, refusal
from console.handoffs import suggestions, wechat_allowance

log = logging.getLogger(__name__)

STATIC = Path(__file__).resolve().parent / "static"
MAX_TEXT = 1000
RASA_AWAY = "暂时无法连接对话服务，请稍后重试。"
IDENTITY_REFUSALS = frozenset({"code_invalid", "too_many_wrong_codes", "too_many_checks", "binding_locked"})


def _origin(request: Request) -> str:
    """Where the agent's page is served from (the staff guard has already refused a foreign
    Origin): the link's site unless BANSHI_ASSIST_LINK_BASE names the public one."""
    return (request.headers.get("origin") or f"{request.scheme}://{request.host}").rstrip("/")


def build_blueprints(staff, audit: AuditLog, rasa: RasaAPI) -> list[Blueprint]:  # noqa: ANN001
    """`staff(*roles)`: console/staff.py's guard (session, role, CSRF)."""
    bp = Blueprint("assist", url_prefix="/staff/api/assist")
    public = Blueprint("assist_link")
    book = CallBook()
    key = web_session.session_key()
    opening_lock = asyncio.Lock()

    async def audited(request: Request, session: StaffSession, action: str, target: str, detail: dict) -> None:
        await asyncio.to_thread(audit.record, session.user.username, action, target, detail, request.ip or "")

    def one_call(handler):  # noqa: ANN001, ANN202
        """The agent's own call named in the path (404 otherwise), one act on it at a time; a
        step's refusal becomes the answer, audited when it concerns the caller."""

        @wraps(handler)
        async def loaded(request: Request, session: StaffSession, call_id: str) -> HTTPResponse:
            call = book.get(call_id, session.user.username)
            if call is None:
                return refusal(404, "call_gone", words.CALL_GONE)
            async with call.lock:
                try:
                    return await handler(request, session, call)
                except flow.Refused as refused:
                    if refused.code in IDENTITY_REFUSALS:  # tries at someone's identity are kept
                        await audited(request, session, "assist_verify", call.id, {"refused": refused.code})
                    return refusal(refused.status, refused.code, refused.message)

        return loaded

    @bp.post("/calls")
    @staff("agent", "supervisor")
    async def new_call(request: Request, session: StaffSession) -> HTTPResponse:
        call, ended = book.open(session.user.username)
        for old in ended:
            await flow.end(old)
        await audited(request, session, "assist_call", call.id, {})
        items = [{"code": item.code, "title": item.title} for item in load_catalogue().values()]
        return private_json({"call": call.as_json(), "items": items}, 201)

    @bp.get("/calls/<call_id>")
    @staff("agent", "supervisor")
    @one_call
    async def call_state(_request: Request, _session: StaffSession, call: Call) -> HTTPResponse:
        return private_json({"call": call.as_json()})

    def about(call: Call) -> dict:
        """The call's item as the page shows it: facts, checklist, what pre-fill would read."""
        item = get_item(call.item or "")
        if item is None:
            return {"item": None, "checklist": [], "consent": []}
        facts = understanding.item_facts(item)
        subject = call.caller.subject_type if call.caller else "enterprise" if facts["needs_enterprise"] else "citizen"
        return {
            "item": facts,
            "checklist": understanding.checklist(item.code),
            "consent": understanding.consent_to_read(item.code, subject),
        }

    @bp.post("/calls/<call_id>/understand")
    @staff("agent", "supervisor")
    @one_call
    async def understand(request: Request, session: StaffSession, call: Call) -> HTTPResponse:
        text = str(json_fields(request).get("text") or "").strip()
        if not text:
            return refusal(422, "invalid", words.EMPTY_TEXT)
        if len(text) > MAX_TEXT:
            return refusal(422, "invalid", words.TOO_LONG)
        try:
            parsed = await rasa.parse(text)
        except httpx.HTTPError:
            return refusal(503, "rasa_unavailable", RASA_AWAY)
        recognised = understanding.recognise(parsed, text, call.item)
        if recognised.item is not None:
            call.item = recognised.item.code
        answers = await asyncio.to_thread(suggestions, text, call.item)
        detail = {"item": call.item, "intent": recognised.intent, "chars": len(text)}
        await audited(request, session, "assist_understand", call.id, detail)
        hint = None if recognised.item or recognised.elsewhere else words.NO_ITEM_RECOGNISED
        body = {"recognised": recognised.as_json(), "answers": answers, "hint": hint, **about(call)}
        return private_json(body)

    @bp.post("/calls/<call_id>/item")
    @staff("agent", "supervisor")
    @one_call
    async def choose_item(request: Request, _session: StaffSession, call: Call) -> HTTPResponse:
        code = str(json_fields(request).get("code") or "")
        if get_item(code) is None:
            return refusal(422, "invalid", words.CHOOSE_ITEM)
        call.item = code
        return private_json(about(call))

    @bp.post("/calls/<call_id>/identity")
    @staff("agent", "supervisor")
    @one_call
    async def identity(request: Request, session: StaffSession, call: Call) -> HTTPResponse:
        body = json_fields(request)
        message = await flow.start_check(
            call, str(body.get("name") or ""), str(body.get("id_number") or ""), str(body.get("uscc") or "")
        )
        await audited(request, session, "assist_verify", call.id, {"step": "code_sent", "id_number": call.claim})
        return private_json({"message": message, "call": call.as_json()})

    @bp.post("/calls/<call_id>/identity/code")
    @staff("agent", "supervisor")
    @one_call
    async def identity_code(request: Request, session: StaffSession, call: Call) -> HTTPResponse:
        caller = await flow.check_code(call, str(json_fields(request).get("code") or ""))
        detail = {"step": "verified", "caller": caller.name_masked, "id_number": caller.id_masked}
        await audited(request, session, "assist_verify", call.id, detail)
        body = {
            "message": words.verified(caller.name_masked, caller.id_masked),
            "wechat": await flow.has_wechat(caller),
            "call": call.as_json(),
            **about(call),
        }
        return private_json(body)

    @bp.post("/calls/<call_id>/draft")
    @staff("agent", "supervisor")
    @one_call
    async def draft(request: Request, session: StaffSession, call: Call) -> HTTPResponse:
        body = json_fields(request)
        started = await flow.start_draft(call, str(body.get("code") or call.item or ""), body.get("consent") is True)
        detail = {"item": started.item.code, "resumed": started.resumed, "prefilled": len(started.prefilled)}
        await audited(request, session, "assist_draft", started.number, detail)
        return private_json({"draft": started.as_json(), "call": call.as_json()})

    @bp.post("/calls/<call_id>/link")
    @staff("agent", "supervisor")
    @one_call
    async def send_link(request: Request, session: StaffSession, call: Call) -> HTTPResponse:
        via = str(json_fields(request).get("via") or "")
        if via not in ("sms", "wechat"):
            return refusal(422, "invalid", words.UNKNOWN_VIA)
        caller, number = flow.ready_to_link(call)
        item = get_item(call.draft_item or "")
        link = links.issue(key, item.code)
        url = links.url(settings.assist_link_base or _origin(request), link)
        if via == "sms":
            to = await flow.send_sms_link(call, url)
            message = words.link_sent_sms(to, settings.assist_link_hours)
        else:
            openid = await asyncio.to_thread(flow.wechat_user, caller.subject_ref)
            if openid is None:
                return refusal(409, "no_wechat", words.NO_WECHAT)
            try:
                blocked = wechat_allowance(await rasa.tracker(openid), time.time())
                if blocked:
                    return refusal(409, "wechat_limit", words.wechat_blocked(blocked))
                await rasa.say(openid, words.wechat_link(item, number, url, settings.assist_link_hours))
            except httpx.HTTPError:
                return refusal(503, "rasa_unavailable", words.WECHAT_UNREACHABLE)
            call.links += 1
            to, message = mask_identifier(openid), words.LINK_SENT_WECHAT
        detail = {"via": via, "to": to, "link": link.link_id, "expires_at": link.expires_at.isoformat()}
        await audited(request, session, "assist_link", number, detail)
        return private_json({"message": message, "call": call.as_json()})

    @bp.post("/calls/<call_id>/end")
    @staff("agent", "supervisor")
    @one_call
    async def end_call(request: Request, session: StaffSession, call: Call) -> HTTPResponse:
        await flow.end(call)
        book.end(call.id)
        await audited(request, session, "assist_end", call.id, {"draft": call.draft, "links": call.links})
        return private_json({"message": words.CALL_ENDED})

    # ---- the caller's side --------------------------------------------------------------

    @public.get("/chat/continue")
    async def continue_page(_request: Request) -> HTTPResponse:
        return await response.file(STATIC / "continue.html", headers={"Cache-Control": "no-store"})

    @public.get("/chat/continue.js")
    async def continue_script(_request: Request) -> HTTPResponse:
        return await response.file(STATIC / "continue.js", headers={"Cache-Control": "no-cache"})

    @public.post("/chat/continue")
    async def open_link(request: Request) -> HTTPResponse:
        """Opens a link once: a web chat on the item, begun with the words and the button that
        lead the caller to verify themself; the session goes to the widget on the page."""
        link = links.read(key, json_fields(request).get("token"))
        item = get_item(link.code) if link else None
        if link is None or item is None:
            return refusal(410, "link_gone", words.link_gone())
        subject = links.subject_for(key, link.link_id)
        first = words.opening(item)
        try:
            async with opening_lock:  # two presses at once must not both find the conversation new
                if links.opened(await rasa.tracker(subject)):
                    return refusal(410, "link_gone", words.link_gone())
                await rasa.append(subject, links.opening_events(item.code, first, words.CONTINUE_BUTTON))
        except httpx.HTTPError:
            return refusal(503, "rasa_unavailable", RASA_AWAY)
        issued = web_session.issue(key, subject=subject)
        log.info("assist link %s opened for %s", link.link_id, item.code)
        button = {"title": words.CONTINUE_BUTTON, "payload": words.CONTINUE_BUTTON}
        return private_json(
            {
                "session": {"token": issued.token, "expires_at": issued.expires_at.isoformat()},
                "transcript": [{"who": "bot", "text": first, "buttons": [button]}],
                "message": words.opened_page(item),
            }
        )

    return [bp, public]

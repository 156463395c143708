"""The console's routes of the notifier (bot/notices): the portal's signed webhook of case
changes, and the widget's unread notices (on the next visit, and every half minute while open).

    POST /hooks/portal-notices   X-Banshi-Timestamp, X-Banshi-Signature; {"notices": [...]}
         → 200 {"received": n, "new": k}; 401 on a bad or stale signature
    GET  /chat/notices           Authorization: Bearer <widget session token>
         → 200 {"notices": [{"id", "text", "at"}]}
    POST /chat/notices/read      Authorization: Bearer <widget session token>; {"ids": [...]}
         → 200 {"read": n}
    POST /hooks/notice-optins    signed; {"sender_id", "channel", "templates": {"<id>": true|false}}
         → 200 {"remaining": {"<id>": n}}   (from the WeChat channels: bot/notices/store.py)
"""

from __future__ import annotations

import asyncio
import json
import logging
import re

from sanic import Blueprint, Request, response
from sanic.response import HTTPResponse

from bot import signed_hooks
from bot.identity import web_session
from bot.notices.notifier import Notifier
from console.answers import private_json, refusal

log = logging.getLogger(__name__)

MAX_HOOK_BYTES = 256 * 1024
MAX_READ_IDS = 200
_BEARER = re.compile(r"^\s*Bearer\s+(\S+)\s*$", re.IGNORECASE)


def build_blueprint(notifier: Notifier, notice_secret: str, session_key: str, cors) -> Blueprint:  # noqa: ANN001
    """`cors(request)`: the CORS headers of the widget's routes (only allowed pages)."""
    bp = Blueprint("notices")

    @bp.post("/hooks/portal-notices")
    async def portal_hook(request: Request) -> HTTPResponse:
        body = request.body or b""
        if len(body) > MAX_HOOK_BYTES:
            return refusal(413, "too_large", "请求内容过大。")
        if not signed_hooks.verify(notice_secret, request.headers, body):
            log.warning("notice webhook: bad or stale signature from %s", request.ip)
            return refusal(401, "signature_invalid", "签名无效或已过期。")
        try:
            notices = json.loads(body)["notices"]
            if not isinstance(notices, list):
                raise TypeError
        except (ValueError, KeyError, TypeError):
            return refusal(400, "bad_request", "通知格式不正确。")
        new = 0
        for notice in notices:
            try:
                new += await notifier.take([notice])
            except ValueError as problem:
                log.warning("notice webhook: one notice refused (%s)", problem)
        return private_json({"received": len(notices), "new": new})

    @bp.post("/hooks/notice-optins")
    async def optins(request: Request) -> HTTPResponse:
        """From the channels: a user accepted or declined subscribe messages (signed)."""
        body = request.body or b""
        if len(body) > MAX_HOOK_BYTES or not signed_hooks.verify(notice_secret, request.headers, body):
            return refusal(401, "signature_invalid", "签名无效或已过期。")
        try:
            given = json.loads(body)
            sender, channel, templates = given["sender_id"], given["channel"], given["templates"]
            if not (isinstance(sender, str) and isinstance(channel, str) and isinstance(templates, dict)):
                raise TypeError
        except (ValueError, KeyError, TypeError):
            return refusal(400, "bad_request", "请求格式不正确。")
        left = {}
        for template, accepted in list(templates.items())[:20]:
            left[template] = await asyncio.to_thread(
                notifier.store.record_optin, sender[:128], channel[:32], str(template)[:64], accepted is True
            )
        return private_json({"remaining": left})

    def sender_of(request: Request) -> str | None:
        found = _BEARER.match(request.headers.get("authorization") or "")
        return web_session.verify(session_key, found.group(1)) if found else None

    @bp.route("/chat/notices", methods=["OPTIONS"], name="notices_preflight")
    @bp.route("/chat/notices/read", methods=["OPTIONS"], name="read_preflight")
    async def preflight(request: Request) -> HTTPResponse:
        allow = {
            "Access-Control-Allow-Methods": "GET, POST",
            "Access-Control-Allow-Headers": "Authorization, Content-Type",
            "Access-Control-Max-Age": "600",
        }
        return response.empty(headers={**cors(request), **allow})

    @bp.get("/chat/notices")
    async def unread(request: Request) -> HTTPResponse:
        sender = sender_of(request)
        if sender is None:
            return refusal(401, "session_invalid", "会话已过期，请重新打开对话。", cors(request))
        notices = await asyncio.to_thread(notifier.store.unread, sender)
        items = [{"id": n.id, "text": n.text(), "at": n.at.isoformat()} for n in notices]
        return private_json({"notices": items}, headers=cors(request))

    @bp.post("/chat/notices/read")
    async def read(request: Request) -> HTTPResponse:
        sender = sender_of(request)
        if sender is None:
            return refusal(401, "session_invalid", "会话已过期，请重新打开对话。", cors(request))
        try:
            ids = json.loads(request.body or b"{}")["ids"]
            valid = isinstance(ids, list) and len(ids) <= MAX_READ_IDS
            if not valid or not all(isinstance(i, int) and not isinstance(i, bool) for i in ids):
                raise TypeError
        except (ValueError, KeyError, TypeError):
            return refusal(400, "bad_request", "请求格式不正确。", cors(request))
        count = await asyncio.to_thread(notifier.store.mark_read, sender, ids)
        return private_json({"read": count}, headers=cors(request))

    return bp

"""The bot's own words in the staff web app (工作台 → 机器人话术).

    GET   /staff/api/wording              every editable reply: default, current, open revision, placeholders
    GET   /staff/api/wording/<key>        one reply, its open revision with the diff from what is said now, its history
    POST  /staff/api/wording/<key>/draft  {"text", "note"?} (editor) the reply's open revision, created or overwritten
    POST  /staff/api/wording/preview      {"key", "text"} the wording as citizens read it, and what stops it going live

Submitting, reviewing and publishing are the steps of any revision (/staff/api/revisions/<id>/…,
console/knowledge.py); this registers the wording's publisher for them. A publication is said
by every process within seconds (bot/wording.py), with no retrain: domain.yml's replies through
Rasa's NLG (bot/nlg.py), the code's through the actions.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from sanic import Blueprint, Request
from sanic.response import HTTPResponse

from bot.editing import wording
from bot.editing.revisions import STATUS_NAMES
from bot.editing.workbench import Workbench
from bot.staff.audit import AuditLog
from bot.staff.sessions import StaffSession
from console.answers import json_fields, private_json, refusal
from console.knowledge import run

EDITORS = ("editor", "reviewer")
MAX_NOTE = 500
MAX_TEXT = 4 * wording.MAX_CHARS
"""What the API takes at all; the checks say when a wording is too long to publish."""


def build_blueprint(staff: Callable, audit: AuditLog, workbench: Workbench) -> Blueprint:
    bp = Blueprint("staff_wording", url_prefix="/staff/api")
    wording.register()

    def read(call: Callable, *args) -> object:  # noqa: ANN002
        with workbench.sessions() as session, session.begin():
            return call(session, *args)

    @bp.get("/wording")
    @staff(*EDITORS)
    async def listing(_request: Request, _session: StaffSession) -> HTTPResponse:
        replies = await asyncio.to_thread(read, wording.overview)
        return private_json({"replies": replies, "statuses": STATUS_NAMES})

    @bp.get("/wording/<key:str>")
    @staff(*EDITORS)
    async def one(_request: Request, _session: StaffSession, key: str) -> HTTPResponse:
        found, refused = await run(read, wording.detail, key)
        return refused or private_json(found)

    @bp.post("/wording/<key:str>/draft")
    @staff("editor")
    async def draft(request: Request, session: StaffSession, key: str) -> HTTPResponse:
        fields = json_fields(request)
        text = str(fields.get("text") or "")
        if len(text) > MAX_TEXT:
            return refusal(422, "too_long", f"话术太长（{len(text)} 字），请控制在 {wording.MAX_CHARS} 字以内。")
        note = str(fields.get("note") or "").strip()[:MAX_NOTE] or None
        revision, refused = await run(read, lambda s: wording.save_draft(s, session.user, key, text, note).as_json())
        if refused:
            return refused
        await asyncio.to_thread(
            audit.record, session.user.username, "wording_draft", key, {"revision": revision["id"]}, request.ip or ""
        )
        return private_json({"revision": revision, **wording.preview(key, text)})

    @bp.post("/wording/preview")
    @staff(*EDITORS)
    async def preview(request: Request, _session: StaffSession) -> HTTPResponse:
        fields = json_fields(request)
        key, text = str(fields.get("key") or ""), str(fields.get("text") or "")[:MAX_TEXT]
        shown, refused = await run(wording.preview, key, text)
        return refused or private_json(shown)

    return bp

"""The unanswered queue (未答问题) in the staff web app: routes over `bot.editing.unanswered`.

    GET   /staff/api/kb/unanswered           ?state=open|faq|routed|dismissed&outcome=&days=
                                             clusters (open) or handled batches, with the departments
    POST  /staff/api/kb/unanswered/faq       {"rows", "source"?, "title"?} (editor) a draft FAQ for review
    POST  /staff/api/kb/unanswered/route     {"rows", "department", "due_date", "note"?}
    POST  /staff/api/kb/unanswered/dismiss   {"rows", "reason"}
    POST  /staff/api/kb/unanswered/reopen    {"rows"}

`rows` are the ids of the questions acted on (a cluster's, or several clusters' taken together).
Editors and reviewers see the queue and route, dismiss or reopen; only an editor drafts (the FAQ
goes through review like any change). Every action is audited; a refusal carries its message.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from sanic import Blueprint, Request
from sanic.response import HTTPResponse

from bot.catalogue import load_catalogue
from bot.editing.unanswered import MAX_ACTION_ROWS, OUTCOME_NAMES, STATE_NAMES, QueueFilter, UnansweredQueue
from bot.editing.workbench import Workbench
from bot.knowledge.retriever import china_today
from bot.staff.audit import AuditLog
from bot.staff.sessions import StaffSession
from console.answers import json_fields, private_json, refusal
from console.knowledge import run

EDITORS = ("editor", "reviewer")
MAX_DAYS = 366


def _rows(fields: dict) -> list[int] | None:
    """The row ids of a request, or None when they are not a non-empty list of ids."""
    rows = fields.get("rows")
    if not isinstance(rows, list) or not rows or len(rows) > MAX_ACTION_ROWS:
        return None
    if not all(isinstance(r, int) and not isinstance(r, bool) and r > 0 for r in rows):
        return None
    return rows


def _days(value: str | None) -> int | None:
    return min(int(value), MAX_DAYS) if value and value.isdigit() and int(value) > 0 else None


def build_blueprint(staff: Callable, audit: AuditLog, workbench: Workbench | None = None) -> Blueprint:
    bp = Blueprint("staff_unanswered", url_prefix="/staff/api/kb")
    queue = UnansweredQueue(workbench or Workbench())

    async def act(request: Request, session: StaffSession, action: str, call: Callable, *args: object) -> HTTPResponse:
        """Runs a queue action off the event loop on the request's rows and audits it; a refusal
        is the page's message."""
        fields = json_fields(request)
        rows = _rows(fields)
        if rows is None:
            return refusal(422, "no_rows", "请先选择要处理的问题。")
        result, refused = await run(call, session.user, rows, *args)
        if refused:
            return refused
        detail: dict = {"rows": len(rows)}
        if result.get("revision"):
            detail["revision"] = result["revision"]["id"]
        detail |= {key: str(fields[key])[:100] for key in ("department", "due_date", "source") if fields.get(key)}
        await asyncio.to_thread(
            audit.record, session.user.username, action, f"unanswered:{min(rows)}", detail, request.ip or ""
        )
        return private_json(result)

    @bp.get("/unanswered")
    @staff(*EDITORS)
    async def clusters(request: Request, _session: StaffSession) -> HTTPResponse:
        state = request.args.get("state") or "open"
        if state not in STATE_NAMES:
            return refusal(422, "bad_state", "没有这个处理状态。")
        outcome = request.args.get("outcome") or None
        if outcome and outcome not in OUTCOME_NAMES:
            return refusal(422, "bad_outcome", "没有这种未答情形。")
        wanted = QueueFilter(state=state, outcome=outcome, days=_days(request.args.get("days")))
        found = await asyncio.to_thread(queue.clusters, wanted)
        departments = await asyncio.to_thread(queue.departments)
        services = {code: item.title for code, item in load_catalogue().items()}
        return private_json(
            found | {"departments": departments, "services": services, "today": china_today().isoformat()}
        )

    @bp.post("/unanswered/faq")
    @staff("editor")
    async def to_faq(request: Request, session: StaffSession) -> HTTPResponse:
        fields = json_fields(request)
        source = str(fields.get("source") or "").strip() or None
        title = str(fields.get("title") or "").strip() or None
        return await act(request, session, "kb_unanswered_faq", queue.to_faq, source, title)

    @bp.post("/unanswered/route")
    @staff(*EDITORS)
    async def route(request: Request, session: StaffSession) -> HTTPResponse:
        fields = json_fields(request)
        department, due = str(fields.get("department") or ""), str(fields.get("due_date") or "")
        note = str(fields.get("note") or "")
        return await act(request, session, "kb_unanswered_route", queue.route, department, due, note)

    @bp.post("/unanswered/dismiss")
    @staff(*EDITORS)
    async def dismiss(request: Request, session: StaffSession) -> HTTPResponse:
        reason = str(json_fields(request).get("reason") or "")
        return await act(request, session, "kb_unanswered_dismiss", queue.dismiss, reason)

    @bp.post("/unanswered/reopen")
    @staff(*EDITORS)
    async def reopen(request: Request, session: StaffSession) -> HTTPResponse:
        return await act(request, session, "kb_unanswered_reopen", queue.reopen)

    return bp

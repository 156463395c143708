"""The editors' workbench in the staff web app (/staff/api/kb…, /staff/api/revisions…).

    GET   /staff/api/kb/documents        ?q=&service=&department=&status=&from=&to=
    GET   /staff/api/kb/document         ?source=  text, versions, open revision
    POST  /staff/api/kb/preview          {"body", "phrasings"?} the units and the page as citizens see them
    POST  /staff/api/kb/drafts           {"source"?, "body", "phrasings"?, "note"?, "effective"?, "retire"?}
    POST  /staff/api/kb/import           multipart "file": DOCX, PDF, Markdown, XLSX/CSV → Markdown + chunks
    GET   /staff/api/kb/diff             ?source=&old=&new=  two versions, line by line
    POST  /staff/api/kb/rollback         {"source", "version", "note"?} (reviewer) publishes an old version again
    POST  /staff/api/kb/hit-test         {"question", "service"?} ranked units, scores, decision, reply
    POST  /staff/api/kb/hit-test/bulk    multipart "file" (CSV or YAML) and "draft"? → Recall@1/@5, abstentions
    GET   /staff/api/kb/expiries         ?days=&department=
    GET   /staff/api/revisions           ?kind=&status=
    GET   /staff/api/revisions/<id>      with its text and its diff from the published text
    POST  /staff/api/revisions/<id>/submit | withdraw | approve | reject | publish   {"comment"?}

Editors draft, submit, withdraw and publish what was approved; reviewers approve or return
(never their own) and roll back. Every step is audited. Refusals carry the workflow's message.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from sanic import Blueprint, Request
from sanic.response import HTTPResponse

from bot.catalogue import load_catalogue
from bot.editing import hit_test
from bot.editing.revisions import STATUS_NAMES, RevisionError
from bot.editing.workbench import DocumentFilter, Workbench
from bot.knowledge.index import WriterBusy
from bot.knowledge.retriever import get_retriever
from bot.periods import Period, PeriodError
from bot.staff.audit import AuditLog
from bot.staff.sessions import StaffSession
from console.answers import json_fields, private_json, refusal, text_field
from console.guides import render_markdown

EDITORS = ("editor", "reviewer")
MAX_QUESTION = 500
DOCUMENT_STATUSES = {"published": "已发布", "draft": "草稿（未发布）", "retired": "已下线", "editing": "修改中"}
REVIEW_STEPS = {"submit": "kb_submit", "withdraw": "kb_withdraw", "approve": "kb_approve", "reject": "kb_reject"}


STATUS = {"not_found": 404, "forbidden": 403}
STATUS |= dict.fromkeys(("no_rows", "too_many", "reason", "bad_date", "bad_department", "empty", "too_long"), 422)
"""A refusal's HTTP status by its code; the others (taken, conflict, state: someone else got
there first, or the step does not fit the revision's state) are 409."""


async def run(call: Callable, *args: object) -> tuple[Any, HTTPResponse | None]:
    """A workbench call off the event loop, and its refusal as the page's message."""
    try:
        return await asyncio.to_thread(call, *args), None
    except RevisionError as error:
        return None, refusal(STATUS.get(error.code, 409), error.code, str(error))
    except WriterBusy:
        return None, refusal(503, "busy", "知识库正在更新，请稍后再试。")


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


def _uploaded(request: Request) -> tuple[str, bytes] | None:
    upload = request.files.get("file") if request.files else None
    return (upload.name or "", upload.body or b"") if upload else None


def build_blueprint(staff: Callable, audit: AuditLog, workbench: Workbench | None = None) -> Blueprint:
    bp = Blueprint("staff_knowledge", url_prefix="/staff/api")
    bench = workbench or Workbench()

    async def audited(session: StaffSession, request: Request, action: str, target: str, detail: dict) -> None:
        await asyncio.to_thread(audit.record, session.user.username, action, target[:128], detail, request.ip or "")

    @bp.get("/kb/documents")
    @staff(*EDITORS)
    async def list_documents(request: Request, _session: StaffSession) -> HTTPResponse:
        try:
            period = (
                Period.parse(request.args.get("from"), request.args.get("to"))
                if request.args.get("from") or request.args.get("to")
                else None
            )
        except PeriodError as error:
            return refusal(422, "bad_period", str(error))
        wanted = DocumentFilter(
            query=(request.args.get("q") or "").strip()[:100],
            service_code=request.args.get("service") or None,
            department=request.args.get("department") or None,
            status=request.args.get("status") or None,
            since=period.since if period else None,
            until=period.until if period else None,
        )
        rows = await asyncio.to_thread(bench.documents, wanted)
        departments = await asyncio.to_thread(bench.departments)
        services = {code: item.title for code, item in load_catalogue().items()}
        return private_json(
            {"documents": rows, "departments": departments, "services": services, "statuses": DOCUMENT_STATUSES}
        )

    @bp.get("/kb/document")
    @staff(*EDITORS)
    async def open_document(request: Request, _session: StaffSession) -> HTTPResponse:
        found = await asyncio.to_thread(bench.document, request.args.get("source") or "")
        return private_json(found) if found else refusal(404, "not_found", "没有找到这份文档。")

    @bp.post("/kb/preview")
    @staff(*EDITORS)
    async def preview(request: Request, _session: StaffSession) -> HTTPResponse:
        fields = json_fields(request)
        body = str(fields.get("body") or "")
        result, refused = await run(bench.preview, body, _phrasings(fields))
        if refused:
            return refused
        return private_json(result | {"html": render_markdown(body)})

    @bp.post("/kb/drafts")
    @staff("editor")
    async def save_draft(request: Request, session: StaffSession) -> HTTPResponse:
        fields = json_fields(request)
        result, refused = await run(
            bench.save,
            session.user,
            str(fields["source"]) if fields.get("source") else None,
            str(fields.get("body") or ""),
            _phrasings(fields),
            str(fields.get("note") or "").strip()[:500] or None,
            str(fields.get("effective") or "") or None,
            bool(fields.get("retire")),
        )
        if refused:
            return refused
        await audited(session, request, "kb_draft", result["target"], {"revision": result["id"]})
        return private_json({"revision": result})

    @bp.post("/kb/import")
    @staff("editor")
    async def import_file(request: Request, session: StaffSession) -> HTTPResponse:
        from bot.knowledge.converters import ConversionError, convert

        uploaded = _uploaded(request)
        if uploaded is None:
            return refusal(422, "no_file", "请选择要导入的文件。")
        name, data = uploaded
        try:
            converted = await asyncio.to_thread(convert, name, data)
        except ConversionError as error:
            await audited(session, request, "kb_import_refused", name, {"reason": str(error)[:200]})
            return refusal(422, "unreadable", str(error))
        documents = [
            {
                "title": c.title,
                "markdown": c.markdown,
                "phrasings": c.phrasings,
                "units": bench.preview(c.markdown, c.phrasings)["units"],
            }
            for c in converted
        ]
        await audited(session, request, "kb_import", name, {"documents": len(documents), "bytes": len(data)})
        return private_json({"documents": documents})

    @bp.get("/kb/diff")
    @staff(*EDITORS)
    async def diff(request: Request, _session: StaffSession) -> HTTPResponse:
        old = _int(request.args.get("old"))
        if old is None:
            return refusal(422, "bad_version", "请指定要比较的版本。")
        result, refused = await run(
            bench.version_diff, request.args.get("source") or "", old, _int(request.args.get("new"))
        )
        return refused or private_json(result)

    @bp.post("/kb/rollback")
    @staff("reviewer")
    async def rollback(request: Request, session: StaffSession) -> HTTPResponse:
        fields = json_fields(request)
        version = fields.get("version")
        if not isinstance(version, int) or not fields.get("source"):
            return refusal(422, "bad_version", "请指定文档和要恢复的版本。")
        source = str(fields["source"])
        result, refused = await run(
            bench.rollback, session.user, source, version, str(fields.get("note") or "").strip()[:500] or None
        )
        if refused:
            return refused
        await audited(session, request, "kb_rollback", source, {"to_version": version, "revision": result["id"]})
        return private_json({"revision": result})

    @bp.post("/kb/hit-test")
    @staff(*EDITORS)
    async def single_hit_test(request: Request, _session: StaffSession) -> HTTPResponse:
        question = text_field(request, "question", MAX_QUESTION)
        if question is None:
            return refusal(422, "no_question", f"请输入要测试的问题（{MAX_QUESTION} 字以内）。")
        service = str(json_fields(request).get("service") or "") or None
        retriever = get_retriever(bench.kb.db_url)
        return private_json(await asyncio.to_thread(hit_test.single, retriever, question, service))

    @bp.post("/kb/hit-test/bulk")
    @staff(*EDITORS)
    async def bulk_hit_test(request: Request, session: StaffSession) -> HTTPResponse:
        uploaded = _uploaded(request)
        if uploaded is None:
            return refusal(422, "no_file", "请上传问题清单（CSV 或 YAML）。")
        try:
            eval_set = hit_test.read_questions(*uploaded)
        except RevisionError as error:
            return refusal(422, error.code, str(error))
        draft_id = _int(request.form.get("draft") if request.form else None)
        draft = None
        if draft_id is not None:
            draft = await asyncio.to_thread(_revision_row, bench, draft_id)
            if draft is None:
                return refusal(404, "not_found", "这份修改不存在。")
        retriever = get_retriever(bench.kb.db_url)
        result, refused = await run(hit_test.bulk, retriever, eval_set, draft)
        if refused:
            return refused
        await audited(
            session, request, "kb_bulk_test", uploaded[0], {"questions": result["questions"], "draft": draft_id}
        )
        return private_json(result)

    @bp.get("/kb/expiries")
    @staff(*EDITORS)
    async def expiries(request: Request, _session: StaffSession) -> HTTPResponse:
        days = min(_int(request.args.get("days")) or 60, 366)
        rows = await asyncio.to_thread(bench.expiries, days, request.args.get("department") or None)
        return private_json({"expiries": rows, "days": days})

    @bp.get("/revisions")
    @staff(*EDITORS)
    async def list_revisions(request: Request, _session: StaffSession) -> HTTPResponse:
        rows = await asyncio.to_thread(
            bench.revisions, request.args.get("kind") or None, request.args.get("status") or None
        )
        return private_json({"revisions": rows, "statuses": STATUS_NAMES})

    @bp.get("/revisions/<revision_id:int>")
    @staff(*EDITORS)
    async def show_revision(_request: Request, _session: StaffSession, revision_id: int) -> HTTPResponse:
        found = await asyncio.to_thread(bench.revision, revision_id)
        return private_json(found) if found else refusal(404, "not_found", "这份修改不存在。")

    @bp.post("/revisions/<revision_id:int>/<step:(submit|withdraw|approve|reject|publish)>")
    @staff(*EDITORS)
    async def revision_step(request: Request, session: StaffSession, revision_id: int, step: str) -> HTTPResponse:
        comment = str(json_fields(request).get("comment") or "").strip()[:1000] or None
        calls = {
            "submit": (bench.submit, session.user, revision_id),
            "withdraw": (bench.withdraw, session.user, revision_id),
            "approve": (bench.review, session.user, revision_id, True, comment),
            "reject": (bench.review, session.user, revision_id, False, comment),
            "publish": (bench.publish, session.user, revision_id),
        }
        call, *args = calls[step]
        result, refused = await run(call, *args)
        if refused:
            await audited(session, request, "kb_refused", f"revision:{revision_id}", {"step": step})
            return refused
        action = REVIEW_STEPS.get(step, "kb_publish")
        await audited(
            session,
            request,
            action,
            result["target"],
            {"revision": revision_id, "version": result.get("published_version")},
        )
        return private_json({"revision": result})

    return bp


def _phrasings(fields: dict) -> dict[str, list[str]]:
    """{heading: [question, …]} from the page, with empty and over-long entries dropped."""
    raw = fields.get("phrasings")
    if not isinstance(raw, dict):
        return {}
    cleaned: dict[str, list[str]] = {}
    for heading, questions in raw.items():
        if isinstance(questions, list):
            kept = [str(q).strip()[:200] for q in questions if str(q).strip()]
            if kept:
                cleaned[str(heading)[:200]] = kept[:200]
    return cleaned


def _revision_row(bench: Workbench, revision_id: int):  # noqa: ANN202 - a detached ContentRevision or None
    from bot.editing.revisions import ContentRevision

    with bench.sessions() as session:
        return session.get(ContentRevision, revision_id)

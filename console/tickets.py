"""办不成事 tickets in the staff web app (/staff/api/tickets…), for agents and supervisors.

    GET   /staff/api/tickets                 ?status=&from=&to=  newest first, with the clock
    POST  /staff/api/tickets                 {"description", "category"?, "kind"?, "service_item"?,
                                             "handoff_id"?}: a ticket from a call, or for the
                                             citizen of a handoff (then told in their chat)
    PATCH /staff/api/tickets/<id>            {"category", "department"?}
    POST  /staff/api/tickets/<id>/contacted  the citizen was called
    POST  /staff/api/tickets/<id>/solve      {"resolution"}: the citizen is told in the chat
                                             and offered a rating
    POST  /staff/api/tickets/<id>/close      {"reason"}: withdrawn, a duplicate…
    GET   /staff/api/tickets/export          ?format=csv|json&status=&from=&to= as hotline work orders

Every change is audited. Dates are China dates (from inclusive, to inclusive).
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
from collections.abc import Callable
from datetime import datetime, timezone

import httpx
from sanic import Blueprint, Request, response
from sanic.response import HTTPResponse

from bot import handoff, tickets
from bot.catalogue import SERVICE_CODES, load_catalogue
from bot.db import as_utc
from bot.periods import Period, PeriodError
from bot.rasa_api import RasaAPI
from bot.staff.audit import AuditLog
from bot.staff.sessions import StaffSession
from console.answers import NO_STORE, json_fields, loaded_by, private_json, refusal, text_field

EXPORT_NAME = "banshi-work-orders"


def date_range(request: Request) -> tuple[datetime | None, datetime | None]:
    """The `from`/`to` China dates of the query as UTC instants, or no bound without either.
    Raises PeriodError (a ValueError whose message is for the page) on a bad date or range."""
    first, last = request.args.get("from"), request.args.get("to")
    if not (first or last):
        return None, None
    period = Period.parse(first, last)
    return period.since, period.until


def summary(ticket: tickets.WorkTicket, now: datetime) -> dict:
    item = load_catalogue().get(ticket.service_item or "")
    return {
        "id": ticket.id,
        "number": ticket.number,
        "created_at": as_utc(ticket.created_at).isoformat(),
        "source": tickets.SOURCES.get(ticket.source, ticket.source),
        "kind": tickets.KINDS.get(ticket.kind, ticket.kind),
        "category": ticket.category,
        "category_name": tickets.CATEGORIES.get(ticket.category, ticket.category),
        "service": item.title if item else None,
        "department": ticket.department,
        "description": ticket.description,
        "status": ticket.status,
        "status_name": tickets.STATUSES.get(ticket.status, ticket.status),
        "contact_due": as_utc(ticket.contact_due).isoformat(),
        "solution_due": as_utc(ticket.solution_due).isoformat(),
        "final_due": as_utc(ticket.final_due).isoformat(),
        "overdue": ticket.overdue(now),
        "resolution": ticket.resolution,
        "handled_by": ticket.handled_by,
        "in_chat": ticket.sender_id is not None,
    }


def work_orders_csv(rows: list[dict[str, str]]) -> str:
    """CSV with a BOM, so that Excel on a Chinese Windows desktop opens it in UTF-8."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=tickets.WORK_ORDER_FIELDS, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return "\ufeff" + out.getvalue()


def build_blueprint(staff, audit: AuditLog, rasa: RasaAPI) -> Blueprint:  # noqa: ANN001
    """`staff(*roles)`: console/staff.py's guard (session, role, CSRF)."""
    bp = Blueprint("tickets", url_prefix="/staff/api/tickets")

    one_ticket = loaded_by(tickets.get, "没有这张工单。")

    async def audited(
        request: Request, session: StaffSession, action: str, ticket: tickets.WorkTicket, detail: dict
    ) -> None:
        await asyncio.to_thread(audit.record, session.user.username, action, ticket.number, detail, request.ip or "")

    async def listed(request: Request) -> list[tickets.WorkTicket] | HTTPResponse:
        try:
            since, until = date_range(request)
        except PeriodError as problem:
            return refusal(400, "invalid_dates", str(problem))
        status = request.args.get("status") or None
        if status and status not in tickets.STATUSES:
            return refusal(400, "invalid_status", "没有这个工单状态。")
        return await asyncio.to_thread(tickets.listing, status, since, until)

    @bp.get("/")
    @staff("agent", "supervisor")
    async def index(request: Request, _session: StaffSession) -> HTTPResponse:
        rows = await listed(request)
        if isinstance(rows, HTTPResponse):
            return rows
        now = datetime.now(timezone.utc)
        return private_json(
            {
                "tickets": [summary(t, now) for t in rows],
                "categories": tickets.CATEGORIES,
                "kinds": tickets.KINDS,
                "statuses": tickets.STATUSES,
                "services": {code: load_catalogue()[code].title for code in SERVICE_CODES if code in load_catalogue()},
            }
        )

    @bp.get("/export")
    @staff("agent", "supervisor")
    async def export(request: Request, session: StaffSession) -> HTTPResponse:
        rows = await listed(request)
        if isinstance(rows, HTTPResponse):
            return rows
        now = datetime.now(timezone.utc)
        orders = [tickets.work_order(t, now) for t in rows]
        kind = request.args.get("format", "csv")
        await asyncio.to_thread(
            audit.record, session.user.username, "ticket_export", kind, {"count": len(orders)}, request.ip or ""
        )
        attachment = {
            "Content-Disposition": f'attachment; filename="{EXPORT_NAME}.{"json" if kind == "json" else "csv"}"'
        }
        if kind == "json":
            body = json.dumps({"work_orders": orders}, ensure_ascii=False, indent=1)
            return response.text(
                body, content_type="application/json; charset=utf-8", headers={**NO_STORE, **attachment}
            )
        return response.text(
            work_orders_csv(orders), content_type="text/csv; charset=utf-8", headers={**NO_STORE, **attachment}
        )

    @bp.post("/")
    @staff("agent", "supervisor")
    async def create(request: Request, session: StaffSession) -> HTTPResponse:
        fields = json_fields(request)
        text = text_field(request, "description", tickets.MAX_TEXT)
        if text is None:
            return refusal(422, "invalid", f"请填写诉求内容（不超过{tickets.MAX_TEXT}字）。")
        item = fields.get("service_item") or None
        if item is not None and item not in SERVICE_CODES:
            return refusal(422, "invalid", "没有这个事项。")
        linked = None
        if fields.get("handoff_id") is not None:
            handoff_id = str(fields["handoff_id"])
            linked = await asyncio.to_thread(handoff.get, int(handoff_id)) if handoff_id.isdigit() else None
            if linked is None:
                return refusal(404, "not_found", "没有这条转人工记录。")
        ticket = await asyncio.to_thread(
            lambda: tickets.open_ticket(
                text,
                source="workspace" if linked else "call",
                channel=linked.channel if linked else "phone",
                sender_id=linked.sender_id if linked else None,
                service_item=item or (linked.service_item if linked else None),
                kind=fields.get("kind"),
                category=fields.get("category"),
                created_by=session.user.username,
                handoff_id=linked.id if linked else None,
            )
        )
        await audited(request, session, "ticket_open", ticket, {"category": ticket.category, "kind": ticket.kind})
        return private_json({"ticket": summary(ticket, datetime.now(timezone.utc))}, status=201)

    async def step(
        request: Request,
        session: StaffSession,
        action: str,
        change: Callable[[], tickets.WorkTicket],
        detail: Callable[[tickets.WorkTicket], dict] = lambda ticket: {"chars": len(ticket.resolution or "")},
    ) -> tickets.WorkTicket | HTTPResponse:
        """A change of the ticket, audited; refused politely when its state does not allow it."""
        try:
            ticket = await asyncio.to_thread(change)
        except tickets.TicketError as refused:
            return refusal(409, "invalid", str(refused))
        await audited(request, session, action, ticket, detail(ticket))
        return ticket

    def answer(ticket: tickets.WorkTicket, **more: object) -> HTTPResponse:
        return private_json({"ticket": summary(ticket, datetime.now(timezone.utc)), **more})

    @bp.patch("/<row_id:int>")
    @staff("agent", "supervisor")
    @one_ticket
    async def recategorise(request: Request, session: StaffSession, row: tickets.WorkTicket) -> HTTPResponse:
        fields = json_fields(request)
        category, department = str(fields.get("category") or ""), str(fields.get("department") or "").strip() or None
        ticket = await step(
            request,
            session,
            "ticket_update",
            lambda: tickets.recategorise(row.id, category, department),
            lambda ticket: {"category": ticket.category, "department": ticket.department},
        )
        return ticket if isinstance(ticket, HTTPResponse) else answer(ticket)

    @bp.post("/<row_id:int>/contacted")
    @staff("agent", "supervisor")
    @one_ticket
    async def contacted(request: Request, session: StaffSession, row: tickets.WorkTicket) -> HTTPResponse:
        ticket = await step(
            request, session, "ticket_contacted", lambda: tickets.mark_contacted(row.id, session.user.username)
        )
        return ticket if isinstance(ticket, HTTPResponse) else answer(ticket)

    @bp.post("/<row_id:int>/solve")
    @staff("agent", "supervisor")
    @one_ticket
    async def solve(request: Request, session: StaffSession, row: tickets.WorkTicket) -> HTTPResponse:
        result = str(json_fields(request).get("resolution") or "")
        ticket = await step(
            request, session, "ticket_solve", lambda: tickets.solve(row.id, session.user.username, result)
        )
        if isinstance(ticket, HTTPResponse):
            return ticket
        told = False
        if ticket.sender_id:
            try:
                await rasa.offer_rating(ticket.sender_id, f"ticket:{ticket.id}")
                told = True  # on socket.io the messages go to the room, not into the answer
            except httpx.HTTPError:
                told = False  # the citizen still sees it when they ask in the chat
        return answer(ticket, told=told)

    @bp.post("/<row_id:int>/close")
    @staff("agent", "supervisor")
    @one_ticket
    async def close(request: Request, session: StaffSession, row: tickets.WorkTicket) -> HTTPResponse:
        reason = str(json_fields(request).get("reason") or "")
        ticket = await step(
            request, session, "ticket_close", lambda: tickets.close(row.id, session.user.username, reason)
        )
        return ticket if isinstance(ticket, HTTPResponse) else answer(ticket)

    return bp

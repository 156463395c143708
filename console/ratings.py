"""好差评 in the staff web app (/staff/api/ratings…), for supervisors: the ratings, and the
follow-up of each 差评 — the 回访 within 1 working day, the 整改 result within 15, which the
citizen is told in their chat with the invitation to rate again.

    GET   /staff/api/ratings                 ?from=&to=  newest first
    GET   /staff/api/ratings/follow-ups      ?state=open|visited|rectified  oldest first
    POST  /staff/api/ratings/<id>/visit      {"note"}: the citizen was called back
    POST  /staff/api/ratings/<id>/rectify    {"result"}: told in the citizen's chat
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timezone

import httpx
from sanic import Blueprint, Request
from sanic.response import HTTPResponse

from bot import ratings
from bot.catalogue import load_catalogue
from bot.db import as_utc
from bot.periods import PeriodError
from bot.rasa_api import RasaAPI
from bot.staff.audit import AuditLog
from bot.staff.sessions import StaffSession
from console.answers import json_fields, loaded_by, private_json, refusal
from console.tickets import date_range


def _iso(moment: datetime | None) -> str | None:
    return as_utc(moment).isoformat() if moment else None


def summary(rating: ratings.Rating, now: datetime) -> dict:
    item = load_catalogue().get(rating.service_item or "")
    return {
        "id": rating.id,
        "created_at": _iso(rating.created_at),
        "level": rating.level,
        "level_name": rating.level_name,
        "target": ratings.TARGETS.get(rating.target_kind, rating.target_kind),
        "target_key": rating.target.partition(":")[2],
        "service": item.title if item else None,
        "department": rating.department,
        "reasons": list(rating.reasons or []),
        "comment": rating.comment,
        "follow_up": rating.follow_up,
        "follow_up_name": ratings.FOLLOW_UPS.get(rating.follow_up or "", ""),
        "visit_due": _iso(rating.visit_due),
        "rectify_due": _iso(rating.rectify_due),
        "visit_note": rating.visit_note,
        "rectification": rating.rectification,
        "overdue": rating.overdue(now),
        "rerating": rating.replaces_id is not None,
    }


def build_blueprint(staff, audit: AuditLog, rasa: RasaAPI) -> Blueprint:  # noqa: ANN001
    """`staff(*roles)`: console/staff.py's guard (session, role, CSRF)."""
    bp = Blueprint("ratings", url_prefix="/staff/api/ratings")

    one_rating = loaded_by(ratings.get, "没有这条差评。", lambda rating: rating.bad)

    @bp.get("/")
    @staff("supervisor")
    async def index(request: Request, _session: StaffSession) -> HTTPResponse:
        try:
            since, until = date_range(request)
        except PeriodError as problem:
            return refusal(400, "invalid_dates", str(problem))
        rows = await asyncio.to_thread(ratings.listing, since, until)
        now = datetime.now(timezone.utc)
        return private_json({"ratings": [summary(r, now) for r in rows], "levels": ratings.LEVELS})

    @bp.get("/follow-ups")
    @staff("supervisor")
    async def follow_ups(request: Request, _session: StaffSession) -> HTTPResponse:
        state = request.args.get("state") or None
        if state and state not in ratings.FOLLOW_UPS:
            return refusal(400, "invalid_state", "没有这个回访状态。")
        rows = await asyncio.to_thread(ratings.follow_ups, state)
        now = datetime.now(timezone.utc)
        return private_json({"follow_ups": [summary(r, now) for r in rows], "states": ratings.FOLLOW_UPS})

    async def follow(
        request: Request,
        session: StaffSession,
        row: ratings.Rating,
        action: str,
        step,
        text_name: str,  # noqa: ANN001
    ) -> ratings.Rating | HTTPResponse:
        text = str(json_fields(request).get(text_name) or "")
        try:
            rating = await asyncio.to_thread(step, row.id, session.user.username, text)
        except ratings.RatingError as refused:
            return refusal(409, "invalid", str(refused))
        await asyncio.to_thread(
            audit.record, session.user.username, action, f"rating:{rating.id}", {"chars": len(text)}, request.ip or ""
        )
        return rating

    @bp.post("/<row_id:int>/visit")
    @staff("supervisor")
    @one_rating
    async def visit(request: Request, session: StaffSession, row: ratings.Rating) -> HTTPResponse:
        rating = await follow(request, session, row, "rating_visit", ratings.record_visit, "note")
        if isinstance(rating, HTTPResponse):
            return rating
        return private_json({"rating": summary(rating, datetime.now(timezone.utc))})

    @bp.post("/<row_id:int>/rectify")
    @staff("supervisor")
    @one_rating
    async def rectify(request: Request, session: StaffSession, row: ratings.Rating) -> HTTPResponse:
        rating = await follow(request, session, row, "rating_rectify", ratings.record_rectification, "result")
        if isinstance(rating, HTTPResponse):
            return rating
        try:
            await rasa.offer_rating(rating.sender_id, f"rectified:{rating.id}")
            told = True  # on socket.io the messages go to the room, not into the answer
        except httpx.HTTPError:
            told = False
        return private_json({"rating": summary(rating, datetime.now(timezone.utc)), "told": told})

    return bp

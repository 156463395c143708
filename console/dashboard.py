"""The supervisors' dashboard of the staff web app (/staff/api/dashboard), for supervisors (and
administrators, who hold every role).

    GET /staff/api/dashboard?from=2026-12-01&to=2026-12-07
        → 200 the figures of bot/staff/metrics.py for those China dates (both included; by
          default the week ending today), with the 转人工 targets they are measured against
        → 400 {"error": "bad_period", "message": …} for a date it cannot read, a start after the
          end, or more than metrics.MAX_DAYS days

Reading figures changes nothing, so it is not in the audit log (a refused try is, by the guard).
"""

from __future__ import annotations

import asyncio

from sanic import Blueprint, Request
from sanic.response import HTTPResponse

from bot.staff import metrics
from bot.staff.sessions import StaffSession
from console.answers import private_json, refusal


def build_blueprint(staff) -> Blueprint:  # noqa: ANN001
    """`staff(*roles)`: console/staff.py's guard (session, role, CSRF)."""
    bp = Blueprint("dashboard", url_prefix="/staff/api/dashboard")

    @bp.get("/")
    @staff("supervisor")
    async def figures(request: Request, _session: StaffSession) -> HTTPResponse:
        try:
            period = metrics.Period.parse(request.args.get("from"), request.args.get("to"))
        except metrics.PeriodError as problem:
            return refusal(400, "bad_period", str(problem))
        return private_json(await asyncio.to_thread(metrics.dashboard, period))

    return bp

"""The staff web app's API on the console (/staff/api/…): login, the session, accounts, audit.

    POST  /staff/api/login          {"username", "password"} → 200 {"user", "csrf_token"} + cookie
    POST  /staff/api/logout         → 200 {}
    GET   /staff/api/me             → 200 {"user", "csrf_token", "idle_minutes"}
    GET   /staff/api/users          (admin) → 200 {"users": [...], "roles": {...}}
    POST  /staff/api/users          (admin) {"username", "display_name", "password", "roles"}
    PATCH /staff/api/users/<id>     (admin) {"roles"?, "active"?, "password"?}
    GET   /staff/api/audit          (admin, supervisor) ?username=&action=&limit=
    …/staff/api/handoffs            (agent, supervisor) the handoff inbox: console/handoffs.py
    …/staff/api/assist              (agent, supervisor) agent assist for calls: console/assist.py
    …/staff/api/tickets             (agent, supervisor) 办不成事 tickets: console/tickets.py
    …/staff/api/ratings             (supervisor) 好差评 and their follow-ups: console/ratings.py
    GET   /staff/api/dashboard      (supervisor) the dashboard's figures: console/dashboard.py
    …/staff/api/kb, /revisions      (editor, reviewer) the editors' workbench: console/knowledge.py

Nothing here answers without a session of the right role (401 without one, 403 with the wrong
role). A request that changes anything must carry the session's CSRF token in X-CSRF-Token,
and a browser's Origin, when sent, must be the console's own; the cookie is HttpOnly, Secure and
SameSite=Strict besides. Every act, refused logins included, goes to the audit log.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from functools import wraps
from urllib.parse import urlsplit

from sanic import Blueprint, Request
from sanic.response import HTTPResponse

from bot.editing.workbench import Workbench
from bot.rasa_api import RasaAPI
from bot.settings import settings
from bot.staff.accounts import ROLES, AccountError, LoginRefused, StaffAccounts
from bot.staff.audit import AuditLog
from bot.staff.sessions import StaffSession, StaffSessions
from channels.rate import MessageRate
from console import assist, dashboard, handoffs, knowledge, ratings, tickets, unanswered, wording
from console.answers import private_json, refusal

COOKIE = "__Host-banshi_staff"
CSRF_HEADER = "X-CSRF-Token"
MAX_BODY = 16 * 1024

Handler = Callable[..., Awaitable[HTTPResponse]]


def _body(request: Request) -> dict:
    if len(request.body or b"") > MAX_BODY:
        raise ValueError("too large")
    body = json.loads(request.body or b"{}")
    if not isinstance(body, dict):
        raise ValueError("not an object")
    return body


def build_blueprints(own_origins: frozenset[str], rasa: RasaAPI, workbench: Workbench) -> list[Blueprint]:
    """The staff API and the handoff inbox, behind one guard. `own_origins`: the console's
    configured origins (its pages); `rasa`: Rasa's HTTP API, for the inbox; `workbench`: the
    knowledge base's editorial operations."""
    bp = Blueprint("staff", url_prefix="/staff/api")
    accounts, audit = StaffAccounts(), AuditLog()
    sessions = StaffSessions.for_settings()
    login_rate = MessageRate(limit=settings.staff_logins_per_minute)

    def foreign(request: Request) -> bool:
        """A browser's request from another site: its Origin is neither one of the console's
        configured origins nor the host it was sent to (which the browser, not a page, sets)."""
        origin = (request.headers.get("origin") or "").rstrip("/")
        if not origin or origin in own_origins:
            return False
        return urlsplit(origin).netloc != (request.headers.get("host") or "")

    def staff(*roles: str) -> Callable[[Handler], Handler]:
        """The route needs a live session (and one of `roles`, when named); its unsafe methods
        need the CSRF token and no foreign Origin."""

        def wrap(handler: Handler) -> Handler:
            @wraps(handler)
            async def guarded(request: Request, *args, **kwargs) -> HTTPResponse:  # noqa: ANN002, ANN003
                session = await asyncio.to_thread(sessions.resolve, request.cookies.get(COOKIE))
                if session is None:
                    return refusal(401, "login_required", "请先登录；长时间未操作会自动退出。")
                if request.method not in ("GET", "HEAD") and (
                    foreign(request) or not session.csrf_matches(request.headers.get(CSRF_HEADER))
                ):
                    return refusal(403, "csrf", "请求来源无法确认，请刷新页面后重试。")
                if roles and not session.user.has(*roles):
                    await asyncio.to_thread(
                        audit.record, session.user.username, "forbidden", request.path, {}, request.ip or ""
                    )
                    return refusal(403, "forbidden", "您的账号没有这项权限。")
                return await handler(request, session, *args, **kwargs)

            return guarded

        return wrap

    @bp.post("/login")
    async def login(request: Request) -> HTTPResponse:
        client = request.ip or ""
        if foreign(request):
            return refusal(403, "csrf", "请求来源无法确认，请从工作台页面登录。")
        if not login_rate.allow(client):
            return refusal(429, "too_many_attempts", "尝试次数过多，请一分钟后再试。")
        try:
            body = _body(request)
            username, password = str(body["username"]), str(body["password"])
        except (ValueError, KeyError):
            return refusal(400, "bad_request", "请输入用户名和密码。")
        try:
            user = await asyncio.to_thread(accounts.authenticate, username, password)
        except LoginRefused as refused:
            detail = {"locked": refused.locked}
            await asyncio.to_thread(audit.record, username[:32], "login_refused", None, detail, client)
            if refused.locked:
                return refusal(423, "locked", "密码错误次数过多，账号已暂时锁定，请15分钟后再试或联系管理员。")
            return refusal(401, "login_failed", "用户名或密码不正确。")
        token, session = await asyncio.to_thread(sessions.start, user)
        await asyncio.to_thread(audit.record, user.username, "login", None, {}, client)
        answer = private_json({"user": user.as_json(), "csrf_token": session.csrf_token})
        answer.add_cookie(COOKIE, token, path="/", httponly=True, secure=True, samesite="Strict", host_prefix=False)
        return answer

    @bp.post("/logout")
    @staff()
    async def logout(request: Request, session: StaffSession) -> HTTPResponse:
        await asyncio.to_thread(sessions.end, session.token_hash)
        await asyncio.to_thread(audit.record, session.user.username, "logout", None, {}, request.ip or "")
        answer = private_json({})
        answer.delete_cookie(COOKIE, path="/", host_prefix=False)
        return answer

    @bp.get("/me")
    @staff()
    async def me(_request: Request, session: StaffSession) -> HTTPResponse:
        return private_json(
            {
                "user": session.user.as_json(),
                "csrf_token": session.csrf_token,
                "idle_minutes": settings.staff_idle_minutes,
            }
        )

    @bp.get("/users")
    @staff("admin")
    async def users(_request: Request, _session: StaffSession) -> HTTPResponse:
        found = await asyncio.to_thread(accounts.all)
        return private_json({"users": [u.as_json() for u in found], "roles": ROLES})

    @bp.post("/users")
    @staff("admin")
    async def add_user(request: Request, session: StaffSession) -> HTTPResponse:
        try:
            body = _body(request)
            roles = body.get("roles")
            if not isinstance(roles, list):
                raise AccountError("请至少选择一个角色。")
            user = await asyncio.to_thread(
                accounts.add,
                str(body.get("username") or ""),
                str(body.get("display_name") or ""),
                str(body.get("password") or ""),
                [str(r) for r in roles],
            )
        except AccountError as problem:
            return refusal(422, "invalid", str(problem))
        except ValueError:
            return refusal(400, "bad_request", "请求格式不正确。")
        detail = {"roles": list(user.roles)}
        await asyncio.to_thread(
            audit.record, session.user.username, "user_add", user.username, detail, request.ip or ""
        )
        return private_json({"user": user.as_json()}, 201)

    @bp.patch("/users/<user_id:int>")
    @staff("admin")
    async def update_user(request: Request, session: StaffSession, user_id: int) -> HTTPResponse:
        try:
            body = _body(request)
            roles, active, password = body.get("roles"), body.get("active"), body.get("password")
            if roles is not None and not isinstance(roles, list) or active is not None and not isinstance(active, bool):
                raise ValueError("types")
            user = await asyncio.to_thread(
                accounts.update,
                user_id,
                [str(r) for r in roles] if roles is not None else None,
                active,
                str(password) if password is not None else None,
            )
        except AccountError as problem:
            return refusal(422, "invalid", str(problem))
        except ValueError:
            return refusal(400, "bad_request", "请求格式不正确。")
        if password is not None or active is False:
            await asyncio.to_thread(sessions.end_all, user.id)
        detail = {k: v for k, v in (("roles", roles), ("active", active)) if v is not None}
        if password is not None:
            detail["password"] = "reset"
        await asyncio.to_thread(
            audit.record, session.user.username, "user_update", user.username, detail, request.ip or ""
        )
        return private_json({"user": user.as_json()})

    @bp.get("/audit")
    @staff("supervisor")
    async def audit_log(request: Request, _session: StaffSession) -> HTTPResponse:
        limit = request.args.get("limit", "200")
        entries = await asyncio.to_thread(
            audit.entries,
            request.args.get("username") or None,
            request.args.get("action") or None,
            int(limit) if limit.isdigit() else 200,
        )
        return private_json({"entries": [e.as_json() for e in entries]})

    return [
        bp,
        handoffs.build_blueprint(staff, audit, rasa),
        tickets.build_blueprint(staff, audit, rasa),
        ratings.build_blueprint(staff, audit, rasa),
        dashboard.build_blueprint(staff),
        *assist.build_blueprints(staff, audit, rasa),
        knowledge.build_blueprint(staff, audit, workbench),
        unanswered.build_blueprint(staff, audit, workbench),
        wording.build_blueprint(staff, audit, workbench),
    ]

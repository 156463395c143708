"""`create_app`: the portal as a Sanic app, with its database, seed data and simulator."""

from __future__ import annotations

import asyncio
import logging
import re
from types import SimpleNamespace

from sanic import Request, Sanic
from sanic.exceptions import SanicException
from sanic.response import HTTPResponse

from bot.objectstore import open_store
from bot.settings import settings
from portal.api import build_blueprint, catalogue_out, send_error
from portal.config import PortalConfig
from portal.db import Database
from portal.errors import ApiError
from portal.notices import NoticeDispatcher
from portal.openapi import build_openapi
from portal.seed import seed
from portal.simulator import Simulator

log = logging.getLogger("portal")

_SANIC_ERRORS = {
    400: ("bad_request", "请求格式不正确，请检查后重试。"),
    404: ("not_found", "没有这个接口地址，请参阅 /openapi.json。"),
    405: ("method_not_allowed", "该接口不支持这种请求方式，请参阅 /openapi.json。"),
    408: ("request_timeout", "请求超时，请稍后重试。"),
    413: ("payload_too_large", "请求内容过大，单次请求不能超过64KB。"),
    414: ("uri_too_long", "请求地址过长。"),
    431: ("headers_too_large", "请求头过大。"),
    503: ("unavailable", "系统繁忙，请稍后再试。"),
}


def _allowed_methods(document: dict | None, path: str) -> list[str]:
    """Methods the OpenAPI document lists for `path` (Sanic leaves them out for dynamic routes)."""
    for template, operations in (document or {}).get("paths", {}).items():
        if re.fullmatch(re.sub(r"\{[^}]+\}", "[^/]+", template), path):
            return list(operations)
    return []


def create_app(
    db_url: str | None = None,
    *,
    dev: bool | None = None,
    tick_seconds: float | None = None,
    name: str = "banshi_portal",
) -> Sanic:
    """The portal app. Arguments override the environment (BANSHI_PORTAL_*)."""
    config = PortalConfig.from_env(db_url=db_url, dev=dev, tick_seconds=tick_seconds)
    app = Sanic(name)
    app.config.REQUEST_MAX_SIZE = config.max_body_bytes
    app.config.FALLBACK_ERROR_FORMAT = "json"
    app.ctx = SimpleNamespace(  # type: ignore[assignment]
        config=config, db=None, store=None, catalogue=None, openapi=None, simulator_task=None, notice_task=None
    )
    app.blueprint(build_blueprint(config.dev))

    @app.before_server_start
    async def start(app: Sanic) -> None:
        app.ctx.db = Database(config.db_url)
        app.ctx.store = await asyncio.to_thread(open_store, config.objects_url)
        await asyncio.to_thread(seed, app.ctx.db)
        app.ctx.catalogue = catalogue_out(app.ctx)
        app.ctx.openapi = build_openapi(config.dev)
        if config.dev:
            log.warning("开发模式（BANSHI_PORTAL_DEV=1）：/dev/sms 会返回验证码，切勿用于生产")
        if config.tick_seconds > 0:
            app.ctx.simulator_task = asyncio.create_task(Simulator(app.ctx.db, config).run())
        if config.notice_interval_seconds > 0:
            app.ctx.notice_task = asyncio.create_task(NoticeDispatcher(app.ctx.db, config).run())

    @app.after_server_stop
    async def stop(app: Sanic) -> None:
        for task in (app.ctx.simulator_task, app.ctx.notice_task):
            if task:
                task.cancel()
        if app.ctx.db:
            app.ctx.db.dispose()

    @app.exception(Exception)
    async def on_error(request: Request, exc: Exception) -> HTTPResponse:
        if isinstance(exc, ApiError):
            return send_error(exc)
        if isinstance(exc, SanicException) and 400 <= exc.status_code < 500 or getattr(exc, "status_code", 0) == 503:
            code, message = _SANIC_ERRORS.get(exc.status_code, ("bad_request", "请求无法处理，请检查后重试。"))
            headers = dict(getattr(exc, "headers", {}) or {})
            if exc.status_code == 405 and "Allow" not in headers:
                allowed = getattr(exc, "allowed_methods", None) or _allowed_methods(app.ctx.openapi, request.path)
                headers["Allow"] = ", ".join(sorted(m.upper() for m in allowed))
            return send_error(ApiError(exc.status_code, code, message, headers=headers))
        log.exception("未处理的错误：%s %s", request.method, request.path)
        return send_error(
            ApiError(500, "internal_error", f"系统繁忙，请稍后再试；如多次出现，请拨打{settings.hotline}反映。")
        )

    return app

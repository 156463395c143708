"""Sanic app of the console. It serves the web chat widget, its host page and the guides; the
chat itself goes from the browser straight to the Rasa server over socket.io."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import quote, unquote

from sanic import Sanic, response
from sanic.request import Request

from bot.settings import settings
from console.guides import guide_code_for_title, render_guide

HERE = Path(__file__).resolve().parent
STATIC = HERE / "static"
SOCKET_IO_CLIENT = HERE / "node_modules" / "socket.io-client" / "dist" / "socket.io.min.js"
NOT_FOUND_PAGE = "<!doctype html><meta charset='utf-8'><p>抱歉，没有找到这份办事指南。</p>"

# The widget is embedded in other sites' pages: its script must be loadable cross-origin.
CROSS_ORIGIN = {"Access-Control-Allow-Origin": "*", "Cache-Control": "no-cache"}


SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    # the console's own pages are never framed; the widget is a script, not a frame
    "Content-Security-Policy": "frame-ancestors 'self'",
}


def create_app(rasa_url: str | None = None, origin: str | None = None) -> Sanic:
    """`origin`: how the console's pages name themselves (the embed snippet); configured, never
    taken from the request's Host header, which a client chooses."""
    app = Sanic("banshi_console")
    own_origin = (origin or f"http://localhost:{settings.console_port}").rstrip("/")
    widget_config = json.dumps({"rasaUrl": rasa_url or settings.rasa_public_url, "hotline": settings.hotline})
    page = (STATIC / "index.html").read_text(encoding="utf-8")
    widget_code = (STATIC / "widget.js").read_text(encoding="utf-8").replace("__BANSHI_CONFIG__", widget_config)

    @app.get("/")
    async def index(_request: Request) -> response.HTTPResponse:
        return response.html(page.replace("__CONSOLE_ORIGIN__", own_origin))

    @app.get("/widget.js")
    async def widget(_request: Request) -> response.HTTPResponse:
        return response.text(widget_code, content_type="application/javascript; charset=utf-8", headers=CROSS_ORIGIN)

    @app.get("/vendor/socket.io.min.js")
    async def socket_io(_request: Request) -> response.HTTPResponse:
        return await response.file(SOCKET_IO_CLIENT, mime_type="application/javascript", headers=CROSS_ORIGIN)

    @app.get("/guides/<code:str>")
    async def guide(_request: Request, code: str) -> response.HTTPResponse:
        page = render_guide(code)
        return response.html(page) if page else response.html(NOT_FOUND_PAGE, status=404)

    @app.get("/guides/by-title/<title:str>")
    async def guide_by_title(_request: Request, title: str) -> response.HTTPResponse:
        code = guide_code_for_title(unquote(title))
        if code is None:
            return response.html(NOT_FOUND_PAGE, status=404)
        return response.redirect(f"/guides/{quote(code)}")

    @app.on_response
    async def security_headers(_request: Request, answer: response.HTTPResponse) -> None:
        for name, value in SECURITY_HEADERS.items():
            answer.headers.setdefault(name, value)

    @app.get("/health")
    async def health(_request: Request) -> response.HTTPResponse:
        return response.json({"status": "ok"})

    return app

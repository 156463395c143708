"""Sanic app of the console. It serves the web chat widget, its host page and the guides, and
issues the widget's chat sessions; the chat itself goes from the browser to the Rasa server over
socket.io, with the session token as its credential."""

from __future__ import annotations

import asyncio
import json
import logging
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

from sanic import Sanic, response
from sanic.request import Request

from bot.editing.workbench import Workbench
from bot.identity import web_session
from bot.knowledge.index import WriterBusy
from bot.notices.notifier import Notifier
from bot.rasa_api import RasaAPI
from bot.settings import secret, settings
from bot.staff.audit import AuditLog
from console import notices, staff
from console.guides import guide_code_for_title, render_document_titled, render_guide

HERE = Path(__file__).resolve().parent
STATIC = HERE / "static"
SOCKET_IO_CLIENT = HERE / "node_modules" / "socket.io-client" / "dist" / "socket.io.min.js"
CHART_LIBRARY = HERE / "node_modules" / "echarts" / "dist" / "echarts.min.js"
NOT_FOUND_PAGE = "<!doctype html><meta charset='utf-8'><p>抱歉，没有找到这份办事指南。</p>"

# The widget is embedded in other sites' pages: its script must be loadable cross-origin.
CROSS_ORIGIN = {"Access-Control-Allow-Origin": "*", "Cache-Control": "no-cache"}


def security_headers(rasa_url: str) -> dict[str, str]:
    """Headers of every answer. The policy lets the console's pages run only their own scripts
    and talk only to themselves and to Rasa's socket.io; they are never framed by another
    site (the widget on other sites is a script, governed by their policy, not ours). Styles
    may be inline: the page's own and the widget's shadow-root sheet."""
    rasa = urlsplit(rasa_url)
    socket = ("wss" if rasa.scheme == "https" else "ws") + "://" + rasa.netloc
    policy = (
        "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
        f"connect-src 'self' {rasa.scheme}://{rasa.netloc} {socket}; "
        "base-uri 'none'; form-action 'none'; frame-ancestors 'self'"
    )
    return {"X-Content-Type-Options": "nosniff", "Referrer-Policy": "same-origin", "Content-Security-Policy": policy}


def _session_cors(request: Request, origins: frozenset[str]) -> dict[str, str]:
    """CORS for the session route: only the pages allowed to embed the widget may read a token."""
    origin = (request.headers.get("origin") or "").rstrip("/")
    return {"Access-Control-Allow-Origin": origin, "Vary": "Origin"} if origin in origins else {"Vary": "Origin"}


SCHEDULE_SECONDS = 60
"""How often the knowledge base's dates are looked at: approved revisions due to take effect
are published, expired units marked (the retriever itself stops quoting them at midnight)."""
log = logging.getLogger(__name__)


async def run_schedule(workbench: Workbench, audit: AuditLog) -> None:
    while True:
        try:
            done = await asyncio.to_thread(workbench.run_schedule)
            for item in done["published"]:
                await asyncio.to_thread(audit.record, "system", "kb_publish_scheduled", item["target"], item)
            for item in done["expired"]:
                await asyncio.to_thread(audit.record, "system", "kb_expired", item["source"], item)
        except WriterBusy:
            pass  # an import is running: the next round catches up
        except Exception:  # the schedule must outlive a database hiccup
            log.exception("the knowledge base's schedule failed")
        await asyncio.sleep(SCHEDULE_SECONDS)


def create_app(
    rasa_url: str | None = None,
    origin: str | None = None,
    session_key: str | None = None,
    notifier: Notifier | None = None,
) -> Sanic:
    """`origin`: how the console's pages name themselves (the embed snippet); configured, never
    taken from the request's Host header, which a client chooses. `notifier`: the case-notice
    intake and pushes (bot/notices), run in this process."""
    app = Sanic("banshi_console")
    key = session_key or web_session.session_key()
    headers = security_headers(rasa_url or settings.rasa_public_url)
    origins = frozenset(settings.widget_origins)
    own_origin = (origin or f"http://localhost:{settings.console_port}").rstrip("/")
    widget_config = json.dumps(
        {
            "rasaUrl": rasa_url or settings.rasa_public_url,
            "hotline": settings.hotline,
            "maxUploadMb": settings.max_upload_bytes // (1024 * 1024),
        }
    )
    notifier = notifier or Notifier.from_settings()
    app.blueprint(
        notices.build_blueprint(notifier, secret("notice_secret"), key, lambda request: _session_cors(request, origins))
    )

    @app.before_server_start
    async def start_notifier(app: Sanic) -> None:
        app.ctx.notifier_task = asyncio.create_task(notifier.run())

    @app.after_server_stop
    async def stop_notifier(app: Sanic) -> None:
        app.ctx.notifier_task.cancel()
        await notifier.close()
        await rasa.close()

    own_origins = frozenset(
        {own_origin, f"http://localhost:{settings.console_port}", f"http://127.0.0.1:{settings.console_port}"}
        | {settings.public_url}
    )
    rasa = RasaAPI()
    workbench = Workbench()
    for blueprint in staff.build_blueprints(own_origins, rasa, workbench):
        app.blueprint(blueprint)

    @app.before_server_start
    async def start_schedule(app: Sanic) -> None:
        app.ctx.schedule_task = asyncio.create_task(run_schedule(workbench, AuditLog()))

    @app.after_server_stop
    async def stop_schedule(app: Sanic) -> None:
        app.ctx.schedule_task.cancel()

    @app.get("/staff/")
    async def staff_app(_request: Request) -> response.HTTPResponse:
        return await response.file(STATIC / "staff" / "index.html", headers={"Cache-Control": "no-store"})

    @app.get(r"/staff/<name:[a-z][a-z-]*\.(?:js|css)>")
    async def staff_asset(_request: Request, name: str) -> response.HTTPResponse:
        asset = STATIC / "staff" / name  # the pattern admits no path: only files of that folder
        if not asset.is_file():
            return response.text("not found", status=404)
        return await response.file(asset, headers={"Cache-Control": "no-cache"})

    @app.get("/staff/vendor/echarts.min.js")
    async def chart_library(_request: Request) -> response.HTTPResponse:
        return await response.file(
            CHART_LIBRARY, mime_type="application/javascript", headers={"Cache-Control": "no-cache"}
        )

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

    @app.post("/chat/session")
    async def chat_session(request: Request) -> response.HTTPResponse:
        """A new conversation: a signed token for a fresh subject (never one the client names)."""
        issued = web_session.issue(key)
        body = {"token": issued.token, "expires_at": issued.expires_at.isoformat()}
        headers = {"Cache-Control": "no-store", **_session_cors(request, origins)}
        return response.json(body, headers=headers)

    @app.get("/guides/<code:str>")
    async def guide(_request: Request, code: str) -> response.HTTPResponse:
        page = await asyncio.to_thread(render_guide, code)
        return response.html(page) if page else response.html(NOT_FOUND_PAGE, status=404)

    @app.get("/guides/by-title/<title:str>")
    async def guide_by_title(_request: Request, title: str) -> response.HTTPResponse:
        code = guide_code_for_title(unquote(title))
        if code is not None:
            return response.redirect(f"/guides/{quote(code)}")
        page = await asyncio.to_thread(render_document_titled, unquote(title))
        return response.html(page) if page else response.html(NOT_FOUND_PAGE, status=404)

    @app.on_response
    async def add_security_headers(_request: Request, answer: response.HTTPResponse) -> None:
        for name, value in headers.items():
            answer.headers.setdefault(name, value)

    @app.get("/health")
    async def health(_request: Request) -> response.HTTPResponse:
        return response.json({"status": "ok"})

    return app

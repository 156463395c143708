"""A fake WeChat API server for development and tests: stable_token, message/custom/send and
media/get (the official account), sns/jscode2session (the mini-program's login).

It is a real HTTP server (aiohttp), so the channel is exercised through its actual client,
and it can run as a process next to `rasa run`:

    python -m tests.support.fake_wechat --port 8011

Behaviour follows the real API where the channel depends on it: tokens expire in 7200 s and
`force_refresh` issues a new one; a send with an unknown token gets 40001; text over 2048
bytes gets 45002; media/get answers the bytes of a media the test put there (POST /_media), as
WeChat holds the pictures users send, and 40007 for any other media_id. jscode2session checks the mini-program's AppID and secret and answers a
deterministic openid per user: a code "<user>.<anything>" (or just "<user>") belongs to <user>,
so "alice.1" and "alice.2" are the same person; a code is accepted once (40163 afterwards), a
code starting with "bad" or "invalid" gets 40029, one starting with "risky" 40226. For tests it
records everything and injects faults:

    GET  /_received         customer-service messages accepted, in order
    GET  /_subscribe_messages subscribe messages accepted (official account's bizsend and the
                            mini-program's subscribe/send, told apart by "api"), in order
    GET  /_attempts         every send attempt, with the errcode it got
    GET  /_token_requests   every stable_token request
    GET  /_session_requests every jscode2session request (without the secret), with its errcode
    POST /_media            body: a picture (Content-Type as WeChat would serve it) → {"media_id": ...}
    GET  /_media_requests   every media/get request, with its errcode
    POST /_fail             {"api": "custom_send"|"subscribe_send"|"stable_token"|"jscode2session"|"media_get",
                             "errcode": 45047,
                             "times": 1, "delay_seconds": 0}
                            (an injected 40001/42001 also invalidates the current token, as
                            when another server reset it)
    POST /_reset            forget everything
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import itertools
import json
import secrets
import time
from typing import Any

from aiohttp import web

from channels.miniprogram import settings as mp
from channels.wechat.settings import APP_ID, APP_SECRET
from tests.support.wechat_ids import fake_openid

ERRMSG = {
    0: "ok",
    -1: "system error",
    40001: "invalid credential, access_token is invalid or not latest",
    40002: "invalid grant_type",
    40013: "invalid appid",
    40007: "invalid media_id",
    40029: "invalid code",
    40125: "invalid appsecret",
    40163: "code been used",
    40226: "high risk user",
    41001: "access_token missing",
    41008: "missing code",
    42001: "access_token expired",
    45002: "content size out of limit",
    45011: "api minute-quota reached limit, mustslower retry next minute",
    45015: "response out of time limit or subscription is canceled",
    45047: "out of response count limit",
    43101: "user refuse to accept the msg",
    47001: "data format error",
}


FAULTY_APIS = ("custom_send", "subscribe_send", "stable_token", "jscode2session", "media_get")


class FakeWeChat:
    """The fake's state and its aiohttp application."""

    def __init__(
        self,
        app_id: str = APP_ID[2],
        app_secret: str = APP_SECRET[2],
        mp_app_id: str = mp.APP_ID[2],
        mp_app_secret: str = mp.APP_SECRET[2],
    ) -> None:
        self.app_id, self.app_secret = app_id, app_secret
        self.mp_app_id, self.mp_app_secret = mp_app_id, mp_app_secret
        self._serial = itertools.count(1)
        self.reset()
        self.app = web.Application(client_max_size=64 * 1024 * 1024)
        self.app.add_routes(
            [
                web.post("/cgi-bin/stable_token", self.stable_token),
                web.post("/cgi-bin/message/custom/send", self.custom_send),
                web.post("/cgi-bin/message/subscribe/bizsend", self.subscribe_send),
                web.post("/cgi-bin/message/subscribe/send", self.subscribe_send),
                web.get("/_subscribe_messages", self.get_subscribe_messages),
                web.get("/sns/jscode2session", self.jscode2session),
                web.get("/cgi-bin/media/get", self.media_get),
                web.post("/_media", self.post_media),
                web.get("/_media_requests", self.get_media_requests),
                web.get("/_received", self.get_received),
                web.get("/_attempts", self.get_attempts),
                web.get("/_token_requests", self.get_token_requests),
                web.get("/_session_requests", self.get_session_requests),
                web.post("/_fail", self.post_fail),
                web.post("/_reset", self.post_reset),
                web.get("/_health", self.get_health),
            ]
        )
        self._runner: web.AppRunner | None = None
        self.url = ""

    def reset(self) -> None:
        self.valid_tokens: set[str] = set()
        self.current_token: str | None = None
        self.received: list[dict[str, Any]] = []
        self.subscribe_messages: list[dict[str, Any]] = []
        self.attempts: list[dict[str, Any]] = []
        self.token_requests: list[dict[str, Any]] = []
        self.session_requests: list[dict[str, Any]] = []
        self.used_codes: set[str] = set()
        self.faults: list[dict[str, Any]] = []
        self.media: dict[str, tuple[bytes, str]] = {}
        self.media_requests: list[dict[str, Any]] = []

    def _new_token(self) -> str:
        self.current_token = f"FAKE-TOKEN-{next(self._serial)}"
        self.valid_tokens.add(self.current_token)
        return self.current_token

    async def _fault(self, api: str) -> int | None:
        for fault in self.faults:
            if fault["api"] == api and fault["times"] > 0:
                fault["times"] -= 1
                if fault.get("delay_seconds"):
                    await asyncio.sleep(float(fault["delay_seconds"]))
                errcode = int(fault.get("errcode") or 0)
                if errcode in (40001, 42001):
                    self.valid_tokens.clear()  # as if the token had been reset elsewhere
                    self.current_token = None
                return errcode or None
        return None

    @staticmethod
    def _error(errcode: int) -> web.Response:
        return web.json_response({"errcode": errcode, "errmsg": ERRMSG.get(errcode, "error")})

    async def stable_token(self, request: web.Request) -> web.Response:
        try:
            body = await request.json()
        except (ValueError, UnicodeDecodeError):
            return self._error(47001)
        self.token_requests.append({**{k: v for k, v in body.items() if k != "secret"}, "at": time.time()})
        errcode = await self._fault("stable_token")
        if errcode:
            return self._error(errcode)
        if body.get("grant_type") != "client_credential":
            return self._error(47001)
        accounts = {self.app_id: self.app_secret, self.mp_app_id: self.mp_app_secret}
        if body.get("appid") not in accounts:
            return self._error(40013)
        if body.get("secret") != accounts[body["appid"]]:
            return self._error(40125)
        token = self.current_token
        if body.get("force_refresh") or token is None:
            token = self._new_token()
        return web.json_response({"access_token": token, "expires_in": 7200})

    async def custom_send(self, request: web.Request) -> web.Response:
        token = request.query.get("access_token")
        raw = await request.read()
        try:
            body = json.loads(raw.decode("utf-8"))
        except (ValueError, UnicodeDecodeError):
            body = None
        attempt: dict[str, Any] = {"access_token": token, "body": body, "at": time.time()}
        self.attempts.append(attempt)
        errcode = await self._fault("custom_send")
        if errcode is None:
            errcode = self._check_send(token, body)
        attempt["errcode"] = errcode
        if errcode == 0:
            self.received.append({**body, "at": attempt["at"]})
        return self._error(errcode)

    async def subscribe_send(self, request: web.Request) -> web.Response:
        """A subscribe message: a known template id, an openid, and `data` as {key: {"value"}}."""
        token = request.query.get("access_token")
        try:
            body = json.loads((await request.read()).decode("utf-8"))
        except (ValueError, UnicodeDecodeError):
            body = None
        errcode = await self._fault("subscribe_send")
        if errcode is None:
            errcode = 41001 if not token else 40001 if token not in self.valid_tokens else 0
        if errcode == 0:
            fields = body.get("data") if isinstance(body, dict) else None
            valid = isinstance(fields, dict) and all(isinstance(v, dict) and "value" in v for v in fields.values())
            errcode = 0 if valid and body.get("touser") and body.get("template_id") else 47001
        if errcode == 0:
            api = request.path.rsplit("/", 1)[-1]
            self.subscribe_messages.append({**body, "api": api, "at": time.time()})
        return self._error(errcode)

    async def get_subscribe_messages(self, _request: web.Request) -> web.Response:
        return web.json_response(self.subscribe_messages)

    def _check_send(self, token: str | None, body: Any) -> int:
        if not token:
            return 41001
        if token not in self.valid_tokens:
            return 40001
        if not isinstance(body, dict) or not body.get("touser") or body.get("msgtype") != "text":
            return 47001
        content = (body.get("text") or {}).get("content")
        if not isinstance(content, str) or not content:
            return 47001
        if len(content.encode("utf-8")) > 2048:
            return 45002
        return 0

    async def media_get(self, request: web.Request) -> web.Response:
        token, media_id = request.query.get("access_token"), request.query.get("media_id", "")
        attempt: dict[str, Any] = {"media_id": media_id, "at": time.time()}
        self.media_requests.append(attempt)
        errcode = await self._fault("media_get")
        if errcode is None:
            errcode = 41001 if not token else 40001 if token not in self.valid_tokens else 0
        if errcode == 0 and media_id not in self.media:
            errcode = 40007
        attempt["errcode"] = errcode
        if errcode:
            # WeChat answers errors of media/get as text/plain JSON
            body = json.dumps({"errcode": errcode, "errmsg": ERRMSG.get(errcode, "error")})
            return web.Response(text=body, content_type="text/plain")
        data, content_type = self.media[media_id]
        return web.Response(
            body=data,
            content_type=content_type,
            headers={"Content-disposition": f'attachment; filename="{media_id}.jpg"'},
        )

    async def post_media(self, request: web.Request) -> web.Response:
        media_id = f"MEDIA_{next(self._serial)}_{secrets.token_hex(8)}"
        self.media[media_id] = (await request.read(), request.content_type or "image/jpeg")
        return web.json_response({"media_id": media_id})

    async def get_media_requests(self, _request: web.Request) -> web.Response:
        return web.json_response(self.media_requests)

    def openid_for(self, code: str) -> str:
        return fake_openid(self.mp_app_id, code)

    async def jscode2session(self, request: web.Request) -> web.Response:
        query = request.query
        code = query.get("js_code", "")
        attempt: dict[str, Any] = {**{k: v for k, v in query.items() if k != "secret"}, "at": time.time()}
        self.session_requests.append(attempt)
        errcode = await self._fault("jscode2session")
        if errcode is None:
            errcode = self._check_code(query, code)
        attempt["errcode"] = errcode
        if errcode:
            return self._error(errcode)
        self.used_codes.add(code)
        # No unionid: the fake's mini-program is bound to no open-platform account.
        return web.json_response(
            {"openid": self.openid_for(code), "session_key": base64.b64encode(secrets.token_bytes(16)).decode()}
        )

    def _check_code(self, query: Any, code: str) -> int:
        if query.get("grant_type") != "authorization_code":
            return 40002
        if query.get("appid") != self.mp_app_id:
            return 40013
        if query.get("secret") != self.mp_app_secret:
            return 40125
        if not code:
            return 41008
        if code.startswith(("bad", "invalid")):
            return 40029
        if code.startswith("risky"):
            return 40226
        if code in self.used_codes:
            return 40163
        return 0

    async def get_received(self, _request: web.Request) -> web.Response:
        return web.json_response(self.received)

    async def get_attempts(self, _request: web.Request) -> web.Response:
        return web.json_response(self.attempts)

    async def get_token_requests(self, _request: web.Request) -> web.Response:
        return web.json_response(self.token_requests)

    async def get_session_requests(self, _request: web.Request) -> web.Response:
        return web.json_response(self.session_requests)

    async def post_fail(self, request: web.Request) -> web.Response:
        fault = await request.json()
        if fault.get("api") not in FAULTY_APIS:
            return web.json_response({"error": f"api must be one of {', '.join(FAULTY_APIS)}"}, status=400)
        fault["times"] = int(fault.get("times", 1))
        self.faults.append(fault)
        return web.json_response({"ok": True})

    async def post_reset(self, _request: web.Request) -> web.Response:
        self.reset()
        return web.json_response({"ok": True})

    async def get_health(self, _request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        """Serves in the running event loop; returns the base URL (port 0 picks a free one)."""
        self._runner = web.AppRunner(self.app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        bound = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://{host}:{bound}"
        return self.url

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description="Fake WeChat API (stable_token, message/custom/send, media/get, jscode2session)"
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8011)
    parser.add_argument("--appid", default=APP_ID[2])
    parser.add_argument("--secret", default=APP_SECRET[2])
    parser.add_argument("--mp-appid", default=mp.APP_ID[2], help="the mini-program's AppID")
    parser.add_argument("--mp-secret", default=mp.APP_SECRET[2], help="the mini-program's AppSecret")
    args = parser.parse_args(argv)
    fake = FakeWeChat(args.appid, args.secret, args.mp_appid, args.mp_secret)
    print(
        f"fake WeChat API on http://{args.host}:{args.port} (appid {args.appid}, mini-program {args.mp_appid})",
        flush=True,
    )
    web.run_app(fake.app, host=args.host, port=args.port, print=None, access_log=None)


if __name__ == "__main__":
    main()

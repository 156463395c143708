"""Async client of the WeChat API calls the channels need: stable_token, custom/send and
media/get (the pictures citizens send) for the official account, jscode2session for the
mini-program's login, and the subscribe messages the notifier sends (bot/notices).

wechatpy's own client uses `requests` and would block Rasa's event loop (one Sanic worker
serves every conversation), so this one uses aiohttp. The access token is valid for two hours
and its endpoint is rate-limited, so it is cached until shortly before it expires and fetched
by one coroutine at a time; a token WeChat rejects (40001/42001/40014) is refreshed once.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from dataclasses import dataclass
from typing import Any

import aiohttp

logger = logging.getLogger(__name__)

TOKEN_INVALID = frozenset({40001, 40014, 42001})
# 45015: the user's last message is older than 48 h; 45047: too many messages since it.
QUOTA_EXHAUSTED = frozenset({45015, 45047})
# 43101: the user has not accepted (or has used up) the subscription to this template.
SUBSCRIPTION_MISSING = frozenset({43101})
TOKEN_SAFETY_MARGIN_SECONDS = 300


class WeChatAPIError(RuntimeError):
    """WeChat answered with an errcode, or could not be reached (errcode -1)."""

    def __init__(self, errcode: int, errmsg: str) -> None:
        super().__init__(f"errcode {errcode}: {errmsg}")
        self.errcode = errcode
        self.errmsg = errmsg


@dataclass(frozen=True)
class MiniProgramUser:
    """Who logged in to the mini-program (jscode2session), without the session_key."""

    openid: str
    unionid: str | None = None


class MediaTooLarge(WeChatAPIError):
    """The media is larger than the caller accepts; nothing beyond the limit was read."""


class QuotaExhausted(WeChatAPIError):
    """WeChat refuses further customer-service messages to this user until they write again."""


class SubscriptionMissing(WeChatAPIError):
    """WeChat holds no opt-in of this user for the subscribe message's template."""


def _errcode(data: dict) -> int:
    try:
        return int(data.get("errcode") or 0)
    except (TypeError, ValueError):
        return -1


class WeChatAPI:
    """The customer-service message API with its access-token cache."""

    def __init__(self, api_base: str, app_id: str, app_secret: str, timeout_seconds: float = 10.0) -> None:
        self.api_base = api_base.rstrip("/")
        self.app_id = app_id
        self._secret = app_secret
        self._timeout = aiohttp.ClientTimeout(total=timeout_seconds)
        self._session: aiohttp.ClientSession | None = None
        self._token: str | None = None
        self._token_expires_at = 0.0
        self._token_lock: asyncio.Lock | None = None

    def _client(self) -> aiohttp.ClientSession:
        # Created lazily: an aiohttp session belongs to the event loop Sanic runs, which does
        # not exist yet when Rasa builds the channel from credentials.
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=self._timeout)
        return self._session

    async def close(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None

    async def _call(
        self, method: str, path: str, payload: dict[str, Any] | None = None, params: dict[str, str] | None = None
    ) -> dict:
        """One API call; its JSON answer, or `WeChatAPIError(-1)` when there is none.

        Error messages name the path only: the query may carry a secret or an access token."""
        body = None
        headers = {}
        if payload is not None:
            body = json.dumps(payload, ensure_ascii=False).encode("utf-8")  # WeChat shows \u escapes literally
            headers["Content-Type"] = "application/json; charset=utf-8"
        try:
            async with self._client().request(
                method,
                f"{self.api_base}{path}",
                data=body,
                params=params,
                headers=headers,
            ) as response:
                if response.status != 200:
                    raise WeChatAPIError(-1, f"HTTP {response.status} from {path}")
                data = await response.json(content_type=None)
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as error:
            raise WeChatAPIError(-1, f"{type(error).__name__} calling {path}") from None
        if not isinstance(data, dict):
            raise WeChatAPIError(-1, f"unexpected answer from {path}")
        return data

    async def _post(self, path: str, payload: dict[str, Any], params: dict[str, str] | None = None) -> dict:
        return await self._call("POST", path, payload, params)

    async def code_to_session(self, js_code: str) -> MiniProgramUser:
        """Mini-program login: exchanges the `code` of `wx.login()` for the user's openid.

        WeChat also returns a `session_key` (for decrypting data the mini-program hands over);
        nothing here needs it, so it is dropped on the spot and never stored or logged."""
        data = await self._call(
            "GET",
            "/sns/jscode2session",
            params={
                "appid": self.app_id,
                "secret": self._secret,
                "js_code": js_code,
                "grant_type": "authorization_code",
            },
        )
        errcode = _errcode(data)
        openid = data.get("openid")
        if errcode or not isinstance(openid, str) or not openid:
            raise WeChatAPIError(errcode or -1, str(data.get("errmsg") or "no openid"))
        unionid = data.get("unionid")
        return MiniProgramUser(openid=openid, unionid=unionid if isinstance(unionid, str) and unionid else None)

    async def _fetch_token(self, force_refresh: bool) -> str:
        data = await self._post(
            "/cgi-bin/stable_token",
            {
                "grant_type": "client_credential",
                "appid": self.app_id,
                "secret": self._secret,
                "force_refresh": force_refresh,
            },
        )
        token = data.get("access_token")
        if _errcode(data) or not token:
            raise WeChatAPIError(_errcode(data) or -1, str(data.get("errmsg") or "no access_token"))
        try:
            expires_in = int(data.get("expires_in") or 7200)
        except (TypeError, ValueError):
            expires_in = 7200
        self._token = str(token)
        self._token_expires_at = time.monotonic() + max(expires_in - TOKEN_SAFETY_MARGIN_SECONDS, expires_in / 2)
        logger.info("wechat: access token obtained (valid %s s, force_refresh=%s)", expires_in, force_refresh)
        return self._token

    async def access_token(self, rejected: str | None = None) -> str:
        """The cached token, or a new one; `rejected` is a token WeChat has just refused.

        After a rejection a normal fetch comes first; if WeChat hands back the same refused
        token, one forced refresh follows (forced refreshes are limited per day).
        """
        if self._token_lock is None:
            self._token_lock = asyncio.Lock()
        async with self._token_lock:
            if rejected is not None and self._token == rejected:
                self._token = None
            if self._token and time.monotonic() < self._token_expires_at:
                return self._token
            token = await self._fetch_token(force_refresh=False)
            if rejected is not None and token == rejected:
                token = await self._fetch_token(force_refresh=True)
            return token

    async def send_text(self, openid: str, content: str) -> None:
        """Sends one customer-service text message; raises `QuotaExhausted` or `WeChatAPIError`."""
        await self._send(
            "/cgi-bin/message/custom/send", {"touser": openid, "msgtype": "text", "text": {"content": content}}
        )

    async def send_subscribe_message(
        self, openid: str, template_id: str, data: dict[str, str], page: str | None = None, mini_program: bool = False
    ) -> None:
        """One subscribe message (订阅消息) the user opted in to: the official account's 订阅通知
        (`subscribe/bizsend`) or the mini-program's (`subscribe/send`). Raises
        `SubscriptionMissing` when WeChat holds no opt-in of this user for the template."""
        payload: dict[str, Any] = {
            "touser": openid,
            "template_id": template_id,
            "data": {key: {"value": value} for key, value in data.items()},
        }
        if page:
            payload["page"] = page
        path = "/cgi-bin/message/subscribe/send" if mini_program else "/cgi-bin/message/subscribe/bizsend"
        await self._send(path, payload)

    async def _send(self, path: str, payload: dict[str, Any]) -> None:
        """A sending call with the access token; a rejected token is refreshed once."""
        token = await self.access_token()
        for attempt in (1, 2):
            data = await self._post(path, payload, params={"access_token": token})
            errcode = _errcode(data)
            if errcode == 0:
                return
            errmsg = str(data.get("errmsg") or "")
            if errcode in TOKEN_INVALID and attempt == 1:
                logger.info("wechat: access token rejected (errcode %s), refreshing once", errcode)
                token = await self.access_token(rejected=token)
                continue
            if errcode in QUOTA_EXHAUSTED:
                raise QuotaExhausted(errcode, errmsg)
            if errcode in SUBSCRIPTION_MISSING:
                raise SubscriptionMissing(errcode, errmsg)
            raise WeChatAPIError(errcode, errmsg)

    async def download_media(self, media_id: str, max_bytes: int) -> bytes:
        """The content of a temporary media (a picture a user sent; WeChat keeps it three days).

        media/get answers the file itself, or JSON with an errcode; a rejected token is refreshed
        once, as for sending. Raises `MediaTooLarge` past `max_bytes`, `WeChatAPIError` otherwise."""
        token = await self.access_token()
        for attempt in (1, 2):
            try:
                async with self._client().get(
                    f"{self.api_base}/cgi-bin/media/get", params={"access_token": token, "media_id": media_id}
                ) as response:
                    if response.status != 200:
                        raise WeChatAPIError(-1, f"HTTP {response.status} from /cgi-bin/media/get")
                    kind = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
                    if kind not in ("application/json", "text/plain"):
                        return await _read_bounded(response, max_bytes)
                    data = await response.json(content_type=None)
            except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as error:
                raise WeChatAPIError(-1, f"{type(error).__name__} calling /cgi-bin/media/get") from None
            errcode = _errcode(data) if isinstance(data, dict) else -1
            if errcode in TOKEN_INVALID and attempt == 1:
                logger.info("wechat: access token rejected (errcode %s), refreshing once", errcode)
                token = await self.access_token(rejected=token)
                continue
            errmsg = str(data.get("errmsg") or "") if isinstance(data, dict) else "unexpected answer"
            raise WeChatAPIError(errcode or -1, errmsg or "no media")
        raise WeChatAPIError(-1, "no media")  # not reached: the second attempt returns or raises


async def _read_bounded(response: aiohttp.ClientResponse, max_bytes: int) -> bytes:
    declared = response.content_length
    if declared is not None and declared > max_bytes:
        raise MediaTooLarge(-1, f"media of {declared} bytes")
    chunks, size = [], 0
    async for chunk in response.content.iter_chunked(64 * 1024):
        size += len(chunk)
        if size > max_bytes:
            raise MediaTooLarge(-1, "media over the limit")
        chunks.append(chunk)
    return b"".join(chunks)

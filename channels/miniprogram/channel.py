"""Rasa input channel for the WeChat mini-program (小程序) backend, served under /webhooks/miniprogram/.

Enable it in credentials.yml under `channels.miniprogram.MiniProgramInput` (values may be empty,
see channels/miniprogram/settings.py). JSON in, JSON out; TLS is terminated in front.

    POST /webhooks/miniprogram/login    {"code": "<from wx.login()>"}
         → 200 {"token": "...", "token_type": "Bearer", "expires_in": 7200}
    POST /webhooks/miniprogram/webhook  Authorization: Bearer <token>, {"message": "孩子出生了要办什么",
         "message_id": "<8–64 of A–Z a–z 0–9 _ ->"} → 200 {"messages": [...]}  (shapes in
         channels/miniprogram/render.py; `message_id` optional: a request sent again with the
         same id is answered once, see channels/client_messages.py)
    POST /webhooks/miniprogram/upload   Authorization: Bearer <token>, multipart, field "file"
         → 200 {"uploads": ["<ref>", ...]}
    POST /webhooks/miniprogram/webhook  Authorization: Bearer <token>, {"uploads": ["<ref>", ...]}
         (a materials card adds "materials": ["<material of each upload>", ...], in the same order)
         → 200 {"messages": [...]}
    GET  /webhooks/miniprogram/messages Authorization: Bearer <token> → 200 {"messages": [...]}:
         what arrived outside a turn (an agent's words in a handoff); poll while the chat is open
    POST /webhooks/miniprogram/subscriptions  Authorization: Bearer <token>, the result of
         wx.requestSubscribeMessage {"<templateId>": "accept", ...} → 200 {"message": "..."}
    GET  /webhooks/miniprogram/         → {"status": "ok"}

Files (photos and PDFs of materials) take two steps, because `wx.uploadFile` sends one file per
request: each is uploaded and staged in the upload inbox (bot/uploads.py), and then one message
hands the references to the dialogue, so a material of several pages is one turn. A reference
is valid only for the session's own user.

Login exchanges the code with WeChat (`/sns/jscode2session`, through aiohttp so Rasa's event
loop never blocks) for the user's openid and hands out a random, opaque session token bound to
it (channels/miniprogram/sessions.py); WeChat's session_key is dropped on arrival. The
conversation's sender id is "mp:" + openid, so it never mixes with the official account's.
Sessions, the mailbox, the quotas and the buttons shown live in the channel store
(channels/state_store.py): with BANSHI_REDIS_URL in Redis, the same on every Rasa worker.

A turn whose client went away before its answer (the request timed out or the network dropped)
leaves the answer in the mailbox, so the next poll or resend shows it.

Every refusal is JSON `{"error": <code>, "message": <Chinese text to show>}`:
401 missing/invalid/expired token or a rejected code; 400 bad JSON, wrong types, an empty or
over-long message; 413 a body over the limit (checked before it is read); 408 a body that does
not arrive; 429/403/503 from WeChat at login; 503 `service_unavailable` (with the apology for a
failing dialogue) when the channel store (Redis) does not answer, so no token can be issued or
checked. The webhook answers a failing dialogue (Rasa or the action server, which Rasa reports
only as a turn without reply) with a polite text in `messages`, never with a 5xx. Logs carry
masked openids, never tokens, codes or message texts.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import logging
import re
import unicodedata
from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot import uploads
from bot.privacy import mask_identifier
from channels.client_messages import ClientMessages, valid_message_id
from channels.file_upload import UploadRefused, stage_files
from channels.http_body import read_body
from channels.miniprogram import texts
from channels.miniprogram.mailbox import Mailbox, MailboxOutput
from channels.miniprogram.render import button_payloads, render_messages
from channels.miniprogram.sessions import Session, SessionProblem, SessionStore
from channels.miniprogram.settings import MiniProgramSettings
from channels.notice_optins import report_optins
from channels.payloads import SentButtons
from channels.rate import ChannelRate
from channels.state_store import ChannelStore, StoreUnavailable, channel_store, where
from channels.wechat.api import WeChatAPI, WeChatAPIError

logger = logging.getLogger(__name__)

SENDER_PREFIX = "mp:"
BODY_READ_TIMEOUT_SECONDS = 10.0
# wx.login() codes are short base64-like strings; the fake's are "<user>.<n>".
_CODE = re.compile(r"[A-Za-z0-9_.\-]{1,128}")
_OPENID = re.compile(r"[A-Za-z0-9_-]{1,64}")
_TEMPLATE_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
_BEARER = re.compile(r"^\s*Bearer\s+(\S+)\s*$", re.IGNORECASE)
# C0/C1 controls except tab and newline (so "\r\n" becomes "\n"), lone surrogates (JSON's "\ud800" decodes to one and
# would break UTF-8 storage), and BOM/noncharacters.
_UNPRINTABLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufeff\ufffe\uffff]")

# WeChat errcodes of jscode2session → (HTTP status, error code)
_CODE_REJECTED = frozenset({40029, 40163, 41008})  # invalid, already used, missing
_LOGIN_ERRORS = {45011: (429, "login_rate_limited"), 40226: (403, "login_refused")}

OnNewMessage = Callable[[UserMessage], Awaitable[Any]]
NO_REPLY_MESSAGE = {"type": "text", "text": texts.NO_REPLY}
STORE_DOWN = "service_unavailable"
"""The error code when the channel store (Redis) does not answer; its message is the apology
for a failing dialogue (try again later, or the hotline)."""
_dumps = partial(json.dumps, ensure_ascii=False)


class _Refused(Exception):
    """A request the channel answers with an error; status and code go into the JSON."""

    def __init__(self, status: int, code: str, **fmt: Any) -> None:
        super().__init__(code)
        self.status, self.code, self.fmt = status, code, fmt


def _json(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> HTTPResponse:
    # Chinese stays readable; anything unencodable becomes "?" rather than a 500.
    data = _dumps(body).encode("utf-8", "replace")
    return HTTPResponse(data, status=status, headers=headers, content_type="application/json; charset=utf-8")


def _error(refused: _Refused) -> HTTPResponse:
    headers = None
    if refused.status == 401:
        headers = {"WWW-Authenticate": f'Bearer realm="banshi", error="{refused.code}"'}
    message = texts.DIALOGUE_FAILED if refused.code == STORE_DOWN else texts.ERRORS[refused.code].format(**refused.fmt)
    return _json({"error": refused.code, "message": message}, refused.status, headers)


def clean_message(text: str) -> str:
    """The user's text without characters no person types: controls, lone surrogates, BOMs."""
    return unicodedata.normalize("NFC", _UNPRINTABLE.sub("", text)).strip()


async def _read_json(request: Request, limit: int) -> dict[str, Any]:
    """The body as a JSON object, bounded in size and time."""
    try:
        body = await asyncio.wait_for(read_body(request, limit), BODY_READ_TIMEOUT_SECONDS)
    except asyncio.TimeoutError:
        raise _Refused(408, "request_timeout") from None
    if body is None:
        raise _Refused(413, "payload_too_large")
    try:
        data = json.loads(body.decode("utf-8").lstrip("\ufeff"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        # ValueError covers malformed JSON and integers over Python's digit limit;
        # RecursionError a body of thousands of nested brackets.
        raise _Refused(400, "invalid_json") from None
    if not isinstance(data, dict):
        raise _Refused(400, "invalid_json")
    return data


class _DialogueFailed(Exception):
    """Rasa or the action server failed before any answer: nothing to keep for a resend."""


class MiniProgramInput(InputChannel):
    """The WeChat mini-program backend as a Rasa input channel."""

    @classmethod
    def name(cls) -> str:
        return "miniprogram"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> MiniProgramInput:
        return cls(MiniProgramSettings.from_credentials(credentials))

    def __init__(
        self, settings: MiniProgramSettings, api: WeChatAPI | None = None, store: ChannelStore | None = None
    ) -> None:
        self.settings = settings
        self.api = api or WeChatAPI(
            settings.api_base, settings.app_id, settings.app_secret, timeout_seconds=settings.wechat_timeout_seconds
        )
        self.store = store or channel_store()
        self.sessions = SessionStore(settings.session_ttl_seconds, settings.max_sessions, store=self.store)
        self.sent = SentButtons(self.store)
        self.rate = ChannelRate(self.name(), self.store)
        # wx.uploadFile sends one file a request: nine pages of a material are nine requests
        self.upload_rate = ChannelRate(
            f"{self.name()}-upload", self.store, limit=self.rate.limit * uploads.MAX_FILES_PER_MESSAGE
        )
        self._turns: set[asyncio.Task] = set()
        self.mailbox = Mailbox(self.store)
        self.client_messages = ClientMessages(self.name(), self.store)
        logger.info("miniprogram: channel ready (API %s, memory %s)", settings.api_base, where(self.store))

    def get_output_channel(self) -> MailboxOutput:
        """Where Rasa's messages outside a turn go (an agent's words): the user's mailbox."""
        return MailboxOutput(self.mailbox)

    # ---- HTTP ---------------------------------------------------------------------------

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        routes = Blueprint(f"miniprogram_webhook_{type(self).__name__}", inspect.getmodule(self).__name__)

        @routes.route("/messages", methods=["GET"])
        async def messages(request: Request) -> HTTPResponse:
            try:
                session = await self._authenticate(request)
            except _Refused as refused:
                return _error(refused)
            return _json({"messages": await self.mailbox.take(SENDER_PREFIX + session.openid)})

        @routes.route("/", methods=["GET"])
        async def health(_request: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @routes.route("/login", methods=["POST"], stream=True)
        async def login(request: Request) -> HTTPResponse:
            try:
                return await self._login(request)
            except _Refused as refused:
                return _error(refused)
            except Exception:  # noqa: BLE001 - a bug must not leak a traceback to the client
                logger.exception("miniprogram: unexpected error during login")
                return _error(_Refused(503, "wechat_unavailable"))

        @routes.route("/webhook", methods=["POST"], stream=True)
        async def receive(request: Request) -> HTTPResponse:
            try:
                return await self._receive(request, on_new_message)
            except _Refused as refused:
                return _error(refused)
            except Exception:  # noqa: BLE001 - the user still gets an answer, not a 500
                logger.exception("miniprogram: unexpected error handling a message")
                return _json({"messages": [{"type": "text", "text": texts.DIALOGUE_FAILED}]})

        @routes.route("/upload", methods=["POST"], stream=True)
        async def upload(request: Request) -> HTTPResponse:
            try:
                return await self._upload(request)
            except _Refused as refused:
                return _error(refused)
            except UploadRefused as refused:
                return _json({"error": "upload_refused", "message": refused.message}, refused.status)

        @routes.route("/subscriptions", methods=["POST"], stream=True)
        async def subscriptions(request: Request) -> HTTPResponse:
            try:
                return await self._subscriptions(request)
            except _Refused as refused:
                return _error(refused)

        @routes.listener("after_server_stop")
        async def close_client(_app: Any, _loop: Any) -> None:
            await self.api.close()
            await self.store.close()

        return routes

    # ---- login --------------------------------------------------------------------------

    async def _login(self, request: Request) -> HTTPResponse:
        data = await _read_json(request, self.settings.max_login_body_bytes)
        code = data.get("code")
        if not isinstance(code, str) or not _CODE.fullmatch(code):
            raise _Refused(400, "invalid_code_field")
        try:
            user = await self.api.code_to_session(code)
        except WeChatAPIError as error:
            raise self._login_refused(error, request) from None
        if not _OPENID.fullmatch(user.openid):
            logger.error("miniprogram: jscode2session returned an openid of an unexpected form")
            raise _Refused(503, "wechat_unavailable")
        try:
            token, expires_in = await self.sessions.issue(user.openid)
        except StoreUnavailable as error:
            logger.error("miniprogram: no session for %s: %s", mask_identifier(user.openid), error)
            raise _Refused(503, STORE_DOWN) from None
        logger.info("miniprogram: %s logged in", mask_identifier(user.openid))
        return _json({"token": token, "token_type": "Bearer", "expires_in": expires_in})

    @staticmethod
    def _login_refused(error: WeChatAPIError, request: Request) -> _Refused:
        if error.errcode in _CODE_REJECTED:
            logger.warning(
                "miniprogram: login code rejected by WeChat (errcode %s, client %s)", error.errcode, request.ip
            )
            return _Refused(401, "invalid_code")
        if error.errcode in _LOGIN_ERRORS:
            logger.warning("miniprogram: login refused by WeChat (errcode %s, client %s)", error.errcode, request.ip)
            status, code = _LOGIN_ERRORS[error.errcode]
            return _Refused(status, code)
        if error.errcode == -1:
            logger.warning("miniprogram: WeChat login service unavailable (%s)", error.errmsg)
        else:  # 40013 invalid appid, 40125 invalid secret, ...: our configuration
            logger.error(
                "miniprogram: jscode2session failed with errcode %s (%s); "
                "check BANSHI_MINIPROGRAM_APPID / BANSHI_MINIPROGRAM_SECRET",
                error.errcode,
                error.errmsg,
            )
        return _Refused(503, "wechat_unavailable")

    # ---- messages -----------------------------------------------------------------------

    async def _authenticate(self, request: Request) -> Session:
        header = request.headers.get("authorization")
        match = _BEARER.match(header) if header else None
        if header and not match:
            result: Session | SessionProblem = SessionProblem.INVALID
        else:
            try:
                result = await self.sessions.resolve(match.group(1) if match else None)
            except StoreUnavailable as error:
                logger.error("miniprogram: %s %s refused, token not checked: %s", request.method, request.path, error)
                raise _Refused(503, STORE_DOWN) from None
        if isinstance(result, SessionProblem):
            logger.warning(
                "miniprogram: %s %s rejected with 401: %s (client %s)",
                request.method,
                request.path,
                result.value,
                request.ip,
            )
            raise _Refused(401, result.value)
        return result

    async def _subscriptions(self, request: Request) -> HTTPResponse:
        """The result of `wx.requestSubscribeMessage` ({"<templateId>": "accept" | "reject" |
        "ban" | "filter", "errMsg": ...}), as the mini-program got it: each acceptance lets the
        notifier send one case notice."""
        session = await self._authenticate(request)
        data = await _read_json(request, self.settings.max_login_body_bytes)
        decisions = {
            key: value == "accept"
            for key, value in list(data.items())[:20]
            if key != "errMsg" and _TEMPLATE_ID.fullmatch(key) and value in ("accept", "reject", "ban", "filter")
        }
        if not decisions:
            raise _Refused(400, "invalid_subscriptions")
        recorded = await report_optins(SENDER_PREFIX + session.openid, self.name(), decisions)
        if not recorded:
            raise _Refused(503, "notices_unavailable")
        accepted = any(decisions.values())
        return _json({"message": texts.SUBSCRIBED if accepted else texts.NOT_SUBSCRIBED})

    async def _receive(self, request: Request, on_new_message: OnNewMessage) -> HTTPResponse:
        session = await self._authenticate(request)  # before the body is read
        data = await _read_json(request, self.settings.max_body_bytes)
        text = self._text(data)
        message_id = valid_message_id(data.get("message_id"))
        if data.get("message_id") is not None and message_id is None:
            raise _Refused(400, "invalid_message_id")
        if not await self.rate.allow(session.openid):
            raise _Refused(429, "too_many_messages")
        if "uploads" not in data:
            text = await self.sent.admit(SENDER_PREFIX + session.openid, text)
        # A client that disconnects must not cancel a turn half-way: it runs as its own task.
        turn = asyncio.ensure_future(self._answer(session.openid, message_id, text, on_new_message))
        self._turns.add(turn)
        turn.add_done_callback(self._turns.discard)
        try:
            answered = await asyncio.shield(turn)
        except asyncio.CancelledError:  # the client went away (Sanic cancels its handler)
            turn.add_done_callback(partial(self._keep_for_later, session.openid))
            raise
        waiting = await self.mailbox.take(SENDER_PREFIX + session.openid)
        if waiting and answered == [NO_REPLY_MESSAGE]:
            answered = []  # a paused conversation: the agent's words are the answer
        return _json({"messages": waiting + answered})

    def _text(self, data: dict[str, Any]) -> str:
        """What the dialogue is told: the citizen's words, or that their uploaded files arrived."""
        if "uploads" in data:
            refs = data["uploads"]
            if not isinstance(refs, list) or not refs or len(refs) > uploads.MAX_FILES_PER_MESSAGE:
                raise _Refused(400, "invalid_uploads", most=uploads.MAX_FILES_PER_MESSAGE)
            valid = uploads.parse_refs(",".join(ref for ref in refs if isinstance(ref, str)))
            if len(valid) != len(refs):
                raise _Refused(400, "invalid_uploads", most=uploads.MAX_FILES_PER_MESSAGE)
            if "materials" not in data:
                return uploads.message(valid)
            materials = uploads.card_materials(data["materials"], valid)  # a materials card: one per file
            if materials is None:
                raise _Refused(400, "invalid_uploads", most=uploads.MAX_FILES_PER_MESSAGE)
            return uploads.message(valid, materials)
        message = data.get("message")
        if not isinstance(message, str):
            raise _Refused(400, "invalid_message")
        text = clean_message(message)
        if not text:
            raise _Refused(400, "empty_message")
        if len(text) > self.settings.max_message_chars:
            raise _Refused(400, "message_too_long", limit=self.settings.max_message_chars)
        return text

    async def _upload(self, request: Request) -> HTTPResponse:
        session = await self._authenticate(request)  # before the body is read
        if not await self.upload_rate.allow(session.openid):
            raise _Refused(429, "too_many_messages")
        refs = await stage_files(request, SENDER_PREFIX + session.openid)
        logger.info("miniprogram: %s uploaded %d file(s)", mask_identifier(session.openid), len(refs))
        return _json({"uploads": refs})

    async def _answer(
        self, openid: str, message_id: str | None, text: str, on_new_message: OnNewMessage
    ) -> list[dict[str, Any]]:
        """The turn's answer, once per client message id."""
        sender = SENDER_PREFIX + openid
        try:
            answer = await self.client_messages.answer_once(
                sender, message_id, partial(self._run_turn, openid, text, on_new_message)
            )
        except _DialogueFailed:
            return [{"type": "text", "text": texts.DIALOGUE_FAILED}]
        if answer.pending:
            return [{"type": "text", "text": texts.STILL_ANSWERING}]
        return answer.messages

    def _keep_for_later(self, openid: str, turn: asyncio.Task[list[dict[str, Any]]]) -> None:
        """The answer of a turn whose client left: into the mailbox, for the next poll or resend."""
        if turn.cancelled() or turn.exception() is not None or not turn.result():
            return
        logger.info("miniprogram: %s left before the answer; it waits in the mailbox", mask_identifier(openid))
        keeping = asyncio.ensure_future(self._put_in_mailbox(SENDER_PREFIX + openid, turn.result()))
        self._turns.add(keeping)
        keeping.add_done_callback(self._turns.discard)

    async def _put_in_mailbox(self, sender: str, messages: list[dict[str, Any]]) -> None:
        try:
            await self.mailbox.put(sender, messages)
        except StoreUnavailable as error:
            logger.warning("miniprogram: an answer for %s was lost with its client: %s", mask_identifier(sender), error)

    async def _run_turn(self, openid: str, text: str, on_new_message: OnNewMessage) -> list[dict[str, Any]]:
        collector = CollectingOutputChannel()
        message = UserMessage(text, collector, SENDER_PREFIX + openid, input_channel=self.name())
        try:
            await on_new_message(message)
        except Exception:  # noqa: BLE001 - Rasa or the action server failed; apologise
            logger.exception("miniprogram: the dialogue failed on a message from %s", mask_identifier(openid))
            if not collector.messages:
                raise _DialogueFailed from None
            # answered, then failed (the lock's release): the answer stands (see the WeChat channel)
        rendered = render_messages(collector.messages)
        await self.sent.remember(SENDER_PREFIX + openid, button_payloads(rendered))
        if not rendered:
            # Rasa swallows a failing custom action (it only logs it): an empty turn is how an
            # unreachable action server shows. Every user message deserves an answer.
            logger.warning("miniprogram: the dialogue gave no reply to %s", mask_identifier(openid))
            return [NO_REPLY_MESSAGE]
        return rendered

"""Rasa's socket.io channel, with sessions the server issued.

Rasa 3.6's `SocketIOInput` takes the sender id from the `session_id` the browser sends, so a
client could speak in anyone's conversation, and its `jwt_key` only admits or refuses a
connection. Here the connection must present a token signed by the console
(`auth: {token}`); its subject is the sender id and the socket.io room, and whatever session id
or metadata the client sends is ignored. python-socketio is created, as Rasa does, with
`cors_allowed_origins=[]` (it would otherwise add CORS headers a second time), so the Origin a
browser sends is checked here at the handshake against BANSHI_WIDGET_ORIGINS; a client that
sends no Origin (not a browser) still needs a valid token.

A message may carry the widget's own id (`{"message": ..., "message_id": ...}`): the widget sends
a message again with the same id when its socket dropped before the answer, and that message is
answered once (channels/client_messages.py). Answers to it carry `reply_to: <id>`; when the turn
had already run, its answer is sent again to the new socket marked `replay: true`.

Files (photos and PDFs of materials) come over HTTP, not the socket: `POST
/webhooks/socketio/upload`, multipart, with the same session token as a bearer token. They are
staged in the upload inbox (bot/uploads.py) and the dialogue is told with an upload message;
its answer arrives on the socket like any other. The portal checks what they are.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import InputChannel, UserMessage
from rasa.core.channels.socketio import SocketBlueprint, SocketIOInput, SocketIOOutput
from sanic import Blueprint, response
from sanic.request import Request
from socketio import AsyncRedisManager, AsyncServer

from bot import uploads
from bot.identity import web_session
from bot.ops.rasa_resilience import NOT_PROCESSED
from bot.privacy import mask_identifier
from bot.settings import settings
from channels.client_messages import ClientMessages, valid_message_id
from channels.file_upload import MATERIAL_FIELD, UploadRefused, stage_files
from channels.payloads import SentButtons
from channels.rate import ChannelRate, too_fast
from channels.state_store import channel_store

log = logging.getLogger(__name__)

MAX_MESSAGE_CHARS = 2000
ROOMS_CHANNEL = "banshi-socketio"


class SocketRooms(AsyncRedisManager):
    """python-socketio's Redis manager, except that an emit Redis did not take (down, restarting,
    or no worker subscribed yet after a restart) still reaches this worker's own sockets. The
    manager drops such an emit after one retry; but the answer to a citizen's message is sent by
    the worker holding the citizen's socket, so it need not cross Redis at all to arrive."""

    async def _publish(self, data: dict[str, Any]) -> Any:  # noqa: ANN401 - Redis' PUBLISH count
        delivered = await super()._publish(data)
        if not delivered and data.get("method") == "emit":
            log.warning("socket.io emit not published through Redis: delivered to this worker's sockets only")
            await self.emit(
                data["event"],
                data["data"],
                namespace=data["namespace"],
                room=data["room"],
                skip_sid=data["skip_sid"],
                ignore_queue=True,
            )
        return delivered


def socket_rooms() -> AsyncRedisManager | None:
    """Where the sockets' rooms are known. Each Rasa worker holds its own sockets: with several,
    what one worker says to a room (an agent's words run through Rasa's API land on any worker)
    must reach the worker holding that socket, so with BANSHI_REDIS_URL every emit goes through
    Redis pub/sub (`SocketRooms`). Without it, one process holds them all."""
    return SocketRooms(settings.redis_url, channel=ROOMS_CHANNEL) if settings.redis_url else None


class WebChatOutput(SocketIOOutput):
    """Rasa's socket.io output, remembering the buttons it showed (see channels/payloads) and,
    for a message with a client id, marking each answer with it (`reply_to`) and keeping what it
    said for a resend of that message."""

    def __init__(self, sio: AsyncServer, bot_message_evt: str, sent: SentButtons, reply_to: str | None = None) -> None:
        super().__init__(sio, bot_message_evt)
        self.sent = sent
        self.reply_to = reply_to
        self.said: list[dict[str, Any]] = []

    async def _send_message(self, socket_id: str, response: Any) -> None:
        if self.reply_to is not None and isinstance(response, dict):
            response = {**response, "reply_to": self.reply_to}
        self.said.append(response)
        await super()._send_message(socket_id, response)

    async def send_text_with_buttons(
        self, recipient_id: str, text: str, buttons: list[dict[str, Any]], **kwargs: Any
    ) -> None:
        await self.sent.remember(recipient_id, (button.get("payload") for button in buttons))
        await super().send_text_with_buttons(recipient_id, text, buttons, **kwargs)

    async def send_custom_json(self, recipient_id: str, json_message: dict[str, Any], **kwargs: Any) -> None:
        """The payload is the message, as for text. Rasa's own passes its keys to python-socketio's
        `emit` as keyword arguments, which raises for any payload (the offer of case notices, a
        materials card) after the turn's text was sent: the turn failed unsaved."""
        await self._send_message(recipient_id, dict(json_message))


class WebChatInput(SocketIOInput):
    """The `socketio` channel (same name, so trackers and handoffs read as before)."""

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        credentials = credentials or {}
        return cls(
            credentials.get("user_message_evt", "user_uttered"),
            credentials.get("bot_message_evt", "bot_uttered"),
            socketio_path=credentials.get("socketio_path", "/socket.io"),
        )

    def __init__(
        self,
        user_message_evt: str = "user_uttered",
        bot_message_evt: str = "bot_uttered",
        socketio_path: str = "/socket.io",
        key: str | None = None,
        origins: tuple[str, ...] | None = None,
    ) -> None:
        super().__init__(user_message_evt, bot_message_evt, socketio_path=socketio_path)
        self.key = key or web_session.session_key()
        self.origins = frozenset(origins if origins is not None else settings.widget_origins)
        self.store = channel_store()
        self.sent = SentButtons(self.store)
        self.rate = ChannelRate(self.name(), self.store)
        self.client_messages = ClientMessages(self.name(), self.store)

    def get_output_channel(self) -> WebChatOutput | None:
        return WebChatOutput(self.sio, self.bot_message_evt, self.sent) if self.sio else None

    def _admits(self, environ: dict[str, Any], auth: Any) -> str | None:
        origin = environ.get("HTTP_ORIGIN")
        if origin is not None and origin.rstrip("/") not in self.origins:
            log.info("socket.io 握手被拒绝：来源 %s 不在允许列表中", origin[:100])
            return None
        token = auth.get("token") if isinstance(auth, dict) else None
        return web_session.verify(self.key, token)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        # 64 KB per socket.io message, as at the gateway (python-socketio's default is 1 MB)
        sio = AsyncServer(
            async_mode="sanic",
            cors_allowed_origins=[],
            max_http_buffer_size=64 * 1024,
            client_manager=socket_rooms(),
        )
        webhook = SocketBlueprint(sio, self.socketio_path, "socketio_webhook", __name__)
        self.sio = sio

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> response.HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/upload", methods=["POST"], stream=True)
        async def upload(request: Request) -> response.HTTPResponse:
            return await self._upload(request, on_new_message)

        @sio.on("connect")
        async def connect(sid: str, environ: dict[str, Any], auth: Any = None) -> bool:
            subject = self._admits(environ, auth)
            if subject is None:
                return False
            await sio.save_session(sid, {"subject": subject})
            sio.enter_room(sid, subject)  # python-socketio < 5.10: not a coroutine
            return True

        @sio.on("session_request")
        async def session_request(sid: str, _data: Any = None) -> None:
            subject = (await sio.get_session(sid)).get("subject")
            await sio.emit("session_confirm", subject, room=sid)

        @sio.on(self.user_message_evt)
        async def handle_message(sid: str, data: Any) -> None:
            subject = (await sio.get_session(sid)).get("subject")
            text = data.get("message") if isinstance(data, dict) else None
            if not subject or not isinstance(text, str) or not text.strip():
                return
            if not await self.rate.allow(subject):
                await sio.emit(self.bot_message_evt, {"text": too_fast()}, room=sid)
                return
            if len(text) > MAX_MESSAGE_CHARS:
                log.info("会话 %s 的消息过长（%d 字），已截断", mask_identifier(subject), len(text))
                text = text[:MAX_MESSAGE_CHARS]
            text = await self.sent.admit(subject, text.strip())
            message_id = valid_message_id(data.get("message_id"))
            output = WebChatOutput(sio, self.bot_message_evt, self.sent, reply_to=message_id)

            async def turn() -> list[dict[str, Any]]:
                try:
                    await on_new_message(UserMessage(text, output, subject, input_channel=self.name()))
                except Exception:
                    if not output.said:
                        raise
                    # answered, then failed (the lock's release): the answer stands (see the WeChat channel)
                    log.exception("会话 %s 的消息已答复，之后出错", mask_identifier(subject))
                return output.said

            try:
                answer = await self.client_messages.answer_once(subject, message_id, turn)
            except Exception:  # noqa: BLE001 - Rasa or its stores failed: the citizen is asked to resend
                log.exception("会话 %s 的消息没能处理", mask_identifier(subject))
                apology = {"text": NOT_PROCESSED} | ({"reply_to": message_id} if message_id else {})
                await sio.emit(self.bot_message_evt, apology, room=sid)
                return
            if answer.replayed:  # the widget shows a replay only if the live answer missed it
                for said in answer.messages:
                    await sio.emit(self.bot_message_evt, {**said, "replay": True}, room=sid)

        return webhook

    def _refused(self, status: int, message: str) -> response.HTTPResponse:
        return response.json({"message": message}, status=status)

    async def _upload(
        self, request: Request, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> response.HTTPResponse:
        """Stages the files of a multipart POST and tells the dialogue they arrived."""
        origin = request.headers.get("origin")
        if origin is not None and origin.rstrip("/") not in self.origins:
            return self._refused(403, "这个页面不能向办事助手上传文件。")
        authorization = request.headers.get("authorization") or ""
        subject = web_session.verify(self.key, authorization.removeprefix("Bearer ").strip() or None)
        if subject is None:
            return self._refused(401, "对话已过期，请刷新页面后重新发送文件。")
        if not await self.rate.allow(subject):
            return self._refused(429, too_fast())
        try:
            refs = await stage_files(request, subject)
        except UploadRefused as refused:
            return self._refused(refused.status, refused.message)
        log.info("会话 %s 上传了 %d 个文件", mask_identifier(subject), len(refs))
        output = WebChatOutput(self.sio, self.bot_message_evt, self.sent)
        materials = uploads.card_materials(request.form.getlist(MATERIAL_FIELD) if request.form else None, refs)
        message = uploads.message(refs, materials)
        await on_new_message(UserMessage(message, output, subject, input_channel=self.name()))
        return response.json({"received": len(refs)})

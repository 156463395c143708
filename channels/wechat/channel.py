"""Rasa input channel for the WeChat official account (公众号), served at /webhooks/wechat/webhook.

Enable it in credentials.yml under the key `channels.wechat.WeChatInput` (values may be empty,
see channels/wechat/settings.py). It only translates protocols:

* every request is authenticated (signature over token/timestamp/nonce, fresh timestamp; in
  safe mode also msg_signature and AES) before its body is read, and the body is bounded and
  parsed defensively, so nothing unauthenticated or malformed reaches the dialogue;
* WeChat waits 5 s for an answer and retries up to 3 times. A message starts one dialogue turn
  as a task; if the reply is ready within ~4 s it is the HTTP response (passive reply),
  otherwise the response is `success` and the reply follows through the customer-service
  API. The turn is awaited with `asyncio.wait`, never cancelled, and retries of the same
  message join it instead of starting another, on this worker or, through the channel store
  (Redis), on another one (channels/wechat/state.py);
* a picture is a material: fetched through media/get, pictures sent together taken as one
  upload (channels/wechat/albums.py), staged in the upload inbox and handed to the dialogue;
* a turn's bot messages become one text with numbered options for buttons; a reply "1"
  sends the first option's payload;
* a subscribe-popup event (the user accepted or declined case notices) is handed to the
  notifier (channels/notice_optins.py) and answered `success`.
Errors never surface as a 5xx: WeChat would retry, and the user would see "该公众号暂时无法提供服务".
"""

from __future__ import annotations

import asyncio
import hashlib
import inspect
import logging
import re
import time
from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from wechatpy.crypto import WeChatCrypto
from wechatpy.exceptions import InvalidAppIdException, InvalidSignatureException
from wechatpy.replies import TextReply
from wechatpy.utils import check_signature, random_string

from bot import uploads
from bot.privacy import mask_identifier
from bot.settings import settings
from channels.file_upload import stage
from channels.http_body import is_ascii_number, read_body
from channels.notice_optins import report_optins
from channels.payloads import as_typed
from channels.rate import ChannelRate, too_fast
from channels.state_store import ChannelStore, StoreUnavailable, channel_store, where
from channels.wechat import texts
from channels.wechat.albums import Album, Albums
from channels.wechat.api import MediaTooLarge, WeChatAPI
from channels.wechat.inbound import Inbound, InboundRejected, parse_xml, read_inbound
from channels.wechat.outbound import CustomerServiceSender, WeChatOutput
from channels.wechat.rendering import choose_option, render_messages, split_text
from channels.wechat.settings import WeChatSettings
from channels.wechat.state import ORPHANED, Nonces, Turn, TurnRegistry, UserMemory

logger = logging.getLogger(__name__)

BODY_READ_TIMEOUT_SECONDS = 10.0
_ECHOSTR = re.compile(r"^[A-Za-z0-9_=+/.-]{1,256}$")
_XML_INVALID_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")

OnNewMessage = Callable[[UserMessage], Awaitable[Any]]


class _Forbidden(Exception):
    """Authentication failed; the message says why, for the log."""


def _xml_text(text: str) -> str:
    """Text that survives wechatpy's CDATA wrapping: no "]]>" and no characters XML forbids."""
    return _XML_INVALID_CHARS.sub("", text).replace("]]>", "]]]]><![CDATA[>")


class WeChatInput(InputChannel):
    """The WeChat official account as a Rasa input channel."""

    @classmethod
    def name(cls) -> str:
        return "wechat"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> WeChatInput:
        return cls(WeChatSettings.from_credentials(credentials))

    def __init__(
        self, settings: WeChatSettings, api: WeChatAPI | None = None, store: ChannelStore | None = None
    ) -> None:
        self.settings = settings
        self.api = api or WeChatAPI(settings.api_base, settings.app_id, settings.app_secret)
        self.store = store or channel_store()
        self.memory = UserMemory(self.store)
        self.turns = TurnRegistry(self.store)
        self.nonces = Nonces(2 * settings.max_clock_skew_seconds, self.store)
        self.sender = CustomerServiceSender(self.api, self.memory)
        self.crypto = WeChatCrypto(settings.token, settings.aes_key, settings.app_id) if settings.safe_mode else None
        self._background: set[asyncio.Task] = set()
        self.rate = ChannelRate(self.name(), self.store)
        self.albums = Albums()
        logger.info(
            "wechat: channel ready (%s mode, API %s, memory %s)",
            "safe" if self.crypto else "plain",
            settings.api_base,
            where(self.store),
        )

    def get_output_channel(self) -> OutputChannel | None:
        return WeChatOutput(self.sender)

    # ---- HTTP ---------------------------------------------------------------------------

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        webhook = Blueprint(f"wechat_webhook_{type(self).__name__}", inspect.getmodule(self).__name__)

        @webhook.route("/", methods=["GET"])
        async def health(_request: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["GET"])
        async def verify(request: Request) -> HTTPResponse:
            problem = self._check_query(request)
            if problem:
                return self._forbidden(request, problem)
            echostr = request.args.get("echostr") or ""
            if not _ECHOSTR.match(echostr):
                return response.text("bad request", status=400)
            logger.info("wechat: URL verification succeeded")
            return response.text(echostr)

        @webhook.route("/webhook", methods=["POST"], stream=True)
        async def receive(request: Request) -> HTTPResponse:
            try:
                return await self._receive(request, on_new_message)
            except Exception:  # noqa: BLE001 - a 5xx would make WeChat retry and show an error
                logger.exception("wechat: unexpected error; answered 'success'")
                return response.text("success")

        @webhook.listener("after_server_stop")
        async def close_client(_app: Any, _loop: Any) -> None:
            await self.api.close()
            await self.store.close()

        return webhook

    def _forbidden(self, request: Request, reason: str) -> HTTPResponse:
        logger.warning(
            "wechat: %s %s rejected with 403: %s (client %s)", request.method, request.path, reason, request.ip
        )
        return response.text("forbidden", status=403)

    def _check_query(self, request: Request) -> str | None:
        """Why the query does not prove the request comes from WeChat now, or None if it does."""
        args = request.args
        signature, timestamp, nonce = args.get("signature"), args.get("timestamp"), args.get("nonce")
        if not (signature and timestamp and nonce):
            return "missing signature, timestamp or nonce"
        try:
            check_signature(self.settings.token, signature, timestamp, nonce)
        except InvalidSignatureException:
            return "bad signature"
        if not is_ascii_number(timestamp) or abs(time.time() - int(timestamp)) > self.settings.max_clock_skew_seconds:
            return "stale or invalid timestamp"
        return None

    async def _receive(self, request: Request, on_new_message: OnNewMessage) -> HTTPResponse:
        problem = self._check_query(request)
        if problem:
            return self._forbidden(request, problem)
        try:
            body = await asyncio.wait_for(read_body(request, self.settings.max_body_bytes), BODY_READ_TIMEOUT_SECONDS)
        except asyncio.TimeoutError:
            logger.warning("wechat: request body not received within %.0f s", BODY_READ_TIMEOUT_SECONDS)
            return response.text("request timeout", status=408)
        if body is None:
            logger.warning("wechat: request body over %d bytes rejected", self.settings.max_body_bytes)
            return response.text("payload too large", status=413)
        try:
            opened = self._open(body, request.args)
            await self._spend_nonce(request.args, body)  # only a request that proved itself spends its nonce
            inbound = read_inbound(parse_xml(opened))
        except _Forbidden as error:
            return self._forbidden(request, str(error))
        except InboundRejected as error:
            logger.warning("wechat: message rejected with 400: %s", error.reason)
            return response.text("bad request", status=400)
        reply = await self._answer(inbound, on_new_message)
        return self._respond(inbound, reply)

    async def _spend_nonce(self, args: Any, body: bytes) -> None:
        """Raises _Forbidden when the signed (timestamp, nonce) came before with another body, or
        when that cannot be known (the channel store is down): WeChat then retries, and a
        replay is never taken for its first use."""
        nonce = f"{args.get('timestamp')}:{args.get('nonce')}"
        try:
            fresh = await self.nonces.spend(nonce, hashlib.sha256(body).hexdigest())
        except StoreUnavailable as error:
            raise _Forbidden(f"nonce not checked, refused rather than risk a replay ({error})") from None
        if not fresh:
            raise _Forbidden("nonce replayed with another body")

    def _open(self, body: bytes, args: Any) -> str | bytes:
        """The message XML: the body itself in plain mode, decrypted from it in safe mode."""
        if self.crypto is None:
            if args.get("encrypt_type") == "aes" and b"<MsgType" not in body:
                raise InboundRejected("encrypted message but no EncodingAESKey configured (set BANSHI_WECHAT_AES_KEY)")
            return body  # compatible mode carries the plaintext too
        if args.get("encrypt_type") != "aes":
            raise _Forbidden("unencrypted message while safe mode is configured")
        msg_signature = args.get("msg_signature")
        if not msg_signature:
            raise _Forbidden("missing msg_signature")
        encrypted = parse_xml(body).get("Encrypt")
        if not encrypted:
            raise InboundRejected("no Encrypt element")
        try:
            return self.crypto.decrypt_message(
                {"Encrypt": encrypted}, msg_signature, args.get("timestamp"), args.get("nonce")
            )
        except InvalidSignatureException:
            raise _Forbidden("bad msg_signature") from None
        except InvalidAppIdException:
            raise _Forbidden("message encrypted for another AppID") from None
        except Exception as error:  # noqa: BLE001 - base64, padding, length: all mean garbage
            raise InboundRejected(f"cannot decrypt ({type(error).__name__})") from None

    def _respond(self, inbound: Inbound, text: str | None) -> HTTPResponse:
        if not text:
            return response.text("success")
        xml = TextReply(source=inbound.account, target=inbound.openid, content=_xml_text(text)).render()
        if self.crypto is not None:
            xml = self.crypto.encrypt_message(xml, random_string(16), str(int(time.time())))
        return response.text(xml, content_type="application/xml; charset=utf-8")

    # ---- turns ----------------------------------------------------------------------------

    async def _answer(self, inbound: Inbound, on_new_message: OnNewMessage) -> str | None:
        """The passive reply text for this request, or None for `success`."""
        if inbound.subscriptions:
            self._spawn(report_optins(inbound.openid, self.name(), dict(inbound.subscriptions)))
            return None
        if inbound.to_dialogue is None and inbound.direct_reply is None and inbound.media_id is None:
            if inbound.counts_as_interaction:
                await self.memory.note_user_message(inbound.openid)
            return None
        key, who = inbound.dedup_key, mask_identifier(inbound.openid)
        try:
            turn, started = await self.turns.get_or_start(key, lambda: self._start_turn(inbound, on_new_message))
        except StoreUnavailable as error:
            logger.error("wechat: a message from %s not claimed, not answered by the dialogue: %s", who, error)
            return texts.DIALOGUE_FAILED  # no turn started anywhere: the citizen is asked to send it again
        if started:
            if inbound.counts_as_interaction:
                await self.memory.note_user_message(inbound.openid)
        else:
            logger.info(
                "wechat: retry of %s from %s joins the turn already under way%s",
                f"message {inbound.msg_id}" if inbound.msg_id else f"{inbound.msg_type} event",
                who,
                "" if turn else " on another worker",
            )
        # The supervisor decides within the passive window; the margin only guards against a bug.
        wait = self.settings.passive_reply_seconds + 0.5
        if turn is None:
            try:
                reply = await self.turns.reply_from_elsewhere(key, wait)
                if reply is not ORPHANED:
                    return reply
                turn, started = await self.turns.get_or_start(key, lambda: self._start_turn(inbound, on_new_message))
            except StoreUnavailable as error:
                logger.warning("wechat: the reply to a retry from %s not read, answered 'success': %s", who, error)
                return None
            if turn is None:
                return None  # another worker's retry took the orphaned turn over
            logger.warning("wechat: the worker answering %s is gone; this retry takes the turn over", who)
        await asyncio.wait({turn.decision}, timeout=wait)
        if not turn.decision.done():
            return None
        how, parts = turn.decision.result()
        return parts[0] if how == "passive" and parts else None

    def _start_turn(self, inbound: Inbound, on_new_message: OnNewMessage) -> Turn:
        loop = asyncio.get_running_loop()
        turn = Turn(task=loop.create_task(self._run_dialogue(inbound, on_new_message)), decision=loop.create_future())
        turn.supervisor = self._spawn(self._deliver(inbound, turn))
        return turn

    def _spawn(self, coroutine: Awaitable[None]) -> asyncio.Task:
        """A background task kept referenced until done (the loop holds only weak references)."""
        task = asyncio.ensure_future(coroutine)
        self._background.add(task)
        task.add_done_callback(self._background.discard)
        return task

    async def _run_dialogue(self, inbound: Inbound, on_new_message: OnNewMessage) -> list[str]:
        """One dialogue turn; returns the reply as parts that each fit a WeChat text."""
        if inbound.direct_reply is not None:
            return [inbound.direct_reply]
        album = None
        if inbound.media_id is not None:
            album = self.albums.join(inbound.openid, partial(self._fetch, inbound.media_id))
            if album is None:
                return []  # the picture belongs to the album an earlier message's turn answers
        if not await self.rate.allow(inbound.openid):
            return [too_fast()]
        note = None
        if album is not None:
            text, note = await self._pictures(album)
            if text is None:
                return [note] if note else []
        else:
            text = inbound.to_dialogue or ""
            option = choose_option(text, await self.memory.options(inbound.openid))
            # a typed "/intent{…}" is words, not a button: only the numbered options carry payloads
            text = option.payload if option is not None else as_typed(text)
        collector = CollectingOutputChannel()
        message = UserMessage(
            text,
            collector,
            inbound.openid,
            input_channel=self.name(),
            message_id=inbound.msg_id,
            metadata={"wechat_msg_type": inbound.msg_type},
        )
        try:
            await on_new_message(message)
        except Exception:  # noqa: BLE001 - the user still deserves an answer
            logger.exception("wechat: the dialogue failed on a message from %s", mask_identifier(inbound.openid))
            if not collector.messages:
                return [texts.DIALOGUE_FAILED]
            # answered, then failed (Redis gone as the conversation's lock was released): the
            # answer stands, and "not processed" would make the citizen send it a second time
        rendered = render_messages(collector.messages)
        await self.memory.set_options(inbound.openid, rendered.options)
        return split_text(f"{note}\n\n{rendered.text}" if note else rendered.text)

    async def _fetch(self, media_id: str) -> bytes:
        return await self.api.download_media(media_id, settings.max_upload_bytes)

    async def _pictures(self, album: Album) -> tuple[str | None, str | None]:
        """The upload message for an album's pictures (None if none could be fetched) and a note
        on the ones that could not."""
        pictures = await self.albums.collect(album)
        fetched: list[tuple[bytes, str]] = []
        too_large = failed = 0
        for picture in pictures:
            error = picture.exception()
            if error is None:
                fetched.append((picture.result(), "微信图片.jpg"))
            elif isinstance(error, MediaTooLarge):
                too_large += 1
            else:
                failed += 1
                logger.warning(
                    "wechat: a picture from %s could not be fetched: %s", mask_identifier(album.openid), error
                )
        notes = []
        if too_large:
            notes.append(texts.IMAGE_TOO_LARGE.format(limit=settings.max_upload_bytes // (1024 * 1024)))
        if failed:
            notes.append(texts.SOME_IMAGES_NOT_RECEIVED.format(count=failed) if fetched else texts.IMAGES_NOT_RECEIVED)
        note = "\n".join(notes) or None
        if not fetched:
            return None, note
        refs = await stage(album.openid, fetched)
        logger.info("wechat: %s sent %d picture(s)", mask_identifier(album.openid), len(refs))
        return uploads.message(refs), note

    @staticmethod
    def _parts(task: asyncio.Task[list[str]]) -> list[str]:
        if task.cancelled() or task.exception() is not None:
            return [texts.DIALOGUE_FAILED]
        return task.result()

    async def _deliver(self, inbound: Inbound, turn: Turn) -> None:
        """Decides passive vs. customer-service delivery and sends what the HTTP response cannot."""
        try:
            await asyncio.wait({turn.task}, timeout=self.settings.passive_reply_seconds)
            if turn.task.done():
                parts = self._parts(turn.task)
                await self._decide(inbound, turn, "passive", parts)
                if len(parts) > 1:
                    await asyncio.sleep(self.settings.followup_delay_seconds)
                    await self.sender.send(inbound.openid, parts[1:])
                return
            await self._decide(inbound, turn, "cs", [])
            logger.info(
                "wechat: reply to %s not ready within %.1f s, it will follow as a customer-service message",
                mask_identifier(inbound.openid),
                self.settings.passive_reply_seconds,
            )
            await asyncio.wait({turn.task})
            parts = self._parts(turn.task)
            if parts:
                await self.sender.send(inbound.openid, parts)
        except Exception:  # noqa: BLE001 - a background task has nobody to report to but the log
            logger.exception("wechat: delivering the reply to %s failed", mask_identifier(inbound.openid))
        finally:
            if not turn.decision.done():
                turn.decision.set_result(("cs", []))

    async def _decide(self, inbound: Inbound, turn: Turn, how: str, parts: list[str]) -> None:
        """Settles how the turn's answer goes out: for the requests waiting here at once, then
        in the channel store for retries that reach another worker."""
        turn.decision.set_result((how, parts))
        try:
            await self.turns.publish(inbound.dedup_key, how, parts)
        except StoreUnavailable as error:
            logger.warning(
                "wechat: the decision for %s not shared; a retry on another worker is answered 'success': %s",
                mask_identifier(inbound.openid),
                error,
            )

"""The notifier: takes the portal's notices in (its signed webhook, and a poll of its feed for
whatever the webhook missed) and pushes them to WeChat users who opted in.

It runs in the console's process (console/app.py). WeChat calls go through the channels' own
async client (channels/wechat/api.py), so the access-token cache and error handling are the
ones the official account's channel uses. Only a subscribe message the user accepted is sent:
an acceptance is one message (WeChat's one-time subscription), counted in the store before the
call and given back if WeChat could not be reached.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from datetime import timedelta, timezone

import httpx

from bot import signed_hooks
from bot.notices.store import NoticeStore, Push
from bot.privacy import mask_identifier
from bot.settings import secret, settings
from channels.miniprogram.settings import MiniProgramSettings
from channels.wechat.api import SubscriptionMissing, WeChatAPI, WeChatAPIError
from channels.wechat.settings import WeChatSettings

log = logging.getLogger(__name__)

MINIPROGRAM_PAGE = "pages/chat/chat"
CHINA = timezone(timedelta(hours=8))
FEED_PAGE = 200


def template_data(push: Push) -> dict[str, str]:
    """The template's fields, within WeChat's limits (thing ≤ 20 characters, phrase ≤ 5).

    Both templates (公众号 订阅通知 and 小程序 订阅消息) are set up with these keys: 办件编号
    character_string1, 事项名称 thing2, 办理状态 phrase3, 说明 thing4, 时间 time5."""
    notice = push.notice
    return {
        "character_string1": notice.application_no[:32],
        "thing2": _short(notice.service_name, 20),
        "phrase3": notice.status[:5],
        "thing4": _short(notice.message, 20),
        "time5": notice.at.astimezone(CHINA).strftime("%Y年%m月%d日 %H:%M"),
    }


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


class Notifier:
    """Intake and pushes; `run()` is the loop the console starts."""

    def __init__(
        self,
        store: NoticeStore,
        apis: Mapping[str, WeChatAPI],
        templates: Mapping[str, str],
        portal_url: str,
        notice_secret: str,
        poll_seconds: float,
        http: httpx.AsyncClient | None = None,
    ) -> None:
        self.store = store
        self.apis = dict(apis)
        self.templates = dict(templates)
        self.portal_url = portal_url.rstrip("/")
        self.secret = notice_secret
        self.poll_seconds = poll_seconds
        self.http = http or httpx.AsyncClient(timeout=httpx.Timeout(5.0))
        self.wake = asyncio.Event()

    @classmethod
    def from_settings(cls, store: NoticeStore | None = None) -> Notifier:
        official = WeChatSettings.from_credentials(None)
        mini = MiniProgramSettings.from_credentials(None)
        return cls(
            store or NoticeStore(),
            {
                "wechat": WeChatAPI(official.api_base, official.app_id, official.app_secret),
                "miniprogram": WeChatAPI(mini.api_base, mini.app_id, mini.app_secret),
            },
            {"wechat": settings.wechat_notice_template, "miniprogram": settings.miniprogram_notice_template},
            settings.portal_url,
            secret("notice_secret"),
            settings.notice_poll_seconds,
        )

    async def close(self) -> None:
        await self.http.aclose()
        for api in self.apis.values():
            await api.close()

    # ---- intake --------------------------------------------------------------------------

    async def take(self, notices: list[dict]) -> int:
        """Stores notices (webhook or poll); how many were new. Wakes the pushes."""
        new = 0
        for notice in notices:
            new += await asyncio.to_thread(self.store.receive, notice)
        if new:
            self.wake.set()
        return new

    async def poll(self) -> int:
        """Reads the portal's feed from where the last poll stopped; how many notices were new."""
        new = 0
        while True:
            after = await asyncio.to_thread(self.store.cursor)
            target = f"/notices?after={after}&limit={FEED_PAGE}"
            headers = signed_hooks.signed_headers(self.secret, signed_hooks.poll_message(target))
            answer = await self.http.get(self.portal_url + target, headers=headers)
            answer.raise_for_status()
            body = answer.json()
            notices = body.get("notices") or []
            new += await self.take(notices)
            next_after = int(body.get("next_after") or after)
            if next_after > after:
                await asyncio.to_thread(self.store.advance_cursor, next_after)
            if len(notices) < FEED_PAGE or next_after <= after:
                return new

    # ---- pushes --------------------------------------------------------------------------

    async def push(self) -> int:
        """Sends the due pushes; how many WeChat took."""
        sent = 0
        for item in await asyncio.to_thread(self.store.claim_pushes, self.templates):
            template = self.templates[item.channel]
            mini = item.channel == "miniprogram"
            openid = item.sender_id.removeprefix("mp:") if mini else item.sender_id
            try:
                await self.apis[item.channel].send_subscribe_message(
                    openid, template, template_data(item), page=MINIPROGRAM_PAGE if mini else None, mini_program=mini
                )
                outcome, error = "sent", None
            except SubscriptionMissing as refused:
                outcome, error = "refused", str(refused)
            except WeChatAPIError as failure:
                outcome, error = ("retry" if failure.errcode == -1 else "failed"), str(failure)
            if error:
                log.info("notice %s to %s: %s", item.notice.id, mask_identifier(item.sender_id), error)
            await asyncio.to_thread(self.store.settle_push, item, template, outcome, error)
            sent += outcome == "sent"
        return sent

    async def run(self) -> None:
        """Polls every `poll_seconds` (at once on start: notices made while it was down), and
        pushes whenever notices arrive and every few seconds for retries."""
        last_poll = -self.poll_seconds
        loop = asyncio.get_running_loop()
        while True:
            try:
                if loop.time() - last_poll >= self.poll_seconds:
                    last_poll = loop.time()
                    await self.poll()
                await self.push()
            except (httpx.HTTPError, ValueError) as error:
                log.info("notifier: portal feed not read (%s), trying again later", type(error).__name__)
            except Exception:  # the notifier must outlive any one bad round
                log.exception("notifier: round failed")
            self.wake.clear()
            try:
                await asyncio.wait_for(self.wake.wait(), timeout=min(5.0, self.poll_seconds))
            except asyncio.TimeoutError:
                pass

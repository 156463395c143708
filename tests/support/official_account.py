"""A WeChat user of the official account in the end-to-end stack: pushes signed messages and
events to the channel's webhook as WeChat's servers do, and reads what came back (the passive
reply and the customer-service messages the fake WeChat API took)."""

from __future__ import annotations

import hashlib
import re
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import httpx

_CONTENT = re.compile(r"<Content><!\[CDATA\[(.*)\]\]></Content>", re.S)


class OfficialAccount:
    """A WeChat user of the official account, as WeChat's servers speak for them."""

    def __init__(self, stack) -> None:
        self.stack = stack
        self.openid = f"oE2E{uuid.uuid4().hex[:24]}"
        self.msg_id = int(time.time() * 1000)

    def _received(self) -> list[str]:
        sent = httpx.get(f"{self.stack.wechat_api_url}/_received", timeout=10).json()
        return [m["text"]["content"] for m in sent if m["touser"] == self.openid]

    def _push(self, fields: str, with_msg_id: bool = True) -> str:
        """WeChat's push of one message; the passive reply, if the answer was ready in time."""
        token = self.stack.wechat["BANSHI_WECHAT_TOKEN"]
        timestamp, nonce = str(int(time.time())), uuid.uuid4().hex[:10]
        signature = hashlib.sha1("".join(sorted([token, timestamp, nonce])).encode()).hexdigest()
        self.msg_id += 1
        xml = (
            f"<xml><ToUserName><![CDATA[gh_e2e000000000]]></ToUserName><FromUserName><![CDATA[{self.openid}]]>"
            f"</FromUserName><CreateTime>{timestamp}</CreateTime>{fields}"
            + (f"<MsgId>{self.msg_id}</MsgId>" if with_msg_id else "")
            + "</xml>"
        )
        response = httpx.post(
            f"{self.stack.rasa_url}/webhooks/wechat/webhook",
            params={"signature": signature, "timestamp": timestamp, "nonce": nonce},
            content=xml.encode(),
            timeout=60,
        )
        assert response.status_code == 200, response.text
        found = _CONTENT.search(response.text)
        return found.group(1) if found else ""

    def _then(self, before: int, passive: list[str]) -> str:
        """The passive replies and the customer-service messages that follow, once none has come
        for a moment."""
        seen, changed, deadline = before, time.monotonic(), time.monotonic() + 60
        while time.monotonic() < deadline:
            count = len(self._received())
            if count != seen:
                seen, changed = count, time.monotonic()
            if (any(passive) or seen > before) and time.monotonic() - changed > 1.5:
                break
            time.sleep(0.2)
        return "\n".join([p for p in passive if p] + self._received()[before:])

    def say(self, text: str) -> str:
        before = len(self._received())
        return self._then(
            before, [self._push(f"<MsgType><![CDATA[text]]></MsgType><Content><![CDATA[{text}]]></Content>")]
        )

    def send_pictures(self, pictures: list[bytes]) -> tuple[str, list[str]]:
        """Pictures sent together (a multi-select): WeChat pushes one message each, a moment
        apart, without waiting for the answers. The whole reply, and each push's passive one."""
        media = [
            httpx.post(f"{self.stack.wechat_api_url}/_media", content=p, headers={"Content-Type": "image/jpeg"}).json()[
                "media_id"
            ]
            for p in pictures
        ]
        before = len(self._received())
        with ThreadPoolExecutor(len(media)) as pool:
            pushes = []
            for media_id in media:
                pushes.append(
                    pool.submit(
                        self._push, f"<MsgType><![CDATA[image]]></MsgType><MediaId><![CDATA[{media_id}]]></MediaId>"
                    )
                )
                time.sleep(0.2)
            passive = [push.result() for push in pushes]
        return self._then(before, passive), passive

    def event(self, fields: str) -> str:
        """An event (no MsgId: WeChat identifies events by sender and time)."""
        return self._push(f"<MsgType><![CDATA[event]]></MsgType>{fields}", with_msg_id=False)

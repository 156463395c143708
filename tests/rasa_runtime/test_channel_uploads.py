"""Materials sent as files on the WeChat channels: pictures in the official account (fetched
through media/get, several sent together taken as one upload) and the mini-program's upload
endpoint. The dialogue is the fake one; what it is told, and what lies in the upload inbox, is
what the action server would attach (tests/portal and tests/e2e follow it to the portal)."""

from __future__ import annotations

import asyncio
import json
import secrets

import aiohttp
import pytest

from bot import uploads
from bot.objectstore import LocalObjectStore
from channels.wechat import texts
from channels.wechat.albums import Albums
from tests.rasa_runtime.conftest import OPENID, message_xml, miniprogram_harness, reply_content, wechat_harness

MAX_MB = 10


@pytest.fixture(autouse=True)
def inbox(tmp_path, monkeypatch) -> uploads.Inbox:
    box = uploads.Inbox(LocalObjectStore(tmp_path / "inbox"))
    monkeypatch.setattr(uploads, "inbox", lambda: box)
    return box


def picture(size: int = 2000) -> bytes:
    return b"\xff\xd8\xff\xe0" + secrets.token_bytes(size)


async def _media(fake_url: str, data: bytes) -> str:
    async with aiohttp.ClientSession() as http, http.post(f"{fake_url}/_media", data=data) as response:
        return (await response.json())["media_id"]


def _image_xml(media_id: str, msg_id: int) -> str:
    fields = f"<PicUrl><![CDATA[http://mmbiz.invalid/{media_id}]]></PicUrl><MediaId><![CDATA[{media_id}]]></MediaId>"
    return message_xml("image", fields, msg_id=msg_id)


def _refs(dialogue_text: str) -> list[str]:
    assert dialogue_text.startswith(f"/{uploads.INTENT}"), dialogue_text
    return uploads.parse_refs(json.loads(dialogue_text.removeprefix(f"/{uploads.INTENT}"))[uploads.REF_ENTITY])


async def test_pictures_sent_together_reach_the_dialogue_as_one_upload_in_order(inbox):
    async with wechat_harness(passive=4.0) as h:
        h.channel.albums = Albums(quiet_seconds=0.6, longest_seconds=2.0)
        pages = [picture(), picture(), picture()]
        media = [await _media(h.fake.url, page) for page in pages]

        async def send(number: int) -> tuple[int, str]:
            await asyncio.sleep(0.15 * number)
            return await h.send(_image_xml(media[number], 7001 + number))

        answers = await asyncio.gather(*(send(n) for n in range(3)))
        assert [status for status, _ in answers] == [200, 200, 200]
        assert reply_content(answers[0][1]).startswith("收到：/upload_material")
        assert [body for _, body in answers[1:]] == ["success", "success"], "later pictures answer nothing"
        assert len(h.dialogue.received) == 1
        refs = _refs(h.dialogue.received[0])
        assert [inbox.take(OPENID, ref).data for ref in refs] == pages
        assert h.dialogue.senders == [OPENID]


async def test_a_retried_picture_is_fetched_and_staged_once(inbox):
    async with wechat_harness(passive=4.0) as h:
        h.channel.albums = Albums(quiet_seconds=0.3, longest_seconds=1.0)
        media_id = await _media(h.fake.url, picture())
        first, again = await asyncio.gather(h.send(_image_xml(media_id, 7101)), h.send(_image_xml(media_id, 7101)))
        assert reply_content(first[1]) == reply_content(again[1])
        assert len(_refs(h.dialogue.received[0])) == 1 and len(h.dialogue.received) == 1
        assert len(h.fake.media_requests) == 1


async def test_a_picture_wechat_cannot_give_is_asked_again_without_the_dialogue():
    async with wechat_harness(passive=4.0) as h:
        h.channel.albums = Albums(quiet_seconds=0.2, longest_seconds=1.0)
        status, body = await h.send(_image_xml("EXPIRED_MEDIA", 7201))
        assert status == 200 and reply_content(body) == texts.IMAGES_NOT_RECEIVED
        assert h.dialogue.received == []
        assert h.fake.media_requests[0]["errcode"] == 40007


async def test_a_rejected_token_is_refreshed_once_for_a_picture(inbox):
    async with wechat_harness(passive=4.0) as h:
        h.channel.albums = Albums(quiet_seconds=0.2, longest_seconds=1.0)
        media_id = await _media(h.fake.url, picture())
        await h.channel.api.access_token()
        h.fake.faults.append({"api": "media_get", "errcode": 40001, "times": 1})
        status, body = await h.send(_image_xml(media_id, 7301))
        assert reply_content(body).startswith("收到：/upload_material")
        assert [r["errcode"] for r in h.fake.media_requests] == [40001, 0]


async def test_an_oversized_picture_is_refused_and_the_rest_goes_on(inbox):
    async with wechat_harness(passive=4.0) as h:
        h.channel.albums = Albums(quiet_seconds=0.6, longest_seconds=2.0)
        small = await _media(h.fake.url, picture())
        huge = await _media(h.fake.url, picture(MAX_MB * 1024 * 1024 + 10))

        async def later(xml: str) -> tuple[int, str]:
            await asyncio.sleep(0.2)
            return await h.send(xml)

        answers = await asyncio.gather(h.send(_image_xml(small, 7401)), later(_image_xml(huge, 7402)))
        reply = reply_content(answers[0][1])
        assert reply.startswith(texts.IMAGE_TOO_LARGE.format(limit=MAX_MB)), reply
        assert len(_refs(h.dialogue.received[0])) == 1


async def test_miniprogram_uploads_files_then_hands_them_over_in_one_message(inbox):
    async with miniprogram_harness() as h:
        token = await h.token()
        refs = []
        for page in (picture(), picture()):
            form = aiohttp.FormData()
            form.add_field("file", page, filename="tmp_123.jpg", content_type="image/jpeg")
            headers = {"Authorization": f"Bearer {token}"}
            async with h.http.post(f"{h.base}/upload", data=form, headers=headers) as response:
                assert response.status == 200, await response.text()
                refs += (await response.json())["uploads"]
        assert len(refs) == 2
        status, answer = await h.post("/webhook", {"uploads": refs}, headers={"Authorization": f"Bearer {token}"})
        assert status == 200, answer
        assert _refs(h.dialogue.received[0]) == refs
        sender = h.dialogue.senders[0]
        assert all(inbox.take(sender, ref) is not None for ref in refs)
        assert inbox.take(OPENID, refs[0]) is None, "a reference belongs to its own user"

        # from a materials card: each upload names its material, in the same order
        names = ["经营场所平面布局图", "店招效果图"]
        status, answer = await h.post(
            "/webhook", {"uploads": refs, "materials": names}, headers={"Authorization": f"Bearer {token}"}
        )
        assert status == 200, answer
        entities = json.loads(h.dialogue.received[1].removeprefix(f"/{uploads.INTENT}"))
        assert uploads.parse_materials(entities[uploads.MATERIALS_ENTITY], refs) == names
        for bad in (["经营场所平面布局图"], ["甲|乙", "丙"], "甲"):
            status, answer = await h.post(
                "/webhook", {"uploads": refs, "materials": bad}, headers={"Authorization": f"Bearer {token}"}
            )
            assert status == 400 and answer["error"] == "invalid_uploads", (bad, answer)


async def test_miniprogram_upload_refusals_are_json_in_chinese():
    async with miniprogram_harness() as h:
        token = await h.token()
        auth = {"Authorization": f"Bearer {token}"}
        form = aiohttp.FormData()
        form.add_field("file", picture(), filename="a.jpg", content_type="image/jpeg")
        async with h.http.post(f"{h.base}/upload", data=form) as response:
            assert response.status == 401 and (await response.json())["message"].startswith("请先登录")
        big = aiohttp.FormData()
        big.add_field("file", picture(MAX_MB * 1024 * 1024 + 10), filename="a.jpg", content_type="image/jpeg")
        async with h.http.post(f"{h.base}/upload", data=big, headers=auth) as response:
            answer = await response.json()
            assert response.status == 413 and f"{MAX_MB}MB" in answer["message"], answer
        empty = aiohttp.FormData()
        empty.add_field("note", "no file here")
        async with h.http.post(f"{h.base}/upload", data=empty, headers=auth) as response:
            assert response.status == 400 and "没有收到文件" in (await response.json())["message"]
        for bad in (["not-a-ref"], [], "abc", ["0" * 24] * 10):
            status, answer = await h.post("/webhook", {"uploads": bad}, headers=auth)
            assert status == 400 and answer["error"] == "invalid_uploads", (bad, answer)
        assert h.dialogue.received == []

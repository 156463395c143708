"""Materials through the WeChat channels of the real stack: pictures sent to the official
account (fetched from the fake WeChat API's media/get) and files uploaded by the mini-program
reach the portal's checklist, and the application is submitted with them."""

from __future__ import annotations

import re
import uuid
from datetime import datetime, timezone

import httpx

from bot.identity.store import IdentityStore
from tests.support.application_runs import ASKS_SIGNATURE, NUMBER, START_PAYLOAD, portal_token, signing_code
from tests.support.golden import SCENARIOS
from tests.support.official_account import OfficialAccount
from tests.support.portal_cases import abandon_drafts, close_earlier_cases
from tests.support.sample_files import photo, renamed_executable
from tests.support.wechat_ids import fake_openid

SCENARIO = SCENARIOS["credit_repair"]
MATERIAL = "已履行行政处罚决定的证明"


def _option(reply: str, title: str) -> str:
    found = re.search(rf"^(\d+)\. {re.escape(title)}", reply, re.M)
    assert found, reply
    return found.group(1)


def _bind(stack, sender: str, channel: str) -> str:
    close_earlier_cases(stack.portal_db_url, "credit_repair")
    abandon_drafts(stack.portal_db_url, "credit_repair")
    token = portal_token(stack.portal_url, SCENARIO["subject"])
    IdentityStore(stack.db_url).save(sender, channel, token, datetime.now(timezone.utc))
    return token.token


def _checked_material(stack, token: str, number: str) -> dict:
    application = httpx.get(
        f"{stack.portal_url}/applications/{number}", headers={"Authorization": f"Bearer {token}"}, timeout=30
    ).json()
    assert application["status"] != "draft", application["status"]
    return next(item for item in application["checklist"] if item["name"] == MATERIAL)


def test_pictures_sent_to_the_official_account_become_the_material(stack):
    user = OfficialAccount(stack)
    token = _bind(stack, user.openid, "wechat")
    reply = user.say(SCENARIO["first"])
    reply = user.say(_option(reply, "同意调取，开始办理"))
    for answer in SCENARIO["answers"]:
        reply = user.say(answer)
    assert f"请上传「{MATERIAL}」" in reply, reply

    reply, passive = user.send_pictures([photo(900, 1200), photo(900, 1200, colour=(10, 90, 200))])
    assert f"已收到「{MATERIAL}」的" in reply and "材料清单" in reply, reply
    assert passive[1] == "", "the second picture of the album answers nothing itself"
    assert "《守信承诺书》" in reply and ASKS_SIGNATURE in reply, "the summary comes with the commitment"
    reply = user.say(signing_code(stack.portal_url, stack.slot(user.openid, "application")["number"]))
    number = NUMBER.search(reply)
    assert number, reply
    material = _checked_material(stack, token, number.group(0))
    assert material["status"] == "uploaded" and len(material["files"]) == 2, material


def _miniprogram(stack, path: str, token: str, **kwargs) -> httpx.Response:
    return httpx.post(
        f"{stack.rasa_url}/webhooks/miniprogram{path}",
        headers={"Authorization": f"Bearer {token}"},
        timeout=60,
        **kwargs,
    )


def test_files_uploaded_by_the_mini_program_become_the_material(stack):
    user = f"mat{uuid.uuid4().hex[:10]}"
    login = httpx.post(f"{stack.rasa_url}/webhooks/miniprogram/login", json={"code": f"{user}.1"}, timeout=30)
    assert login.status_code == 200, login.text
    session = login.json()["token"]
    token = _bind(stack, "mp:" + fake_openid(stack.wechat["BANSHI_MINIPROGRAM_APPID"], user), "miniprogram")

    def say(**body) -> list[dict]:
        response = _miniprogram(stack, "/webhook", session, json=body)
        assert response.status_code == 200, response.text
        return response.json()["messages"]

    say(message=SCENARIO["first"])
    for answer in [START_PAYLOAD, *SCENARIO["answers"]]:
        messages = say(message=answer)
    assert any(f"请上传「{MATERIAL}」" in (m.get("text") or "") for m in messages), messages

    refused = _miniprogram(stack, "/upload", session, files={"file": ("证明.jpg", renamed_executable(), "image/jpeg")})
    messages = say(uploads=refused.json()["uploads"])
    assert any("没能收下" in (m.get("text") or "") for m in messages), messages
    assert not any(m["type"] == "image" for m in messages)

    uploaded = _miniprogram(stack, "/upload", session, files={"file": ("tmp_1.jpg", photo(), "image/jpeg")})
    assert uploaded.status_code == 200, uploaded.text
    messages = say(uploads=uploaded.json()["uploads"])
    texts = "\n".join(m.get("text") or "" for m in messages)
    assert f"已收到「{MATERIAL}」的文件" in texts, messages
    assert any(m["type"] == "image" and m["url"].startswith("data:image/jpeg;base64,") for m in messages), messages

    assert ASKS_SIGNATURE in texts, "the summary comes with the commitment and the code"
    draft = stack.slot("mp:" + fake_openid(stack.wechat["BANSHI_MINIPROGRAM_APPID"], user), "application")["number"]
    reply = "\n".join(m.get("text") or "" for m in say(message=signing_code(stack.portal_url, draft)))
    number = NUMBER.search(reply)
    assert number, reply
    material = _checked_material(stack, token, number.group(0))
    assert material["status"] == "uploaded" and len(material["files"]) == 1, material

"""Social security card 挂失 and 解挂 at the portal, as the guide describes them: 临时挂失 at once
and for five days, 解挂 within them, 正式挂失 for good; only the cardholder acts on their card."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone

from bot import cards
from bot.identity.binding import NEEDS_IDENTITY
from tests.portal.application_chat import FlowChat, bind_token, services_for


def test_temporary_loss_lasts_five_days_and_can_be_lifted(portal, citizen_token):
    token = citizen_token("吴婷")
    before = portal.get("/me/card", token).json()
    assert before["status"] == "正常" and before["card_no_masked"].startswith("尾号")
    frozen = portal.post("/me/card/loss", token, json={"kind": "temporary"}).json()
    assert frozen["status"] == "临时挂失" and "冻结" in frozen["message"]
    until = datetime.fromisoformat(frozen["temporary_until"])
    assert timedelta(days=4, hours=23) < until - datetime.now(timezone.utc) <= timedelta(days=5)
    lifted = portal.post("/me/card/recovery", token).json()
    assert lifted["status"] == "正常" and lifted["temporary_until"] is None


def test_formal_loss_is_for_good_and_points_to_a_new_card(portal, citizen_token):
    token = citizen_token("孙丽")
    portal.post("/me/card/loss", token, json={"kind": "temporary"})
    formal = portal.post("/me/card/loss", token, json={"kind": "formal"}).json()
    assert formal["status"] == "正式挂失" and "补领" in formal["message"]
    refused = portal.post("/me/card/recovery", token)
    assert refused.status_code == 409 and "补领" in refused.json()["message"]
    again = portal.post("/me/card/loss", token, json={"kind": "temporary"}).json()
    assert again["status"] == "正式挂失", "a formally lost card is not frozen back to temporary"


def test_only_the_cardholder_acts_on_the_card(portal, enterprise_token):
    company = enterprise_token("示例市长风贸易有限公司")
    refused = portal.post("/me/card/loss", company, json={"kind": "temporary"})
    assert refused.status_code == 403 and "持卡人本人" in refused.json()["message"]
    assert portal.post("/me/card/loss", None, json={"kind": "temporary"}).status_code == 401
    assert portal.post("/me/card/loss", company, json={"kind": "forever"}).status_code in (400, 422)


def _bound_chat(portal, tmp_path, subject: dict) -> FlowChat:
    chat = FlowChat(services_for(portal.url, f"sqlite:///{tmp_path / 'services.db'}"), portal_url=portal.url)
    token = bind_token(portal.url, portal.sms_code, name=subject["name"], id_number=subject["id_number"])
    chat.bind(token, "citizen", subject["name"])
    chat.token = token
    return chat


def test_a_lost_card_is_frozen_in_the_chat_then_formally_reported(portal, tmp_path, demo):
    chat = _bound_chat(portal, tmp_path, demo["郑国华"])
    assert cards.mentions_loss("社保卡丢了，要补一张") and not cards.mentions_loss("社保卡找到了，要解挂")
    offered = cards.offer()
    assert [b.title for b in offered.buttons] == ["临时挂失（立即生效）", "正式挂失"]

    frozen = asyncio.run(cards.act(chat.services, chat.sender, cards.TEMPORARY))
    assert "已临时挂失" in frozen.replies[0].text and "冻结" in frozen.replies[0].text
    assert [b.title for b in frozen.replies[0].buttons] == ["找到了，解除挂失", "正式挂失并补卡"]
    assert portal.get("/me/card", chat.token).json()["status"] == "临时挂失"

    formal = asyncio.run(cards.act(chat.services, chat.sender, cards.FORMAL))
    assert "已正式挂失" in formal.replies[0].text and formal.replies[0].buttons[0].title == "申请补领新卡"
    refused = asyncio.run(cards.act(chat.services, chat.sender, cards.RECOVER))
    assert "不能解除" in refused.replies[0].text


def test_without_an_identity_the_binding_comes_first_and_remembers_why(portal, tmp_path):
    chat = FlowChat(services_for(portal.url, f"sqlite:///{tmp_path / 'services.db'}"), portal_url=portal.url)
    turn = asyncio.run(cards.act(chat.services, chat.sender, cards.TEMPORARY))
    assert turn.slots[NEEDS_IDENTITY] is True and turn.slots["identity_purpose"] == "card_loss:temporary"

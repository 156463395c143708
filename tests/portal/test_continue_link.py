"""The link to continue a draft, texted by the sandbox's SMS gateway (portal/sms.py): only to the
draft's own applicant, on the phone the registers hold, in the portal's own words; the log hides
the link's secret part; the dev outbox shows the whole message; a phone gets one a minute."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

from portal.config import BindingLimits
from portal.db import utcnow
from portal.sms import Outbox

LINK = "http://localhost:8002/chat/continue#header.claims.signature"


def test_the_applicant_is_texted_the_link_on_the_phone_on_record(portal, restaurant_draft, demo):
    number, token = restaurant_draft
    sent = portal.post(f"/applications/{number}/continue-link", token, json={"link": LINK})
    assert sent.status_code == 201, sent.text
    phone = demo["田甜"]["phone"]
    masked = f"{phone[:3]}****{phone[-4:]}"
    assert sent.json()["phone_masked"] == masked
    latest = portal.get(f"/dev/sms?phone={phone}").json()["messages"][0]
    assert LINK in latest["text"] and number in latest["text"] and latest["phone_masked"] == masked
    assert "核验本人身份后继续填写" in latest["text"] and "仅可使用一次" in latest["text"]
    log = portal.log.read_text(encoding="utf-8")
    gateway = [line for line in log.splitlines() if "沙箱短信网关" in line and number in line]
    assert gateway and masked in gateway[-1] and "#…" in gateway[-1]
    assert "header.claims.signature" not in log and phone not in log


def test_nobody_else_is_texted_and_only_a_link_is_taken(portal, restaurant_draft, citizen_token):
    number, token = restaurant_draft
    other = portal.post(f"/applications/{number}/continue-link", citizen_token("刘建国"), json={"link": LINK})
    assert other.status_code == 404, "another person's draft does not exist for them"
    for link in ("javascript:alert(1)", "http://x", "http://localhost/a b", LINK + "x" * 600):
        refused = portal.post(f"/applications/{number}/continue-link", token, json={"link": link})
        assert refused.status_code == 422, link
    extra = portal.post(f"/applications/{number}/continue-link", token, json={"link": LINK, "text": "中奖了"})
    assert extra.status_code == 422, "the words are the portal's template, never the caller's"
    assert portal.post(f"/applications/{number}/continue-link", None, json={"link": LINK}).status_code == 401
    assert portal.get("/dev/sms?phone=12345").status_code == 422


def test_a_phone_gets_one_message_a_minute_and_a_days_allowance():
    config = SimpleNamespace(limits=BindingLimits(sms_per_phone_per_day=2))
    outbox, now = Outbox(), utcnow()
    assert outbox.allows("13800990031", config, now)
    outbox.send("13800990031", "一", dev=True, now=now)
    assert not outbox.allows("13800990031", config, now + timedelta(seconds=30))
    assert outbox.allows("13800990032", config, now + timedelta(seconds=30)), "another phone is not held up"
    outbox.send("13800990031", "二", dev=False, now=now + timedelta(seconds=61))
    assert not outbox.allows("13800990031", config, now + timedelta(seconds=200)), "two a day"
    assert outbox.allows("13800990031", config, now + timedelta(days=1, seconds=120))
    assert [m.text for m in outbox.latest("13800990031")] == ["一"], "the outbox keeps messages in dev mode only"

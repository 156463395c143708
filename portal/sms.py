"""The sandbox's SMS gateway for messages to a citizen's phone on record other than codes: today
the link a hotline agent sends a caller to continue the draft started for them on the phone.

Why a template and not free text: a real platform sends through an operator's gateway with
pre-approved templates (短信模板), the sender filling only their variables, so nobody can use
the platform to put words of their choosing on a citizen's phone. Here the portal writes the
sentence; the assistant names only the application (which must be the token's own draft) and
the link. The phone is the one the registers hold, never one the assistant names.

The gateway is a log line (masked phone, the link's secret part hidden) and, in development
mode only (BANSHI_PORTAL_DEV=1), an outbox per phone that tests and local tools read with
`GET /dev/sms?phone=<number>`. Both the outbox and the sending limits live in this process:
one a minute and `BANSHI_PORTAL_SMS_PER_PHONE_PER_DAY` a day per phone, as for codes. A
sandbox convenience, not a record — the SMS codes keep their own gateway line in
portal/identity.py and portal/signing.py.
"""

from __future__ import annotations

import logging
import re
import threading
from collections import deque
from datetime import datetime

from bot.settings import settings
from portal.config import PortalConfig
from portal.db import Database, utcnow
from portal.errors import ApiError
from portal.identity import DAY, Subject, aware, digest, mask_phone, phone_on_record
from portal.records import owned, service_item
from portal.schemas import ContinueLinkRequest, DevSmsList, DevSmsMessage, SmsSentOut

log = logging.getLogger("portal.sms")

KEPT_PER_PHONE = 20
PHONES_KEPT = 1000
_SECRET_PART = re.compile(r"[#?]\S*")
CONTINUE_TEMPLATE = (
    "【示例市一网通办】您通过{hotline}热线办理的「{title}」已保存为草稿（编号{number}）。"
    "请打开 {link} ，核验本人身份后继续填写，已填的内容都在。链接仅可使用一次；如非本人操作，请忽略本短信。"
)


class Outbox:
    """What the gateway sent, per phone (dev mode), and when, for the limits."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._sent: dict[str, deque[datetime]] = {}
        self._messages: dict[str, deque[DevSmsMessage]] = {}

    def allows(self, phone: str, config: PortalConfig, now: datetime) -> bool:
        """One message a phone in the cool-down, and the day's allowance, whatever the sender."""
        with self._lock:
            times = [t for t in self._sent.get(digest("phone", phone), ()) if t > now - DAY]
        recent = [t for t in times if t > now - config.limits.sms_cooldown]
        return not recent and len(times) < config.limits.sms_per_phone_per_day

    def send(self, phone: str, text: str, dev: bool, now: datetime) -> None:
        # The log never carries what opens something: the link's query or fragment is hidden.
        log.info("沙箱短信网关：向 %s 发送短信：%s", mask_phone(phone), _SECRET_PART.sub("#…", text))
        with self._lock:
            key = digest("phone", phone)
            self._sent.setdefault(key, deque(maxlen=KEPT_PER_PHONE * 5)).append(now)
            if dev:
                kept = self._messages.setdefault(phone, deque(maxlen=KEPT_PER_PHONE))
                kept.append(DevSmsMessage(phone_masked=mask_phone(phone), text=text, sent_at=aware(now)))
            for bounded in (self._sent, self._messages):
                while len(bounded) > PHONES_KEPT:
                    bounded.pop(next(iter(bounded)))

    def latest(self, phone: str) -> list[DevSmsMessage]:
        with self._lock:
            return list(reversed(self._messages.get(phone, ())))


OUTBOX = Outbox()
"""One per portal process."""


def send_continue_link(
    db: Database, config: PortalConfig, subject: Subject, number: str, request: ContinueLinkRequest
) -> SmsSentOut:
    """Texts the applicant of a draft (the token's own) the link to continue it."""
    now = utcnow()
    with db.transaction() as session:
        app = owned(session, subject, number)
        if app.status != "draft":
            raise ApiError(409, "already_submitted", "申请已经提交，无需再继续填写。")
        phone = phone_on_record(session, app.subject_type, app.subject_id)
        title = service_item(config, app.service_code).title
        app_number = app.number
    if not phone:
        raise ApiError(422, "no_phone_on_record", "登记信息中没有手机号码，无法发送短信。")
    if not OUTBOX.allows(phone, config, now):
        raise ApiError(429, "too_many_requests", "短信刚刚发送过，或今天发送的次数已达上限，请稍后再试。")
    text = CONTINUE_TEMPLATE.format(hotline=settings.hotline, title=title, number=app_number, link=request.link)
    OUTBOX.send(phone, text, config.dev, now)
    return SmsSentOut(phone_masked=mask_phone(phone), message=f"短信已发送至登记手机 {mask_phone(phone)}。")


def dev_outbox(phone: str) -> DevSmsList:
    """The latest messages to `phone`, newest first (dev mode only)."""
    if not re.fullmatch(r"1[3-9]\d{9}", phone or ""):
        raise ApiError(
            422, "invalid_parameter", "请提供11位手机号码（phone）。", [{"field": "phone", "problem": "格式不正确"}]
        )
    return DevSmsList(messages=OUTBOX.latest(phone))

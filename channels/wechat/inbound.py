"""What WeChat pushed to us: the XML parsed defensively and read as one of a few kinds.

The webhook is on the public internet and its body is the one thing an attacker fully
controls, so the parser accepts only what WeChat sends: UTF-8, one flat `<xml>` element, no
DTD. Entity declarations are refused before expat sees them (a "billion laughs" payload
would otherwise expand in memory); anything else odd raises `InboundRejected`, which the
channel turns into a 4xx without touching the dialogue.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from xml.parsers.expat import ExpatError

import xmltodict

from channels.wechat import texts

# Any markup declaration except CDATA sections and comments: DOCTYPE, ENTITY, ELEMENT, ATTLIST.
_DECLARATION = re.compile(r"<!(?!\[CDATA\[|--)", re.IGNORECASE)
# openids and the account's original id (gh_…): WeChat uses nothing else, so nothing else passes.
_OPENID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_MEDIA_ID = re.compile(r"^[A-Za-z0-9_-]{1,128}$")
MAX_TEXT_CHARS = 4000
# Events after which WeChat opens the 48-hour customer-service window (location reports and
# link clicks do not).
_INTERACTION_EVENTS = frozenset({"subscribe", "scan", "click", "scancode_push", "scancode_waitmsg"})


class InboundRejected(ValueError):
    """The request body is not a message we accept; `reason` is safe to log."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def parse_xml(body: bytes | str) -> dict[str, str]:
    """The fields of a WeChat `<xml>` document; nested elements are dropped (we need none)."""
    if isinstance(body, bytes):
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            raise InboundRejected("body is not UTF-8") from None
    else:
        text = body
    text = text.lstrip("\ufeff").strip()
    if not text:
        raise InboundRejected("empty body")
    if _DECLARATION.search(text):
        raise InboundRejected("DTD or entity declaration")
    try:
        document = xmltodict.parse(text, disable_entities=True)
    except (ExpatError, ValueError) as error:
        raise InboundRejected(f"malformed XML ({type(error).__name__})") from None
    root = document.get("xml") if isinstance(document, dict) else None
    if not isinstance(root, dict):
        raise InboundRejected("root element is not <xml> with fields")
    fields = {key: value.strip() for key, value in root.items() if isinstance(value, str)}
    for name in SUBSCRIPTION_ELEMENTS:
        if isinstance(root.get(name), dict):
            fields[SUBSCRIPTIONS] = _subscriptions(root[name])
    return fields


SUBSCRIPTION_ELEMENTS = ("SubscribeMsgPopupEvent", "SubscribeMsgChangeEvent")
SUBSCRIPTIONS = "Subscriptions"
_TEMPLATE_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def _subscriptions(element: dict) -> str:
    """The <List> items of a subscribe-message event as "template:status" lines."""
    items = element.get("List")
    items = items if isinstance(items, list) else [items]
    lines = []
    for item in items[:20]:
        if isinstance(item, dict):
            template, status = item.get("TemplateId"), item.get("SubscribeStatusString")
            if isinstance(template, str) and _TEMPLATE_ID.match(template.strip()) and isinstance(status, str):
                lines.append(f"{template.strip()}:{status.strip().lower()}")
    return "\n".join(lines)


@dataclass(frozen=True)
class Inbound:
    """One message or event, reduced to what the channel acts on.

    At most one of `to_dialogue` (text for Rasa), `media_id` (a picture to fetch and hand to
    the dialogue as a material) and `direct_reply` (answered by the channel) is set; none for an
    event that needs no answer (e.g. unsubscribe).
    """

    openid: str
    account: str
    msg_type: str
    dedup_key: str
    msg_id: str | None = None
    to_dialogue: str | None = None
    media_id: str | None = None
    direct_reply: str | None = None
    counts_as_interaction: bool = True
    subscriptions: tuple[tuple[str, bool], ...] = ()
    """(template id, accepted) of a subscribe-message event: opt-ins to case notices."""


def read_inbound(fields: dict[str, str]) -> Inbound:
    """Classifies a parsed message: text and voice go to Rasa, a picture is a material to fetch,
    subscribe greets, others are declined."""
    openid = fields.get("FromUserName", "")
    account = fields.get("ToUserName", "")
    msg_type = fields.get("MsgType", "").lower()
    if not _OPENID.match(openid) or not _OPENID.match(account) or not msg_type:
        raise InboundRejected("missing or invalid FromUserName, ToUserName or MsgType")
    msg_id = fields.get("MsgId") or None
    if msg_id and not msg_id.isdigit():
        raise InboundRejected("MsgId is not numeric")
    event = fields.get("Event", "").lower()
    # WeChat retries by resending the same MsgId; events have none, so sender + time identify them.
    dedup_key = f"msg:{msg_id}" if msg_id else f"evt:{openid}:{fields.get('CreateTime', '')}:{event}"
    base = dict(openid=openid, account=account, msg_type=msg_type, dedup_key=dedup_key, msg_id=msg_id)

    if msg_type == "text":
        content = fields.get("Content", "")[:MAX_TEXT_CHARS].strip()
        if not content:
            return Inbound(**base, direct_reply=texts.EMPTY_MESSAGE)
        return Inbound(**base, to_dialogue=content)
    if msg_type == "voice":
        recognition = fields.get("Recognition", "")[:MAX_TEXT_CHARS].strip()
        if not recognition:
            return Inbound(**base, direct_reply=texts.VOICE_NOT_RECOGNISED)
        return Inbound(**base, to_dialogue=recognition)
    if msg_type == "image":
        media_id = fields.get("MediaId", "")
        if not _MEDIA_ID.match(media_id):
            raise InboundRejected("image without a valid MediaId")
        return Inbound(**base, media_id=media_id)
    if msg_type == "event":
        if event == "subscribe":
            return Inbound(**base, to_dialogue="/greet")
        if event in ("subscribe_msg_popup_event", "subscribe_msg_change_event"):
            decisions = tuple(
                (template, status == "accept")
                for template, _, status in (line.partition(":") for line in fields.get(SUBSCRIPTIONS, "").splitlines())
            )
            return Inbound(**base, subscriptions=decisions, counts_as_interaction=False)
        # Other events (unsubscribe, menu clicks, location reports, template receipts) are not
        # messages and get no answer.
        return Inbound(**base, counts_as_interaction=event in _INTERACTION_EVENTS)
    return Inbound(**base, direct_reply=texts.UNSUPPORTED_MESSAGE)

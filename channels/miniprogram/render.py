"""Rasa's bot messages as the mini-program's structured JSON.

The webhook answers `{"messages": [...]}`, in the order Rasa produced them, each one of:

    {"type": "text",    "text": "..."}
    {"type": "buttons", "text": "...", "buttons": [{"title": "...", "payload": "/intent"}]}
    {"type": "card",    "title": "...", "fields": [{"label": "...", "value": "..."}],
                        "subtitle": "...", "footer": "...", "buttons": [...]}   (last three optional)
    {"type": "image",   "url": "https://..."}
    {"type": "subscribe", "text": "...", "template_ids": ["..."], "button": "接收办件通知"}
                        after a submission: a tap calls wx.requestSubscribeMessage({tmplIds})
                        and posts its result to /webhooks/miniprogram/subscriptions
    {"type": "materials", "text": "...", "items": ["经营场所平面布局图", ...], "button": "一起上传"}
                        several materials still to upload: a picker per item (wx.chooseMedia),
                        each file posted to /webhooks/miniprogram/upload, then one webhook call
                        {"uploads": [refs], "materials": [the item of each ref]}

A button's payload is what the mini-program sends back as the next `message` when tapped.

Cards come from a Rasa `custom` payload of this shape (an action calls
`dispatcher.utter_message(json_message={"card": {...}})`, a response uses `custom:`):

    {"card": {
        "title": "新生儿出生一件事 · 申请摘要",           required, non-empty text
        "subtitle": "受理编号 SL2024…",                  optional text
        "fields": [{"label": "办理状态", "value": "审核中"}, ...],
                                                          label: non-empty text; value: text or
                                                          number (shown as text); others dropped
        "buttons": [{"title": "查看进度", "payload": "/check_status"}],   optional
        "footer": "如有疑问请拨打热线"                      optional text
    }}

Cards are meant for application summaries and status. The channel shows what it is given:
actions mask personal data (bot.privacy) before putting it on a card. A `custom` payload of
another shape, and `attachment`s, are not shown (logged at debug level).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import Any

from bot.settings import settings
from channels.miniprogram import texts
from channels.wechat.rendering import Option, button_options

logger = logging.getLogger(__name__)

MAX_CARD_FIELDS = 50


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _buttons(options: Iterable[Option]) -> list[dict[str, str]]:
    return [{"title": option.title, "payload": option.payload} for option in options]


def _field_value(value: Any) -> str | None:
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, str):
        return value.strip()
    return None


def render_card(custom: Any) -> dict[str, Any] | None:
    """The card of a `custom` payload `{"card": {...}}`, or None if it is not a valid card."""
    card = custom.get("card") if isinstance(custom, Mapping) else None
    if not isinstance(card, Mapping):
        return None
    title = _text(card.get("title"))
    if not title:
        return None
    fields = []
    for field in card.get("fields") or []:
        if not isinstance(field, Mapping):
            continue
        label, value = _text(field.get("label")), _field_value(field.get("value"))
        if label and value is not None:
            fields.append({"label": label, "value": value})
    rendered: dict[str, Any] = {"type": "card", "title": title, "fields": fields[:MAX_CARD_FIELDS]}
    for key in ("subtitle", "footer"):
        if _text(card.get(key)):
            rendered[key] = _text(card.get(key))
    buttons = button_options(card)
    if buttons:
        rendered["buttons"] = _buttons(buttons)
    return rendered


def render_message(message: Mapping[str, Any]) -> list[dict[str, Any]]:
    """One Rasa bot message as zero or more mini-program messages."""
    out: list[dict[str, Any]] = []
    text = _text(message.get("text"))
    buttons = button_options(message)
    if buttons:
        out.append({"type": "buttons", "text": text, "buttons": _buttons(buttons)})
    elif text:
        out.append({"type": "text", "text": text})
    image = _text(message.get("image"))
    if image:
        out.append({"type": "image", "url": image})
    custom = message.get("custom")
    if custom is not None:
        card = render_card(custom) or render_notice_offer(custom) or render_materials_card(custom)
        if card is not None:
            out.append(card)
        else:
            logger.debug("miniprogram: a custom payload that is not a card was not shown")
    return out


def render_notice_offer(custom: Any) -> dict[str, Any] | None:
    """The offer of case notices after a submission (`{"offer_notices": {...}}`), or None."""
    if not isinstance(custom, Mapping) or not isinstance(custom.get("offer_notices"), Mapping):
        return None
    return {
        "type": "subscribe",
        "text": texts.OFFER_NOTICES,
        "template_ids": [settings.miniprogram_notice_template],
        "button": texts.OFFER_NOTICES_BUTTON,
    }


def render_materials_card(custom: Any) -> dict[str, Any] | None:
    """Several materials to upload in one step (`{"materials_card": {...}}`), or None."""
    card = custom.get("materials_card") if isinstance(custom, Mapping) else None
    items = card.get("items") if isinstance(card, Mapping) else None
    if not isinstance(items, list) or not items or not all(_text(item) for item in items):
        return None
    return {"type": "materials", "text": _text(card.get("title")), "items": items, "button": _text(card.get("button"))}


def render_messages(messages: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """A turn's bot messages, in order."""
    rendered: list[dict[str, Any]] = []
    for message in messages:
        if isinstance(message, Mapping):
            rendered.extend(render_message(message))
    return rendered


def button_payloads(rendered: Iterable[dict[str, Any]]) -> list[str]:
    """The payloads of every button in rendered messages (buttons and cards alike)."""
    return [button["payload"] for message in rendered for button in message.get("buttons") or ()]

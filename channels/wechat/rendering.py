"""Rasa's bot messages as WeChat text, and the numbered options that stand in for buttons.

A WeChat text message has no buttons and is dropped silently above 2048 bytes, so a turn's
messages are merged into one text, buttons become numbered lines, and the result is cut into
parts that each fit. The numbering is a contract with `choose_option`: "1" (or "１") chosen
later sends the first button's payload.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from channels.wechat import texts

WECHAT_TEXT_LIMIT_BYTES = 2048
_SENTENCE_END = "。！？；!?;，,、 "
_CHOICE = re.compile(r"^\s*(\d{1,3})\s*[.。、)）]?\s*$")


@dataclass(frozen=True)
class Option:
    title: str
    payload: str


@dataclass(frozen=True)
class RenderedReply:
    text: str
    options: tuple[Option, ...] = ()


def button_options(message: Mapping[str, Any]) -> list[Option]:
    """A bot message's buttons (or quick replies) that carry a payload; the title defaults to it.

    Shared with the mini-program, which shows them as real buttons."""
    buttons = message.get("buttons") or message.get("quick_replies") or []
    if not isinstance(buttons, (list, tuple)):
        return []
    return [
        Option(str(button.get("title") or button["payload"]), str(button["payload"]))
        for button in buttons
        if isinstance(button, Mapping) and button.get("payload")
    ]


def render_messages(messages: Iterable[Mapping[str, Any]]) -> RenderedReply:
    """Merges one turn's bot messages; buttons of all messages are numbered continuously."""
    blocks: list[str] = []
    options: list[Option] = []
    for message in messages:
        lines: list[str] = []
        if message.get("text"):
            lines.append(str(message["text"]).strip())
        buttons = button_options(message)
        if buttons:
            if not options:
                lines.append(texts.OPTIONS_HINT)
            for option in buttons:
                options.append(option)
                lines.append(f"{len(options)}. {option.title}")
        if message.get("image") and not str(message["image"]).startswith("data:"):
            # a thumbnail of an upload (data: URL) is shown back only by richer clients
            lines.append(f"{texts.IMAGE_LABEL}：{message['image']}")
        # `custom` and `attachment` payloads are meant for richer clients; WeChat text cannot carry them.
        block = "\n".join(line for line in lines if line)
        if block:
            blocks.append(block)
    return RenderedReply("\n\n".join(blocks), tuple(options))


def _utf8_len(text: str) -> int:
    return len(text.encode("utf-8"))


def _hard_split(text: str, limit: int) -> list[str]:
    """Cuts a line without breaks into pieces that fit, preferably after punctuation."""
    pieces: list[str] = []
    while _utf8_len(text) > limit:
        cut, size = 0, 0
        for index, char in enumerate(text):
            size += _utf8_len(char)
            if size > limit:
                break
            cut = index + 1
        window = text[:cut]
        soft = max(window.rfind(mark) for mark in _SENTENCE_END)
        if soft >= cut // 2:
            cut = soft + 1
        pieces.append(text[:cut])
        text = text[cut:]
    if text:
        pieces.append(text)
    return pieces


def _pack(units: Iterable[str], separator: str, limit: int) -> list[str]:
    """Joins consecutive units while they fit; every unit must fit on its own."""
    parts: list[str] = []
    current = ""
    for unit in units:
        candidate = f"{current}{separator}{unit}" if current else unit
        if _utf8_len(candidate) <= limit:
            current = candidate
            continue
        if current.strip():
            parts.append(current.strip())
        current = unit
    if current.strip():
        parts.append(current.strip())
    return parts


def split_text(text: str, limit: int = WECHAT_TEXT_LIMIT_BYTES) -> list[str]:
    """Parts of at most `limit` UTF-8 bytes, cut between paragraphs, else lines, else sentences."""
    text = text.strip()
    if not text:
        return []
    if _utf8_len(text) <= limit:
        return [text]
    units: list[str] = []
    for paragraph in text.split("\n\n"):
        if _utf8_len(paragraph) <= limit:
            units.append(paragraph)
            continue
        lines: list[str] = []
        for line in paragraph.split("\n"):
            lines.extend(_hard_split(line, limit) if _utf8_len(line) > limit else [line])
        units.extend(_pack(lines, "\n", limit))
    return _pack(units, "\n\n", limit)


def choose_option(text: str, options: Sequence[Option]) -> Option | None:
    """The option a reply like "2", "２" or "2." picks, if it is in range."""
    if not options:
        return None
    match = _CHOICE.match(unicodedata.normalize("NFKC", text or ""))
    if not match:
        return None
    number = int(match.group(1))
    return options[number - 1] if 1 <= number <= len(options) else None

"""What every reader shares: the verdict (`Parsed`), the field being asked, Chinese numerals,
trimming and the punctuation citizens type.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

TIMEZONE = ZoneInfo("Asia/Shanghai")
MAX_TEXT_CHARS = 200


@dataclass(frozen=True)
class Parsed:
    """A reader's verdict: a value to store, or a problem to tell the citizen (never both)."""

    value: object | None
    problem: str | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None and self.value is not None


@dataclass(frozen=True)
class Field:
    """The settings of the field being asked, which some readers need besides the text."""

    choices: tuple[str, ...]
    today: date
    minimum: int | None
    maximum: int | None
    label: str

    def called(self, default: str) -> str:
        return self.label or default


def problem(reason: str) -> Parsed:
    return Parsed(None, reason)


_EDGE_PUNCTUATION = " \t\n，。！？、；：,.!?;:~～…\"'“”‘’（）()【】[]「」《》<>—-_"
_PUNCTUATION = re.compile(r"[\s，。！？、；：,.!?;:~～…\"'“”‘’（）()【】\[\]「」《》<>—_]+")
CJK = "\u4e00-\u9fff"
MEANINGFUL = re.compile(rf"[{CJK}0-9A-Za-z]")
SPACES = re.compile(r"\s+")


def trim(text: str) -> str:
    return text.strip(_EDGE_PUNCTUATION)


def squeeze(text: str) -> str:
    """The text without spaces and punctuation: "嗯，不需要。" and "嗯不需要" read the same."""
    return _PUNCTUATION.sub("", text)


_CN_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_CN_UNITS = {"十": 10, "百": 100, "千": 1000}
CN_RUN = re.compile("[零〇一二两三四五六七八九十百千万]+")
NOT_NUMBERS = re.compile("一共|一下|一些|一点|一般|一直|一样|一定|一起|统一|之一|万一")
"""Words with 一 in them that are not a count: "一共八十平" means 80."""


def chinese_number(run: str) -> int:
    """二〇二六 → 2026, 一百二十 → 120, 一百二 → 120 (spoken short form), 两万五 → 25000."""
    if not any(ch in "十百千万" for ch in run):
        return int("".join(str(_CN_DIGITS[ch]) for ch in run))
    total = section = number = 0
    unit_before_digit: int | None = None
    previous_unit: int | None = None
    for ch in run:
        if ch in _CN_DIGITS:
            number, unit_before_digit, previous_unit = _CN_DIGITS[ch], previous_unit, None
        elif ch == "万":
            total = ((total + section + number) or 1) * 10000
            section = number = 0
            previous_unit = 10000
        else:
            section += (number or 1) * _CN_UNITS[ch]
            number, previous_unit = 0, _CN_UNITS[ch]
    if number and unit_before_digit and unit_before_digit >= 100:
        number *= unit_before_digit // 10
    return total + section + number


def arabic_numerals(text: str) -> str:
    """Chinese numerals in `text` written as Arabic ones: 上个月三号 → 上个月3号."""
    return CN_RUN.sub(lambda m: str(chinese_number(m.group())), text)


def listing(options: Sequence[str]) -> str:
    return "、".join(f"{i}.{option}" for i, option in enumerate(options, 1))

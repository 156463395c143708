"""Lunar dates ("农历八月十五", "腊月二十三") to the Gregorian calendar, through `lunar_python`
(6tail's lunar library, the one Chinese calendar apps use; pure Python, data in the package):
a citizen's "农历八月十五" is never read as 15 August."""

from __future__ import annotations

import re
from datetime import date, datetime

from lunar_python import Lunar

_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}
_MONTHS = {"正": 1, "冬": 11, "腊": 12}
_LUNAR = re.compile(
    r"(?:农历|阴历|旧历)\s*(闰)?\s*([正冬腊一二三四五六七八九十]{1,2}|\d{1,2})月\s*(初?[一二三四五六七八九十廿]{1,3}|\d{1,2})"
)


def _number(text: str) -> int:
    if text.isdigit():
        return int(text)
    text = text.removeprefix("初").replace("廿", "二十")
    if text in _MONTHS:
        return _MONTHS[text]
    if "十" in text:
        tens, _, ones = text.partition("十")
        return (_DIGITS.get(tens, 1) if tens else 1) * 10 + (_DIGITS[ones] if ones else 0)
    return _DIGITS[text]


def find_lunar(text: str) -> tuple[int, int, bool] | None:
    """(month, day, leap) of the first lunar date named in `text`, or None."""
    match = _LUNAR.search(text or "")
    if not match:
        return None
    month, day = _number(match.group(2)), _number(match.group(3))
    if not (1 <= month <= 12 and 1 <= day <= 30):
        return None
    return month, day, bool(match.group(1))


def to_solar(year: int, month: int, day: int, leap: bool = False) -> date:
    """The Gregorian date of lunar `month`/`day` in lunar `year`; ValueError for a date that year
    does not have (a leap month it has not, a 30th in a short month)."""
    try:
        solar = Lunar.fromYmd(year, -month if leap else month, day).getSolar()
    except Exception as error:  # noqa: BLE001 - the library raises a bare Exception for bad dates
        raise ValueError(f"农历{year}年没有{'闰' if leap else ''}{month}月{day}日") from error
    found = date(solar.getYear(), solar.getMonth(), solar.getDay())
    if to_lunar(found) != (month, day, leap):
        raise ValueError(f"农历{year}年没有{'闰' if leap else ''}{month}月{day}日")  # rolled over
    return found


def to_lunar(day: date) -> tuple[int, int, bool]:
    """(month, day, leap) of a Gregorian date."""
    lunar = Lunar.fromDate(datetime(day.year, day.month, day.day))
    return abs(lunar.getMonth()), lunar.getDay(), lunar.getMonth() < 0

"""Dates as citizens say them: "2026年5月1日", "上个月3号", "下周五", "月底", "两周后"."""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable
from datetime import date, timedelta

from bot.applications.parsing.common import SPACES, Field, Parsed, arabic_numerals, problem
from bot.calculators.lunar import find_lunar, to_solar

_RELATIVE = {"上上": -2, "上": -1, "这": 0, "本": 0, "下": 1, "下下": 2}
_RELATIVE_YEARS = {"前年": -2, "去年": -1, "今年": 0, "明年": 1, "后年": 2}
_NAMED_DAYS = {
    "大前天": -3,
    "前天": -2,
    "昨天": -1,
    "昨日": -1,
    "今天": 0,
    "今日": 0,
    "明天": 1,
    "明日": 1,
    "后天": 2,
    "大后天": 3,
}
_SPAN_DAYS = {"天": 1, "日": 1, "周": 7, "星期": 7, "礼拜": 7}
_WEEKDAYS = {"1": 0, "2": 1, "3": 2, "4": 3, "5": 4, "6": 5, "7": 6, "日": 6, "天": 6}
_REL = "(上上|下下|上|下|这|本)"


def _impossible_month(year: int, month: int) -> Parsed | None:
    if not 1 <= month <= 12:
        return problem(f"没有{month}月，请核对日期后重新输入。")
    if not 1900 <= year <= 2100:
        return problem(f"{year}年看起来不对，请核对日期后重新输入。")
    return None


def _dated(year: int, month: int, day: int) -> Parsed:
    """An ISO date, or what is impossible about it in the citizen's own terms."""
    impossible = _impossible_month(year, month)
    if impossible:
        return impossible
    days = calendar.monthrange(year, month)[1]
    if not 1 <= day <= days:
        return problem(f"{year}年{month}月没有{day}日（这个月只有{days}天），请核对后重新输入。")
    return Parsed(date(year, month, day).isoformat())


def _month_of(today: date, shift: int) -> tuple[int, int]:
    index = today.year * 12 + today.month - 1 + shift
    return index // 12, index % 12 + 1


def _shifted(today: date, months: int) -> Parsed:
    """Today moved by whole months; the 31st becomes the month's last day when it has none."""
    year, month = _month_of(today, months)
    return _impossible_month(year, month) or _dated(year, month, min(today.day, calendar.monthrange(year, month)[1]))


def _month_end(year: int, month: int) -> Parsed:
    return _impossible_month(year, month) or _dated(year, month, calendar.monthrange(year, month)[1])


def _weekday(today: date, relative: str | None, day: str) -> Parsed:
    monday = today - timedelta(days=today.weekday())
    target = monday + timedelta(weeks=_RELATIVE.get(relative or "这", 0), days=_WEEKDAYS[day])
    return Parsed(target.isoformat())


def _span(today: date, count: int, unit: str, direction: str) -> Parsed:
    sign = -1 if direction == "前" else 1
    if unit == "月":
        return _shifted(today, sign * count)
    if unit == "年":
        return _shifted(today, sign * count * 12)
    target = today + timedelta(days=sign * count * _SPAN_DAYS[unit])
    return _dated(target.year, target.month, target.day)


def _day_only(month: int) -> Parsed:
    return problem(f"请告诉我具体是{month}月几号，例如“{month}月1日”。")


_DateRule = tuple[re.Pattern, Callable[[re.Match, date], Parsed]]
_DATE_RULES: tuple[_DateRule, ...] = (
    (
        re.compile(r"(?<!\d)(\d{4})(?:年|[-/.])(\d{1,2})(?:月|[-/.])(\d{1,2})(?!\d)"),
        lambda m, today: _dated(int(m[1]), int(m[2]), int(m[3])),
    ),
    (
        re.compile(r"(?<!\d)(\d{2})年(\d{1,2})月(\d{1,2})(?!\d)"),
        lambda m, today: _dated(2000 + int(m[1]), int(m[2]), int(m[3])),
    ),
    (
        re.compile(r"(?<!\d)((?:19|20)\d{2})(\d{2})(\d{2})(?!\d)"),
        lambda m, today: _dated(int(m[1]), int(m[2]), int(m[3])),
    ),
    (
        re.compile(r"(前年|去年|今年|明年|后年)(\d{1,2})月(\d{1,2})(?!\d)"),
        lambda m, today: _dated(today.year + _RELATIVE_YEARS[m[1]], int(m[2]), int(m[3])),
    ),
    (
        re.compile(_REL + r"个?月的?(\d{1,2})[日号]"),
        lambda m, today: _dated(*_month_of(today, _RELATIVE[m[1]]), int(m[2])),
    ),
    (
        re.compile(r"(?:(\d{4})年)?(?<!\d)(\d{1,2})月[底末]"),
        lambda m, today: _month_end(int(m[1] or today.year), int(m[2])),
    ),
    (
        re.compile(f"(?:{_REL}个?)?月[底末]"),
        lambda m, today: _month_end(*_month_of(today, _RELATIVE.get(m[1] or "这", 0))),
    ),
    (re.compile(r"(?<!\d)(\d{1,2})月份?(\d{1,2})(?!\d)"), lambda m, today: _dated(today.year, int(m[1]), int(m[2]))),
    (re.compile(r"(?<!\d)(\d{1,2})月(?!\d)"), lambda m, today: _day_only(int(m[1]))),
    (re.compile(f"{_REL}?个?(?:周|星期|礼拜)([1-7日天])"), lambda m, today: _weekday(today, m[1], m[2])),
    (
        re.compile(r"(?<!\d)(\d{1,4})个?(天|日|周|星期|礼拜|月|年)(?:以|之)?(前|后)"),
        lambda m, today: _span(today, int(m[1]), m[2], m[3]),
    ),
    (
        re.compile("|".join(sorted(_NAMED_DAYS, key=len, reverse=True))),
        lambda m, today: Parsed((today + timedelta(days=_NAMED_DAYS[m[0]])).isoformat()),
    ),
    (re.compile(r"(?<!\d)(\d{1,2})[日号](?!\d)"), lambda m, today: _dated(today.year, today.month, int(m[1]))),
)
"""Most explicit first: "2026年5月1日" must not be read as "5月1日" or as "1日"."""


_LUNAR_YEAR = re.compile(r"(?<!\d)(\d{4})年")


def _lunar_date(text: str, lunar: tuple[int, int, bool], today: date) -> Parsed:
    """A lunar date ("农历八月十五") is the Gregorian day of that date in this lunar year, or in
    the year said ("1966年农历七月初八"), never 15 August."""
    month, day, leap = lunar
    said = _LUNAR_YEAR.search(arabic_numerals(text))
    year = int(said[1]) if said else today.year
    try:
        return Parsed(to_solar(year, month, day, leap).isoformat())
    except ValueError as error:
        return problem(f"{error}，请核对后重新输入。")


def parse_date(text: str, field: Field) -> Parsed:
    """Dates as people say them, relative to `today`; "5月1日" is always this year's.

    A form cannot tell whether it asks about the past or the future, so a date without a
    year is not moved to next year; the citizen sees the full date when the form confirms.
    """
    lunar = find_lunar(text)
    if lunar is not None:
        return _lunar_date(text, lunar, field.today)
    spoken = arabic_numerals(SPACES.sub("", text))
    for pattern, meaning in _DATE_RULES:
        match = pattern.search(spoken)
        if match:
            return meaning(match, field.today)
    return problem(f"没能看懂{field.called('这个日期')}，请换个说法，例如“2026年5月1日”“5月1日”或“昨天”。")

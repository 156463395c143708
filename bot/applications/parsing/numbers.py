"""Counts and quantities: "大概80平", "两百千瓦", "1,200"."""

from __future__ import annotations

import re
from decimal import Decimal

from bot.applications.parsing.common import CN_RUN, NOT_NUMBERS, Field, Parsed, chinese_number, problem

_THOUSANDS = re.compile(r"(?<=\d)[,，](?=\d{3}(?!\d))")
_ARABIC_NUMBER = re.compile(r"(?<![\d.])(\d+(?:\.\d+)?)(万|千|百)?")
_MULTIPLIERS = {"万": 10000, "千": 1000, "百": 100, None: 1}


def _numbers_in(text: str) -> list[Decimal]:
    """Arabic figures when there are any (they are what people mean), else Chinese numerals."""
    text = _THOUSANDS.sub("", text)
    arabic = [Decimal(m[1]) * _MULTIPLIERS[m[2]] for m in _ARABIC_NUMBER.finditer(text)]
    if arabic:
        return arabic
    return [Decimal(chinese_number(run)) for run in CN_RUN.findall(NOT_NUMBERS.sub("", text))]


_KILO_UNIT = re.compile("千(?=瓦|伏|克|米|帕)")
"""千瓦, 千伏安, 千克: a unit prefix, not the numeral 千 ("200千瓦" is 200)."""


def parse_int(text: str, field: Field) -> Parsed:
    numbers = list(dict.fromkeys(_numbers_in(_KILO_UNIT.sub("k", text))))
    what = field.called("这个数")
    if not numbers:
        return problem(f"没有看到数字，请直接告诉我{field.called('一个数字')}，例如“80”。")
    if len(numbers) > 1:
        shown = "、".join(format(n.normalize(), "f") for n in numbers)
        return problem(f"您的回答里有好几个数字（{shown}），请只告诉我一个。")
    number = numbers[0]
    if number != number.to_integral_value():
        return problem(f"{what}需要填写整数，请重新输入。")
    value = int(number)
    if field.minimum is not None and field.maximum is not None and not field.minimum <= value <= field.maximum:
        return problem(f"{what}应在{field.minimum}到{field.maximum}之间，请重新输入。")
    if field.minimum is not None and value < field.minimum:
        return problem(f"{what}不能小于{field.minimum}，请重新输入。")
    if field.maximum is not None and value > field.maximum:
        return problem(f"{what}不能大于{field.maximum}，请重新输入。")
    return Parsed(value)

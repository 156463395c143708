"""Addresses inside 示例市, with their district and a street."""

from __future__ import annotations

import re

from bot.applications.parsing.common import CJK, MEANINGFUL, SPACES, Field, Parsed, problem, trim
from bot.geography import CITY, DISTRICTS, district_position

_OTHER_PLACE = re.compile(rf"[{CJK}]{{2,}}?(?:省|自治区|市|自治州|州|县)")
_ADDRESS_TAIL = re.compile(r"(?:吧|啊|呀|哦|的)+$")
_MIN_DETAIL_CHARS = 4


def parse_address(text: str, field: Field) -> Parsed:
    """An address in 示例市 with its district and a street; what was said before it is dropped."""
    districts = "、".join(DISTRICTS)
    example = f"例如“{CITY}东湖区幸福路12号”"
    address = _ADDRESS_TAIL.sub("", trim(SPACES.sub("", text)))
    located = district_position(address)
    elsewhere = _OTHER_PLACE.search(
        address.replace(CITY, "") if located is None else address[: located[1]].replace(CITY, "")
    )
    if elsewhere:
        return problem(f"目前只能办理{CITY}的业务，请填写{CITY}内的地址，并写明所在的区（{districts}），{example}。")
    if located is None:
        return problem(f"请在{field.called('地址')}里写明所在的区（{districts}），{example}。")
    _, start, end = located
    if len(MEANINGFUL.findall(address[end:])) < _MIN_DETAIL_CHARS:
        return problem(f"{field.called('地址')}请再写详细一些，要有街道（路）和门牌号，{example}。")
    return Parsed(CITY + address[start:])

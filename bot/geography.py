"""The demo city's districts: the one list the chat forms and the portal agree on.

Addresses are only useful to the departments if they fall inside 示例市 and name a district
(the district decides which office handles the case), so both sides check against this list.
"""

from __future__ import annotations

CITY = "示例市"
DISTRICTS: tuple[str, ...] = ("中心区", "东湖区", "西山区", "南港区", "北川区", "高新区")
ALIASES: dict[str, str] = {
    "高新技术产业开发区": "高新区",
    "高新技术开发区": "高新区",
    "高新开发区": "高新区",
}
"""Longer official names citizens copy from letters and licences, mapped to the district."""


def district_position(address: str) -> tuple[str, int, int] | None:
    """The district named first in `address`, with the span of the words that named it."""
    found = []
    for name, district in [*((d, d) for d in DISTRICTS), *ALIASES.items()]:
        start = (address or "").find(name)
        if start >= 0:
            found.append((start, -len(name), district))
    if not found:
        return None
    start, negative_length, district = min(found)
    return district, start, start - negative_length


def district_of(address: str) -> str | None:
    """The district of 示例市 that `address` names (the first one, if it names several)."""
    located = district_position(address)
    return located[0] if located else None

"""Statutory retirement age under the 2025 gradual reform (knowledge/retirement.md, 《全国人民代表
大会常务委员会关于实施渐进式延迟法定退休年龄的决定》): from 2025-01-01 the age rises by one
month for every 4 (or 2) months of birth after the first delayed birth month, up to the target.

Born 1966-01 as 男职工 → 60 years 4 months → 2026-05; born 1972-08 as 女干部 → 55 years 8 months
→ 2028-04; born 1977-03 as 女工人 → 51 years 2 months → 2028-05 (the guide's own examples).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

MAN, WOMAN_55, WOMAN_50 = "男职工", "女干部", "女工人"
"""女干部: 原法定55周岁的女职工 (管理、技术岗位); 女工人: 原法定50周岁的女职工 (生产、服务岗位)."""
FLEXIBLE_MONTHS = 36
"""弹性提前/延迟退休: at most 3 years either way, never before the original age."""


@dataclass(frozen=True)
class Rule:
    original_age: int
    first_delayed_birth: tuple[int, int]
    birth_months_per_month: int
    most_months: int


RULES = {
    MAN: Rule(60, (1965, 1), 4, 36),
    WOMAN_55: Rule(55, (1970, 1), 4, 36),
    WOMAN_50: Rule(50, (1975, 1), 2, 60),
}


@dataclass(frozen=True)
class Retirement:
    age_months: int
    year: int
    month: int
    earliest: tuple[int, int]
    """弹性提前: the earliest year and month one may choose (meeting the minimum contribution)."""
    latest: tuple[int, int]
    """弹性延迟: the latest, by agreement with the employer."""

    @property
    def age(self) -> str:
        years, months = divmod(self.age_months, 12)
        return f"{years}周岁" + (f"{months}个月" if months else "")

    @property
    def when(self) -> str:
        return f"{self.year}年{self.month}月"


def plus_months(year: int, month: int, months: int) -> tuple[int, int]:
    index = year * 12 + month - 1 + months
    return index // 12, index % 12 + 1


def retirement(birth_year: int, birth_month: int, category: str) -> Retirement:
    """The statutory retirement of someone born in `birth_year`-`birth_month` in `category`."""
    rule = RULES[category]
    start_year, start_month = rule.first_delayed_birth
    after = (birth_year - start_year) * 12 + birth_month - start_month
    delay = 0 if after < 0 else min(rule.most_months, after // rule.birth_months_per_month + 1)
    age_months = rule.original_age * 12 + delay
    year, month = plus_months(birth_year, birth_month, age_months)
    earliest_age = max(rule.original_age * 12, age_months - FLEXIBLE_MONTHS)
    return Retirement(
        age_months,
        year,
        month,
        plus_months(birth_year, birth_month, earliest_age),
        plus_months(birth_year, birth_month, age_months + FLEXIBLE_MONTHS),
    )


def statutory_retirement_date(birth: date, category: str) -> date:
    """The day: the birthday in the retirement month (the portal's registers keep a date)."""
    found = retirement(birth.year, birth.month, category)
    for day in (birth.day, 30, 29, 28):
        try:
            return date(found.year, found.month, day)
        except ValueError:
            continue
    raise ValueError(birth)

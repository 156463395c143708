"""Dates the portal promises and checks: working days, the city's "today", retirement ages.

Time limits in the guides are in working days (法定时限, 工作日), and a citizen's "today" is
the date in China, not on the server's clock.
"""

from __future__ import annotations

from datetime import date, timedelta

from bot.working_days import CHINA, add_working_days, today

__all__ = ["CHINA", "add_working_days", "statutory_retirement_date", "today", "working_days_before"]


def working_days_before(end: date, days: int) -> date:
    """The date `days` working days before `end` (used to seed cases that are already late)."""
    current = end
    remaining = days
    while remaining > 0:
        current -= timedelta(days=1)
        if current.weekday() < 5:
            remaining -= 1
    return current


def _add_months(day: date, months: int) -> date:
    month_index = day.year * 12 + day.month - 1 + months
    year, month = divmod(month_index, 12)
    month += 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return date(year, month, candidate)
        except ValueError:
            continue
    raise ValueError(day)


# (normal age in years, first birth month that is delayed, months of birth per month of delay, cap)
_RETIREMENT_RULES = {
    "男职工": (60, date(1965, 1, 1), 4, 36),
    "女干部": (55, date(1970, 1, 1), 4, 36),
    "女工人": (50, date(1975, 1, 1), 2, 60),
}


def statutory_retirement_date(birth: date, category: str) -> date:
    """Retirement date under the 2025 gradual reform (see knowledge/retirement.md).

    Born 1966-01 as 男职工 → 60 years 4 months → 2026-05; born 1972-08 as 女干部 → 55 years
    8 months → 2028-04. Categories: 男职工, 女干部 (原55周岁), 女工人 (原50周岁).
    """
    age, start, per, cap = _RETIREMENT_RULES[category]
    months_after = (birth.year - start.year) * 12 + birth.month - start.month
    delay = 0 if months_after < 0 else min(cap, months_after // per + 1)
    return _add_months(birth, age * 12 + delay)

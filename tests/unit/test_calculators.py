"""The calculators against the rules as the guides state them (knowledge/retirement.md,
knowledge/school_enrollment.md, the State Council's holiday notices, the lunar calendar)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from bot.calculators.lunar import find_lunar, to_lunar, to_solar
from bot.calculators.retirement import MAN, RULES, WOMAN_50, WOMAN_55, retirement, statutory_retirement_date
from bot.calculators.school_entry import can_enter, entry_year
from bot.working_days import (
    OfficialCalendar,
    add_working_days,
    calendar_file,
    is_working_day,
    load_calendar,
    uncovered_years,
    working_days_before,
)

# ---- retirement: the guide's table, every band of every category ------------------------------


def _months_after(start: tuple[int, int], offset: int) -> tuple[int, int]:
    index = start[0] * 12 + start[1] - 1 + offset
    return index // 12, index % 12 + 1


@pytest.mark.parametrize("category", [MAN, WOMAN_55, WOMAN_50])
def test_every_birth_month_band_adds_one_month_up_to_the_target(category):
    rule = RULES[category]
    before = _months_after(rule.first_delayed_birth, -1)
    assert retirement(*before, category).age_months == rule.original_age * 12, "born before the reform's first month"
    for band in range(1, rule.most_months + 1):
        first = _months_after(rule.first_delayed_birth, (band - 1) * rule.birth_months_per_month)
        last = _months_after(rule.first_delayed_birth, band * rule.birth_months_per_month - 1)
        for born in (first, last):
            assert retirement(*born, category).age_months == rule.original_age * 12 + band, (category, born)
    later = _months_after(rule.first_delayed_birth, rule.most_months * rule.birth_months_per_month + 60)
    assert retirement(*later, category).age_months == rule.original_age * 12 + rule.most_months


@pytest.mark.parametrize(
    "born, category, age, when",
    [
        ((1966, 1), MAN, "60周岁4个月", "2026年5月"),  # the guide's examples
        ((1972, 8), WOMAN_55, "55周岁8个月", "2028年4月"),
        ((1977, 3), WOMAN_50, "51周岁2个月", "2028年5月"),
        ((1966, 7), MAN, "60周岁5个月", "2026年12月"),  # 我是66年7月的男的
        ((1976, 9), MAN, "63周岁", "2039年9月"),  # the target reached, as the guide's table says
        ((1981, 9), WOMAN_55, "58周岁", "2039年9月"),
        ((1984, 11), WOMAN_50, "55周岁", "2039年11月"),
        ((1964, 12), MAN, "60周岁", "2024年12月"),
    ],
)
def test_the_guides_examples_and_targets(born, category, age, when):
    found = retirement(*born, category)
    assert (found.age, found.when) == (age, when)


def test_flexible_retirement_is_three_years_either_way_never_before_the_original_age():
    found = retirement(1966, 1, MAN)
    assert found.earliest == (2026, 1), "the guide: 最早可在60周岁即2026年1月退休"
    assert found.latest == (2029, 5)
    assert retirement(1980, 1, MAN).earliest == (2040, 1), "63 − 3 years = 60, the original age"
    assert statutory_retirement_date(date(1966, 1, 31), MAN) == date(2026, 5, 31)


# ---- school entry: the 31 August cut ------------------------------------------------------------


@pytest.mark.parametrize(
    "birth, year",
    [
        (date(2020, 8, 31), 2026),
        (date(2020, 9, 1), 2027),  # the guide: 2020-09-01 … 2021-08-31 enter in autumn 2027
        (date(2021, 8, 31), 2027),
        (date(2021, 9, 3), 2028),  # the guide's FAQ
        (date(2020, 2, 29), 2026),
        (date(2020, 10, 15), 2027),  # 女儿2020年10月生的 今年（2026）能上一年级吗 → 不能
    ],
)
def test_school_entry_year_across_the_31_august_cut(birth, year):
    assert entry_year(birth) == year
    assert can_enter(birth, year) and not can_enter(birth, year - 1)


# ---- working days with the official calendar ----------------------------------------------------

WEEKENDS_ONLY = OfficialCalendar(frozenset(), frozenset(), frozenset())


@pytest.mark.parametrize(
    "start, days, official, weekends_only",
    [
        (date(2026, 9, 28), 10, date(2026, 10, 16), date(2026, 10, 12)),  # across National Day
        (date(2026, 2, 13), 1, date(2026, 2, 14), date(2026, 2, 16)),  # 调休 Saturday before Spring Festival
        (date(2026, 2, 14), 1, date(2026, 2, 24), date(2026, 2, 16)),  # the whole Spring Festival off
        (date(2026, 4, 30), 1, date(2026, 5, 6), date(2026, 5, 1)),  # Labour Day
        (date(2026, 12, 4), 5, date(2026, 12, 11), date(2026, 12, 11)),  # an ordinary week
    ],
)
def test_working_days_follow_the_state_councils_notice(start, days, official, weekends_only):
    assert add_working_days(start, days) == official
    assert add_working_days(start, days, WEEKENDS_ONLY) == weekends_only
    assert working_days_before(official, days) <= start


def test_make_up_saturdays_are_working_days_and_holidays_are_not():
    for saturday in (date(2026, 1, 4), date(2026, 2, 14), date(2026, 2, 28), date(2026, 5, 9), date(2026, 10, 10)):
        assert is_working_day(saturday), saturday
    assert not is_working_day(date(2026, 10, 1)) and not is_working_day(date(2026, 2, 18))


def test_a_year_without_a_notice_falls_back_to_weekends_and_says_so():
    assert uncovered_years(date(2026, 12, 20), date(2027, 1, 10)) == [2027]
    assert uncovered_years(date(2026, 1, 1), date(2026, 12, 31)) == []
    assert add_working_days(date(2027, 9, 30), 1) == date(2027, 10, 1), "weekdays only, without the 2027 notice"


def test_the_calendar_file_matches_the_package_for_every_day_it_covers():
    chinese_calendar = pytest.importorskip("chinese_calendar")
    calendar = load_calendar(calendar_file())
    assert {2025, 2026} <= calendar.years
    day = date(2025, 1, 1)
    while day.year <= 2026:
        assert calendar.is_working_day(day) == chinese_calendar.is_workday(day), day
        day += timedelta(days=1)


# ---- lunar dates ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, year, solar",
    [
        ("今年农历八月十五那天", 2026, date(2026, 9, 25)),  # not 15 August
        ("阴历腊月二十三", 2026, date(2027, 1, 30)),
        ("农历正月初一", 2026, date(2026, 2, 17)),
        ("农历闰六月初一", 2025, date(2025, 7, 25)),
        ("农历11月29", 2026, date(2027, 1, 6)),
        ("农历十月廿一", 2026, None),
    ],
)
def test_lunar_dates_are_read_and_converted(text, year, solar):
    month, day, leap = find_lunar(text)
    found = to_solar(year, month, day, leap)
    if solar is not None:
        assert found == solar
    assert to_lunar(found) == (month, day, leap)


def test_dates_a_lunar_year_does_not_have_are_refused():
    assert find_lunar("8月15日") is None and find_lunar("农历十三月初一") is None
    with pytest.raises(ValueError):
        to_solar(2028, 4, 3, leap=True)

"""The city's "today" and working days, shared by the dialogue and the sandbox portal.

Time limits and 容缺 deadlines are in working days (工作日), and a citizen's "today" is the
date in China, not on the server's clock. Working days follow the State Council's yearly
holiday notice, kept as data editors maintain (knowledge/official_calendar.yml: holidays and
调休 workdays per year, seeded from the `chinesecalendar` package for the years it covers). A
year the file does not cover falls back to "Saturdays and Sundays off", and `uncovered_years`
says so, so the chat can add that the date is an estimate.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml

from bot.settings import settings

CHINA = ZoneInfo("Asia/Shanghai")
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class OfficialCalendar:
    holidays: frozenset[date]
    workdays: frozenset[date]
    years: frozenset[int]

    def is_working_day(self, day: date) -> bool:
        if day in self.holidays:
            return False
        return day in self.workdays or day.weekday() < 5


def calendar_file() -> Path:
    return settings.knowledge_dir / "official_calendar.yml"


@lru_cache(maxsize=4)
def load_calendar(path: Path | None = None) -> OfficialCalendar:
    """The calendar in `path` (default: the knowledge base's); an absent file covers no year."""
    path = path or calendar_file()
    years = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("years", {}) if path.exists() else {}
    holidays = {date.fromisoformat(str(d)) for year in years.values() for d in year.get("holidays") or ()}
    workdays = {date.fromisoformat(str(d)) for year in years.values() for d in year.get("workdays") or ()}
    return OfficialCalendar(frozenset(holidays), frozenset(workdays), frozenset(int(y) for y in years))


def today() -> date:
    return datetime.now(CHINA).date()


def is_working_day(day: date, calendar: OfficialCalendar | None = None) -> bool:
    return (calendar or load_calendar()).is_working_day(day)


def add_working_days(start: date, days: int, calendar: OfficialCalendar | None = None) -> date:
    """The date `days` working days after `start` (the day itself not counted)."""
    return _step(start, days, 1, calendar or load_calendar())


def deadline_after(moment: datetime, days: int, calendar: OfficialCalendar | None = None) -> datetime:
    """The end (in China) of the `days`-th working day after the day of `moment`, in UTC: how
    "within N working days" counts, from the next day on (knowledge/general.md)."""
    start = moment.astimezone(CHINA).date()
    end = add_working_days(start, days, calendar)
    return datetime.combine(end, time(23, 59, 59), tzinfo=CHINA).astimezone(timezone.utc)


def working_days_before(end: date, days: int, calendar: OfficialCalendar | None = None) -> date:
    """The date `days` working days before `end` (used to seed cases that are already late)."""
    return _step(end, days, -1, calendar or load_calendar())


def uncovered_years(start: date, end: date, calendar: OfficialCalendar | None = None) -> list[int]:
    """Years between the two dates whose holidays the calendar does not know (weekends assumed)."""
    known = (calendar or load_calendar()).years
    low, high = sorted((start.year, end.year))
    return [year for year in range(low, high + 1) if year not in known]


def _step(day: date, days: int, direction: int, calendar: OfficialCalendar) -> date:
    remaining = days
    while remaining > 0:
        day += timedelta(days=direction)
        if calendar.is_working_day(day):
            remaining -= 1
    if day.year not in calendar.years and day.year not in _warned:
        _warned.add(day.year)  # once per year and process, not on every count
        log.warning("%d年的法定节假日安排不在 official_calendar.yml 中，按周末休息推算", day.year)
    return day


_warned: set[int] = set()

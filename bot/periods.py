"""A range of China dates asked for on a staff page (the dashboard, the ticket list and its
export): read from `from`/`to` (YYYY-MM-DD, both included), checked, and turned into the UTC
instants the services store their times in."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from bot.working_days import CHINA

MAX_DAYS = 366
"""At most a year at once: a mistyped year must not scan every row."""
DEFAULT_DAYS = 7


class PeriodError(ValueError):
    """A period the dashboard cannot show; the message is for the supervisor, in Chinese."""


@dataclass(frozen=True)
class Period:
    """The China dates `first`..`last`, both included."""

    first: date
    last: date

    @classmethod
    def parse(cls, first: str | None, last: str | None, today: date | None = None) -> Period:
        """The period a request asks for: `to` defaults to today, `from` to the week ending on `to`."""
        end = _day(last) if last else today or datetime.now(CHINA).date()
        start = _day(first) if first else end - timedelta(days=DEFAULT_DAYS - 1)
        if start > end:
            raise PeriodError("开始日期不能晚于结束日期，请重新选择。")
        if (end - start).days + 1 > MAX_DAYS:
            raise PeriodError(f"一次最多查看{MAX_DAYS}天的数据，请缩小日期范围。")
        return cls(start, end)

    @property
    def since(self) -> datetime:
        """The period's start in UTC (as the services store their times)."""
        return datetime.combine(self.first, time.min, CHINA).astimezone(timezone.utc)

    @property
    def until(self) -> datetime:
        """The start of the day after the period, in UTC (exclusive)."""
        return datetime.combine(self.last + timedelta(days=1), time.min, CHINA).astimezone(timezone.utc)

    def days(self) -> list[date]:
        return [self.first + timedelta(days=n) for n in range((self.last - self.first).days + 1)]


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise PeriodError("日期格式不正确，请按“2026-12-05”的格式填写。") from None

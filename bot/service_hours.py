"""When people answer: the hours of the human service (BANSHI_HUMAN_HOURS), read on the official
working-day calendar, so that 转人工 on a Saturday evening says the earliest reply is Monday
morning (or the first working day after a holiday) instead of promising one "soon".

The setting is the sentence the citizen reads, "工作日 9:00—17:00" (working days) or
"每天 8:00—20:00" (every day); its two times are the opening and closing hours.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from bot.db import as_utc
from bot.settings import settings
from bot.working_days import CHINA, is_working_day

_HOURS = re.compile(r"(\d{1,2})[:：](\d{2})\s*[-—–~至到]+\s*(\d{1,2})[:：](\d{2})")
WEEKDAYS = "一二三四五六日"


@dataclass(frozen=True)
class ServiceHours:
    opens: time
    closes: time
    every_day: bool

    @classmethod
    def parse(cls, text: str) -> ServiceHours:
        found = _HOURS.search(text)
        if not found:
            raise ValueError(f"BANSHI_HUMAN_HOURS 应写成“工作日 9:00—17:00”或“每天 8:00—20:00”，而不是“{text}”")
        start_h, start_m, end_h, end_m = (int(g) for g in found.groups())
        closes = time.max if (end_h, end_m) == (24, 0) else time(end_h, end_m)
        return cls(time(start_h, start_m), closes, text.strip().startswith("每天"))

    def _serves_on(self, day: date) -> bool:
        return self.every_day or is_working_day(day)

    def open_at(self, moment: datetime) -> bool:
        local = moment.astimezone(CHINA)
        return self._serves_on(local.date()) and self.opens <= local.time() < self.closes

    def next_opening(self, moment: datetime) -> datetime:
        """The next time the service opens after `moment` (at `moment` itself if open then)."""
        local = moment.astimezone(CHINA)
        if self.open_at(local):
            return local
        day = local.date()
        if self._serves_on(day) and local.time() < self.opens:
            return datetime.combine(day, self.opens, CHINA)
        for _ in range(60):  # the longest holiday is eight days; a bad calendar must not loop forever
            day += timedelta(days=1)
            if self._serves_on(day):
                return datetime.combine(day, self.opens, CHINA)
        return datetime.combine(day, self.opens, CHINA)


def service_hours() -> ServiceHours:
    return ServiceHours.parse(settings.human_hours)


def spoken(moment: datetime, now: datetime) -> str:
    """ "今天14:00", "明天9:00", "12月8日（周一）9:00": when someone will answer, as said."""
    local, today = moment.astimezone(CHINA), now.astimezone(CHINA).date()
    clock = f"{local.hour}:{local.minute:02d}"
    if local.date() == today:
        return f"今天{clock}"
    if local.date() == today + timedelta(days=1):
        return f"明天{clock}"
    return f"{local.month}月{local.day}日（周{WEEKDAYS[local.weekday()]}）{clock}"


def spoken_deadline(moment: datetime, now: datetime) -> str:
    """A deadline at the end of a day, as said: "今天之内", "明天之内", "12月14日（周一）前"."""
    day, today = as_utc(moment).astimezone(CHINA).date(), now.astimezone(CHINA).date()
    if day == today:
        return "今天之内"
    if day == today + timedelta(days=1):
        return "明天之内"
    return f"{day.month}月{day.day}日（周{WEEKDAYS[day.weekday()]}）前"

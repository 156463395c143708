"""The city's "today" and working days, shared by the dialogue and the sandbox portal.

Time limits and 容缺 deadlines are in working days (工作日), and a citizen's "today" is the
date in China, not on the server's clock.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

CHINA = ZoneInfo("Asia/Shanghai")


def today() -> date:
    return datetime.now(CHINA).date()


def add_working_days(start: date, days: int) -> date:
    """The date `days` working days after `start` (Saturdays and Sundays skipped).

    Public holidays and make-up workdays are not modelled in the sandbox; a real platform takes
    them from the State Council's yearly calendar.
    """
    current = start
    remaining = days
    while remaining > 0:
        current += timedelta(days=1)
        if current.weekday() < 5:
            remaining -= 1
    return current

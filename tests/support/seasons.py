"""Application rounds for processes started by the tests and the benchmarks.

入学报名 is taken only in its round (the guide: 5月至6月). The happy paths — golden transcripts,
the end-to-end applications, `scripts/bench_applications.py` — run as a citizen applying in
season, so that they read the same in December as in May: their processes get a round
announced around today (`BANSHI_REGISTRATION_ROUNDS`). A test of the closed season starts its
processes with `closed_round()` instead. Standard library only: the Rasa runtime's tests load
this too.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

ROUNDS = "BANSHI_REGISTRATION_ROUNDS"
WINDOWED = ("school_enrollment",)
"""The items whose form has a registration window."""


def _today() -> date:
    return datetime.now(ZoneInfo("Asia/Shanghai")).date()


def _rounds(first: date, last: date) -> str:
    return ",".join(f"{code}={first.isoformat()}..{last.isoformat()}" for code in WINDOWED)


def open_round() -> str:
    """A round open from yesterday for two months: whatever today is, it is in season."""
    today = _today()
    return _rounds(today - timedelta(days=1), today + timedelta(days=60))


def closed_round() -> str:
    """A round this year that today is not in (March, or November when today is in spring)."""
    today = _today()
    month = 11 if today.month <= 6 else 3
    return _rounds(date(today.year, month, 1), date(today.year, month, 30))

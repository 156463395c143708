"""Dates the portal promises and checks: working days, the city's "today", retirement ages —
the chat's own implementations (bot/working_days.py, bot/calculators), so both say the same."""

from __future__ import annotations

from bot.calculators.retirement import statutory_retirement_date
from bot.working_days import CHINA, add_working_days, today, working_days_before

__all__ = ["CHINA", "add_working_days", "statutory_retirement_date", "today", "working_days_before"]

"""Which autumn a child starts primary school (knowledge/school_enrollment.md): children who are
6 on or before 31 August of the year (当年8月31日前（含当日）年满6周岁) enter that autumn."""

from __future__ import annotations

from datetime import date

CUT_OFF = (8, 31)
ENTRY_AGE = 6


def entry_year(birth: date) -> int:
    """Born 2020-09-01 … 2021-08-31 → 2027 (the guide's example); born 2021-09-03 → 2028."""
    return birth.year + ENTRY_AGE + (1 if (birth.month, birth.day) > CUT_OFF else 0)


def can_enter(birth: date, year: int) -> bool:
    """Whether the child may enter in the autumn of `year` (not earlier than the entry year)."""
    return year >= entry_year(birth)

"""Writes knowledge/official_calendar.yml from the `chinesecalendar` package for the years it
covers (2025 onwards), keeping any later year an editor entered from the State Council's notice.

The package stops where the State Council's published notices stop (1.11.0: 2026); each
December the new notice is entered in the file by hand. Run: .venv-actions/bin/python
scripts/seed_official_calendar.py
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import chinese_calendar
import yaml

ROOT = Path(__file__).resolve().parents[1]
TARGET = ROOT / "knowledge" / "official_calendar.yml"
FIRST_YEAR = 2025
HEADER = """\
# 法定节假日与调休上班日（国务院办公厅每年的节假日安排通知）。聊天和一网通办沙箱按它计算
# 工作日：holidays 放假，workdays 调休上班；未列入的年份按“周六、周日休息”推算并提示以
# 通知为准。2025—2026年由 chinesecalendar 包生成（scripts/seed_official_calendar.py），
# 以后每年的通知发布后，由编辑按同样格式录入新的一年。
"""


def _year_from_package(year: int) -> dict:
    days = [dt.date(year, 1, 1) + dt.timedelta(days=n) for n in range(366)]
    days = [day for day in days if day.year == year]
    return {
        "source": f"chinesecalendar {chinese_calendar.__version__}",
        "holidays": [day.isoformat() for day in days if day in chinese_calendar.holidays],
        "workdays": [day.isoformat() for day in days if day in chinese_calendar.workdays],
    }


def main() -> None:
    kept = (yaml.safe_load(TARGET.read_text(encoding="utf-8")) or {}).get("years", {}) if TARGET.exists() else {}
    covered = sorted({day.year for day in chinese_calendar.holidays if day.year >= FIRST_YEAR})
    years = {**kept, **{year: _year_from_package(year) for year in covered}}
    body = yaml.safe_dump({"years": dict(sorted(years.items()))}, allow_unicode=True, sort_keys=False, width=100)
    TARGET.write_text(HEADER + body, encoding="utf-8")
    print(f"{TARGET.relative_to(ROOT)}: {', '.join(str(y) for y in sorted(years))}")


if __name__ == "__main__":
    main()

"""The departments of the sandbox: a background task that moves each sub-task along
待受理 → 已受理 → 审批中 → 办结, or into 补正 / 不予受理 when the applicant's data calls for it.

Outcomes follow the demo data (an enterprise whose licence was revoked cannot change its
registration; a tax debt blocks 清税), plus an optional random 补正 rate so a demo shows what
real platforms do. Departments move independently, a step per tick with some probability,
which is what 并联办理 looks like from outside.
"""

from __future__ import annotations

import asyncio
import logging
import random
from datetime import date, datetime

from sqlalchemy import select

from portal.applications import OPEN_STATUSES, SUBTASK_TEXT, TERMINAL_SUBTASKS, refresh_status
from portal.config import PortalConfig
from portal.dates import today
from portal.db import Database, utcnow
from portal.forms import FORMS
from portal.models import CITIZEN, Application, Citizen, Enterprise, Event, SubTask
from portal.notices import record_changes

log = logging.getLogger("portal.simulator")

STEP_PROBABILITY = 0.7


class Simulator:
    """Advances open applications every `tick_seconds`; one short transaction per application."""

    def __init__(self, db: Database, config: PortalConfig, rng: random.Random | None = None) -> None:
        self.db = db
        self.config = config
        self.rng = rng or random.Random()

    async def run(self) -> None:
        log.info("办理模拟器启动：每%.2f秒推进一步", self.config.tick_seconds)
        while True:
            await asyncio.sleep(self.config.tick_seconds)
            try:
                await asyncio.to_thread(self.tick)
            except Exception:  # the simulator must outlive any one bad tick
                log.exception("办理模拟器本轮出错，下一轮继续")

    def tick(self) -> int:
        """One step for every open application; returns how many sub-tasks moved."""
        with self.db.transaction() as session:
            ids = list(session.scalars(select(Application.id).where(Application.status.in_(OPEN_STATUSES))))
        moved = 0
        for app_id in ids:
            with self.db.transaction() as session:
                app = session.scalar(select(Application).where(Application.id == app_id).with_for_update())
                if app is not None and app.status in OPEN_STATUSES:
                    moved += self._advance(session, app)
        return moved

    def _advance(self, session, app: Application) -> int:  # noqa: ANN001
        now = utcnow()
        status_before = app.status
        moved: list[SubTask] = []
        # 综合受理: the lead department examines the file first; the others start once it has
        # passed that check (otherwise a rejected file would leave other departments' results behind).
        leads = [t for t in app.subtasks if t.is_lead]
        lead_cleared = all(t.status in ("reviewing", "completed") for t in leads)
        for task in app.subtasks:
            if task.stalled or task.status in TERMINAL_SUBTASKS or task.status == "correction":
                continue
            if not task.is_lead and not lead_cleared:
                continue
            if self.rng.random() > STEP_PROBABILITY:
                continue
            if task.status == "pending":
                self._set(app, task, "accepted", now)
            elif task.status == "accepted":
                outcome, note, missing = self._review(session, app, task)
                self._set(app, task, outcome, now, note, missing)
            elif task.status == "reviewing":
                self._set(app, task, "completed", now)
            moved.append(task)
        lead_rejected = next((t for t in app.subtasks if t.is_lead and t.status == "rejected"), None)
        if lead_rejected:
            for task in app.subtasks:
                if task.status not in TERMINAL_SUBTASKS:
                    self._set(app, task, "rejected", now, "牵头部门不予受理，本事项一并终止")
                    moved.append(task)
        refresh_status(app, now)
        record_changes(session, app, moved, status_before)
        return len(moved)

    def _set(
        self,
        app: Application,
        task: SubTask,
        status: str,
        now: datetime,
        note: str | None = None,
        missing: list[str] | None = None,
    ) -> None:
        task.status = status
        task.note = note
        task.missing_materials = missing or []
        task.updated_at = now
        app.updated_at = now
        text = f"「{task.service}」{SUBTASK_TEXT[status]}"
        if missing:
            text += "，需要补充：" + "、".join(missing)
        if note:
            text += f"（{note}）"
        app.events.append(Event(at=now, department=task.department, message=text))

    def _review(self, session, app: Application, task: SubTask) -> tuple[str, str | None, list[str]]:  # noqa: ANN001
        """The department's decision once it has accepted the file."""
        code = app.service_code
        if app.subject_type == CITIZEN:
            person = session.get(Citizen, app.subject_id)
            if code == "newborn" and "公安" in task.department and not person.marriage_verifiable:
                deferred = {d.name for d in app.deferred}
                if "结婚证照片" not in deferred:
                    return "correction", "外省登记的婚姻信息暂时无法核验", ["结婚证照片"]
            if code == "school_enrollment" and task.is_lead and task.position == 0:
                reason = _school_age_problem(app.fields.get("child_id_number"), app.fields.get("stage"))
                if reason:
                    return "rejected", reason, []
            if code == "retirement" and task.is_lead and person.statutory_retirement_date:
                early = app.fields.get("retirement_type") == "弹性提前退休"
                if not early and (person.statutory_retirement_date - today()).days > 92:
                    return (
                        "rejected",
                        (
                            f"尚未达到法定退休年龄（法定退休日期为{person.statutory_retirement_date:%Y年%m月%d日}），"
                            "可在到龄前3个月内申请"
                        ),
                        [],
                    )
        else:
            company = session.get(Enterprise, app.subject_id)
            if task.is_lead and ("吊销" in company.status or company.status == "注销"):
                return "rejected", f"该企业登记状态为「{company.status}」，不能办理本事项", []
            if code == "credit_repair" and task.is_lead:
                unpaid = [p for p in company.penalties if not p.fulfilled]
                if unpaid:
                    return "rejected", f"行政处罚决定（{unpaid[0].decision_no}）尚未履行完毕，暂不符合信用修复条件", []
            if code == "deregistration" and "税务" in task.department and float(company.tax_arrears) > 0:
                return "correction", f"尚有欠税{float(company.tax_arrears):.2f}元未缴清", ["清税证明"]
        if not task.is_lead and self.rng.random() < self.config.correction_rate:
            needed = [m.name for m in FORMS[code].materials_for(app.fields) if not m.deferrable and not m.shared] or [
                "申请表签字页"
            ]
            return "correction", "上传的材料不清晰或不完整，请重新上传", [self.rng.choice(needed)]
        return "reviewing", None, []


def _school_age_problem(id_number: object, stage: object) -> str | None:
    """小学一年级: six full years by 31 August of the enrolment year."""
    if not isinstance(id_number, str) or len(id_number) != 18 or stage != "小学一年级":
        return None
    birth = date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))
    now = today()
    year = now.year if now.month <= 8 else now.year + 1
    cutoff = date(year, 8, 31)
    age = cutoff.year - birth.year - ((cutoff.month, cutoff.day) < (birth.month, birth.day))
    if age < 6:
        return f"儿童在{year}年8月31日前未满6周岁，暂不符合小学一年级入学条件"
    if age > 7:
        return "儿童已超过小学一年级入学年龄，请到教育局窗口咨询"
    return None

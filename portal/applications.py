"""Applications: draft (pre-filled), update, submit (idempotent), status per department,
supplements, 容缺 commitments and 催办.

Every lookup is scoped by the caller's identity, and another person's application answers
exactly like one that does not exist.
"""

from __future__ import annotations

import hashlib
import json
import logging
from datetime import date, datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.catalogue import ServiceItem, load_catalogue
from bot.settings import settings
from portal import signing
from portal.checklist import checklist, missing_uploads
from portal.config import PortalConfig
from portal.consent import check_purpose, consented
from portal.dates import CHINA, add_working_days, today, working_days_before
from portal.db import Database, utcnow
from portal.errors import ApiError
from portal.forms import FORMS, Form, check_value, department_for, resolve
from portal.identity import Subject, aware
from portal.models import (
    CITIZEN,
    ENTERPRISE,
    Application,
    Citizen,
    DailySequence,
    DeferredMaterial,
    Enterprise,
    IdempotencyRecord,
    SubTask,
)
from portal.profile import subject_profile
from portal.records import add_event, check_key, owned, service_item
from portal.schemas import (
    ApplicationCreate,
    ApplicationList,
    ApplicationOut,
    ApplicationSummary,
    ApplicationUpdate,
    DeferredMaterialIn,
    DeferredMaterialOut,
    EventOut,
    SignatureOut,
    SigningOut,
    SigningStart,
    SignRequest,
    SubmitRequest,
    SubTaskOut,
    SupplementRequest,
    UrgeOut,
    UrgeRequest,
)
from portal.signing import Case, required, signed_hashes, unsigned

log = logging.getLogger("portal.applications")

STATUS_TEXT = {
    "draft": "草稿",
    "submitted": "已提交，等待受理",
    "in_progress": "办理中",
    "correction": "待补正",
    "completed": "已办结",
    "partly_completed": "部分办结",
    "rejected": "不予受理",
}
SUBTASK_TEXT = {
    "pending": "待受理",
    "accepted": "已受理",
    "correction": "补正",
    "reviewing": "审批中",
    "completed": "办结",
    "rejected": "不予受理",
}
OPEN_STATUSES = ("submitted", "in_progress", "correction")
TERMINAL_SUBTASKS = ("completed", "rejected")
DEFAULT_DEFER_DAYS = 10


def _request_hash(payload: dict) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True, ensure_ascii=False, default=str).encode()).hexdigest()


def next_number(session: Session, day: date) -> str:
    """BS + yyyymmdd + the day's six-digit sequence; the counter row is locked by its UPDATE."""
    key = f"{day:%Y%m%d}"
    for _ in range(5):
        last = session.execute(
            update(DailySequence)
            .where(DailySequence.day == key)
            .values(last=DailySequence.last + 1)
            .returning(DailySequence.last)
        ).scalar()
        if last is not None:
            return f"BS{key}{last:06d}"
        try:
            with session.begin_nested():
                session.add(DailySequence(day=key, last=1))
            return f"BS{key}000001"
        except IntegrityError:
            continue  # another request created the day's row first; take the next number
    raise ApiError(503, "busy", "系统繁忙，请稍后再试。")


def _validate_fields(form: Form, values: dict, partial_nulls: bool = False) -> dict:
    problems: list[dict[str, str]] = []
    clean: dict = {}
    for name, value in values.items():
        spec = form.field(name)
        if spec is None:
            problems.append({"field": f"fields.{name}", "problem": "本事项的申请表没有这一项"})
            continue
        if value is None and partial_nulls:
            clean[name] = None
            continue
        reason = check_value(spec, value)
        if reason:
            problems.append({"field": f"fields.{name}", "problem": f"{spec.label}{reason}"})
        else:
            clean[name] = value.strip().upper() if spec.kind in ("id_number", "uscc") else value
    if problems:
        raise ApiError(422, "invalid_fields", "申请表中有填写不正确的内容，请按提示修改。", problems)
    return clean


DRAFTS_PER_ITEM = 3
"""Open drafts one subject may hold for one 一件事 (the chat continues an open one anyway)."""


def _check_draft_limits(session: Session, config: PortalConfig, subject: Subject, code: str, now: datetime) -> None:
    mine = (
        select(func.count())
        .select_from(Application)
        .where(Application.subject_type == subject.type, Application.subject_id == subject.id)
    )
    if session.scalar(mine.where(Application.service_code == code, Application.status == "draft")) >= DRAFTS_PER_ITEM:
        raise ApiError(
            429,
            "too_many_drafts",
            f"这项一件事您已有{DRAFTS_PER_ITEM}份未提交的草稿，请继续办理其中一份，或删除不需要的草稿后再新建。",
        )
    if session.scalar(mine.where(Application.created_at > now - timedelta(days=1))) >= config.drafts_per_day:
        raise ApiError(
            429, "too_many_drafts", f"您今天新建的申请已经很多了，请明天再试；如有急事请拨打{settings.hotline}。"
        )


def _check_registry(session: Session, subject: Subject, form: Form) -> None:
    """An enterprise whose register entry excludes the item (吊销 for a change of registration)
    is told so before it fills anything, with what it can do instead."""
    if subject.type != ENTERPRISE:
        return
    status = session.get_one(Enterprise, subject.id).status
    for statuses, says, instead in form.registry_blocks:
        if status in statuses:
            raise ApiError(422, "not_eligible", says.format(status=status) + instead)


def _check_same_case(
    session: Session, subject: Subject, item: ServiceItem, fields: dict, own_id: int | None = None
) -> None:
    """Refuses a second application for a case already in hand or done (the same baby applied for
    by the other parent, or twice). Only the family sees the first one's number and status; to
    anyone else the refusal says no more than that the case exists."""
    form = FORMS[item.code]
    values = _case_key(form, fields)
    if not values or not all(values):
        return
    candidates = session.scalars(
        select(Application)
        .where(
            Application.service_code == item.code,
            Application.status.not_in(("draft", "rejected")),
            Application.id != (own_id or 0),
        )
        .order_by(Application.id)
    )
    earlier = next(
        (a for a in candidates if _case_key(form, a.fields) == values),
        None,
    )
    if earlier is None:
        return
    if _family(session, subject, earlier):
        pointer = f"（办件号 {earlier.number}，{STATUS_TEXT[earlier.status]}）"
        where = "您可以随时查询办理进度。"
    else:
        pointer = ""
        where = f"办理进度请提交申请的家人查询；如有疑问，请拨打{settings.hotline}。"
    raise ApiError(
        409,
        "same_case_exists",
        f"{form.same_case_label}的「{item.title}」已经提交过了{pointer}，无需重复申请。{where}",
        [{"field": f"fields.{name}", "problem": "已有在办或已办结的申请"} for name in form.same_case],
    )


def _case_key(form: Form, fields: dict) -> list[str]:
    """The values that identify the case, compared without case or surrounding spaces."""
    return [str(fields.get(name) or "").strip().upper() for name in form.same_case]


def _family(session: Session, subject: Subject, app: Application) -> bool:
    """The applicant themself, or their spouse as the registers record it."""
    if app.subject_type == subject.type and app.subject_id == subject.id:
        return True
    if subject.type != CITIZEN or app.subject_type != CITIZEN:
        return False
    spouse = session.get_one(Citizen, subject.id).spouse
    return spouse is not None and spouse.id == app.subject_id


def create_draft(
    db: Database, config: PortalConfig, subject: Subject, request: ApplicationCreate, key: str | None
) -> tuple[ApplicationOut, bool]:
    """A draft, pre-filled from consented profile fields. With an Idempotency-Key, a retried
    create returns the first draft instead of making a second one."""
    key = check_key(key, required=False)
    item = service_item(config, request.service_code)
    check_purpose(config, subject, item.code)
    form = FORMS[item.code]
    given = _validate_fields(form, request.fields)
    services = list(request.services or item.integrated_services)
    unknown = [s for s in services if s not in item.integrated_services]
    if unknown or len(set(services)) != len(services):
        raise ApiError(
            422,
            "unknown_service_item",
            "所选子事项不属于这项一件事，请从服务目录中选择。",
            [{"field": "services", "problem": s} for s in unknown] or [{"field": "services", "problem": "重复"}],
        )
    payload_hash = _request_hash(request.model_dump(mode="json"))
    if key:
        replay = _replay(db, config, subject, "create", key, payload_hash)
        if replay:
            return replay, True
    try:
        with db.transaction() as session:
            now = utcnow()
            _check_draft_limits(session, config, subject, item.code, now)
            _check_registry(session, subject, form)
            values: dict = {}
            prefilled: list[str] = []
            if request.prefill:
                allowed, _ids = consented(session, subject, item.code)
                if allowed:
                    profile = {
                        k: v for k, v in subject_profile(session, subject.type, subject.id).items() if k in allowed
                    }
                    for spec in form.fields:
                        if spec.prefill and spec.name not in given:
                            value = resolve(profile, spec.prefill)
                            if value is not None and check_value(spec, value) is None:
                                values[spec.name] = value
                                prefilled.append(spec.name)
            values.update(given)
            _check_same_case(session, subject, item, values)
            app = Application(
                number=next_number(session, today()),
                subject_type=subject.type,
                subject_id=subject.id,
                service_code=item.code,
                status="draft",
                fields=values,
                prefilled=prefilled,
                services=services,
                created_at=now,
                updated_at=now,
                urge_count=0,
            )
            session.add(app)
            add_event(app, "已创建申请草稿" + (f"，预填了{len(prefilled)}项信息" if prefilled else ""), at=now)
            session.flush()
            if key:
                session.add(
                    IdempotencyRecord(
                        subject_type=subject.type,
                        subject_id=subject.id,
                        operation="create",
                        key=key,
                        request_hash=payload_hash,
                        application_id=app.id,
                        created_at=now,
                    )
                )
                session.flush()
            log.info("创建草稿 %s（%s）", app.number, item.code)
            return to_out(config, app), False
    except IntegrityError:
        if not key:
            raise
        replay = _replay(db, config, subject, "create", key, payload_hash)
        if replay is None:
            raise
        return replay, True


def _replay(
    db: Database,
    config: PortalConfig,
    subject: Subject,
    operation: str,
    key: str,
    payload_hash: str,
    number: str | None = None,
) -> ApplicationOut | None:
    with db.transaction() as session:
        record = session.scalar(
            select(IdempotencyRecord).where(
                IdempotencyRecord.subject_type == subject.type,
                IdempotencyRecord.subject_id == subject.id,
                IdempotencyRecord.operation == operation,
                IdempotencyRecord.key == key,
            )
        )
        if record is None:
            return None
        app = session.get_one(Application, record.application_id)
        if record.request_hash != payload_hash or (number is not None and app.number != number):
            raise ApiError(
                422, "idempotency_key_reused", "这个 Idempotency-Key 已用于另一个不同的请求，请为新请求生成新的键。"
            )
        return to_out(config, app)


def update_draft(
    db: Database, config: PortalConfig, subject: Subject, number: str, request: ApplicationUpdate
) -> ApplicationOut:
    with db.transaction() as session:
        app = owned(session, subject, number, lock=True)
        if app.status != "draft":
            raise ApiError(409, "not_a_draft", "办件已提交，不能再修改申请表；如需补充材料，请使用补正功能。")
        clean = _validate_fields(FORMS[app.service_code], request.fields, partial_nulls=True)
        values = dict(app.fields)
        for name, value in clean.items():
            if value is None:
                values.pop(name, None)
            else:
                values[name] = value
        app.fields = values
        app.prefilled = [f for f in app.prefilled if f in values and f not in clean]
        app.updated_at = utcnow()
        return to_out(config, app)


def submit(
    db: Database, config: PortalConfig, subject: Subject, number: str, key: str | None, request: SubmitRequest
) -> tuple[ApplicationOut, bool]:
    """Submits a draft once. The same key again (a retry, or a concurrent duplicate) returns
    the same application; the unique index on the key and the conditional status update make
    that hold across threads, workers and processes."""
    key = check_key(key, required=True)
    assert key is not None
    payload_hash = _request_hash(request.model_dump(mode="json") | {"number": number})
    replay = _replay(db, config, subject, "submit", key, payload_hash, number)
    if replay:
        return replay, True
    try:
        with db.transaction() as session:
            return _submit(session, config, subject, number, key, payload_hash, request)
    except IntegrityError:
        replay = _replay(db, config, subject, "submit", key, payload_hash, number)
        if replay is None:
            raise
        return replay, True


def _promised(form: Form, app: Application, entries: list[DeferredMaterialIn], day: date) -> list[DeferredMaterial]:
    """The materials promised under 容缺, checked: the case's own, deferrable, each once, with a
    date after today and within 30 working days (10 working days when none is given)."""
    deferred: list[DeferredMaterial] = []
    problems: list[dict[str, str]] = []
    materials = {m.name: m for m in form.materials_for(app.fields)}
    for index, entry in enumerate(entries):
        material = materials.get(entry.name)
        due = entry.due_date or add_working_days(day, DEFAULT_DEFER_DAYS)
        if material is None:
            problems.append({"field": f"missing_materials.{index}.name", "problem": "不是本事项需要的材料"})
        elif not material.deferrable:
            problems.append(
                {
                    "field": f"missing_materials.{index}.name",
                    "problem": f"「{entry.name}」不适用容缺受理，须在提交时提供",
                }
            )
        elif not day < due <= add_working_days(day, 30):
            problems.append(
                {"field": f"missing_materials.{index}.due_date", "problem": "承诺补交日期应在今天之后、30个工作日以内"}
            )
        else:
            deferred.append(DeferredMaterial(name=entry.name, due_date=due))
    if problems:
        raise ApiError(422, "invalid_missing_materials", "容缺受理的材料有误，请按提示修改。", problems)
    if len({d.name for d in deferred}) != len(deferred):
        raise ApiError(422, "invalid_missing_materials", "容缺材料不能重复填写。")
    return deferred


def promised_date(form: Form, values: dict, item: ServiceItem, day: date) -> date:
    """The date the guide's time limit gives, on the official calendar, after any statutory
    period this case must wait first (简易注销's 20-day 公示期)."""
    result_day = form.window.results_on(day) if form.window else None
    if result_day is not None:
        return result_day
    period = form.period(values)
    start = day + timedelta(days=period.calendar_days) if period else day
    return add_working_days(start, item.time_limit_days or 20)


def _applicant_relation(session: Session, subject: Subject, fields: dict) -> str | None:
    """Who the applicant is to the person acting: None for themselves, "配偶" for a spouse the
    registers record. Anyone else is refused: a verified identity does not let one apply in a
    stranger's name (a guardian or a mandate goes through the service centre, which records it)."""
    claimed = str(fields.get("applicant_id_number") or "").strip().upper()
    if subject.type != CITIZEN or not claimed:
        return None
    person = session.get_one(Citizen, subject.id)
    if claimed == person.id_number:
        relation = None
        expected = person.name
    elif person.spouse is not None and claimed == person.spouse.id_number:
        relation, expected = "配偶", person.spouse.name
    else:
        raise ApiError(
            422,
            "applicant_not_self",
            "申请人须是您本人（或登记在册的配偶）。为他人代办的，请对方本人核验身份后办理，"
            f"或携带双方身份证件和委托材料到政务服务中心窗口办理；如有疑问请拨打{settings.hotline}。",
            [{"field": "fields.applicant_id_number", "problem": "与已核验的身份不符"}],
        )
    given_name = str(fields.get("applicant_name") or "").strip()
    if given_name and given_name != expected:
        raise ApiError(
            422,
            "applicant_name_mismatch",
            "申请人姓名与身份证号码对应的登记姓名不一致，请核对后修改。",
            [{"field": "fields.applicant_name", "problem": "与登记姓名不一致"}],
        )
    return relation


def _submit(
    session: Session,
    config: PortalConfig,
    subject: Subject,
    number: str,
    key: str,
    payload_hash: str,
    request: SubmitRequest,
) -> tuple[ApplicationOut, bool]:
    app = owned(session, subject, number)
    # Checked again inside the transaction: a duplicate that waited for the first request's
    # commit (SQLite's write lock) must find its key here, not an already submitted draft.
    record = session.scalar(
        select(IdempotencyRecord).where(
            IdempotencyRecord.subject_type == subject.type,
            IdempotencyRecord.subject_id == subject.id,
            IdempotencyRecord.operation == "submit",
            IdempotencyRecord.key == key,
        )
    )
    if record is not None:
        if record.request_hash != payload_hash or record.application_id != app.id:
            raise ApiError(
                422, "idempotency_key_reused", "这个 Idempotency-Key 已用于另一个不同的请求，请为新请求生成新的键。"
            )
        # `app` was read before the first request committed: answer with what it committed
        session.refresh(app)
        return to_out(config, app), True
    if app.status != "draft":
        raise _already_submitted(app)
    item = service_item(config, app.service_code)
    form = FORMS[item.code]
    missing = form.missing(app.fields)
    if missing:
        labels = "、".join(form.field(m).label for m in missing)  # type: ignore[union-attr]
        raise ApiError(
            422,
            "fields_incomplete",
            f"申请表还缺少：{labels}。请补全后再提交。",
            [{"field": f"fields.{m}", "problem": "缺少必填项"} for m in missing],
        )
    agent = _applicant_relation(session, subject, app.fields)
    _check_same_case(session, subject, item, app.fields, own_id=app.id)
    now = utcnow()
    day = today()
    deferred = _promised(form, app, request.missing_materials, day)
    if deferred and not request.commitment:
        raise ApiError(
            422,
            "commitment_required",
            "缺少材料时，须先同意《容缺受理承诺书》（commitment 为 true），承诺按期补交。",
            [{"field": "commitment", "problem": "须为 true"}],
        )
    absent = missing_uploads(form, app, {d.name for d in deferred})
    if absent:
        raise ApiError(
            422,
            "materials_missing",
            f"还有材料没有上传：{'、'.join(absent)}。请上传后再提交；可容缺的材料也可以承诺后补交。",
            [{"field": "materials", "problem": name} for name in absent],
        )
    blockers = form.blockers(app.fields, day)
    if blockers:
        raise ApiError(
            422,
            "application_blocked",
            "".join(b.says + b.instead for b in blockers),
            [{"field": b.about, "problem": b.says} for b in blockers],
        )
    pending = unsigned(form, app, _case(config, app, deferred))
    if pending:
        raise ApiError(
            422,
            "signatures_missing",
            f"提交前请先在线签署：{'、'.join(f'《{d.name}》' for d in pending)}。",
            [{"field": "signatures", "problem": d.name} for d in pending],
        )

    session.add(
        IdempotencyRecord(
            subject_type=subject.type,
            subject_id=subject.id,
            operation="submit",
            key=key,
            request_hash=payload_hash,
            application_id=app.id,
            created_at=now,
        )
    )
    session.flush()  # a concurrent request with the same key stops here (unique index)
    changed = session.execute(
        update(Application)
        .where(Application.id == app.id, Application.status == "draft")
        .values(status="submitted", submitted_at=now, updated_at=now, submit_key=key)
    )
    if changed.rowcount != 1:
        session.refresh(app)
        raise _already_submitted(app)
    session.refresh(app)
    app.promised_date = promised_date(form, app.fields, item, day)
    app.deferred = deferred
    if deferred:
        names = "、".join(f"{d.name}（{d.due_date:%Y年%m月%d日}前）" for d in deferred)
        app.commitment = f"申请人承诺按期补交：{names}；逾期未补交的，相关事项按规定处理。"
    _build_subtasks(app, item, now)
    add_event(
        app,
        f"申请已提交，{len({s.department for s in app.subtasks})}个部门并联办理，"
        f"承诺{app.promised_date:%Y年%m月%d日}前办结",
        at=now,
    )
    if deferred:
        add_event(app, "容缺受理：" + app.commitment, at=now)  # type: ignore[operator]
    if agent:
        add_event(app, f"由申请人的{agent}代为提交（关系依据户籍与婚姻登记）", at=now)
    session.flush()
    log.info("提交办件 %s（%s，%d个子事项）", app.number, app.service_code, len(app.subtasks))
    return to_out(config, app), False


def _already_submitted(app: Application) -> ApiError:
    return ApiError(409, "already_submitted", f"办件 {app.number} 已经提交过了，无需重复提交；您可以随时查询办理进度。")


def _build_subtasks(app: Application, item: ServiceItem, now: datetime, status: str = "pending") -> None:
    for position, service in enumerate(app.services or item.integrated_services):
        department, is_lead = department_for(service, item)
        app.subtasks.append(
            SubTask(
                position=position,
                service=service,
                department=department,
                is_lead=is_lead,
                status=status,
                missing_materials=[],
                stalled=False,
                updated_at=now,
            )
        )


def get_application(db: Database, config: PortalConfig, subject: Subject, number: str) -> ApplicationOut:
    with db.transaction() as session:
        return to_out(config, owned(session, subject, number))


def list_applications(db: Database, config: PortalConfig, subject: Subject, status: str | None) -> ApplicationList:
    with db.transaction() as session:
        query = select(Application).where(
            Application.subject_type == subject.type, Application.subject_id == subject.id
        )
        if status is not None:
            if status not in STATUS_TEXT:
                raise ApiError(
                    422,
                    "invalid_status",
                    "状态参数不正确。",
                    [{"field": "status", "problem": "可选：" + "、".join(STATUS_TEXT)}],
                )
            query = query.where(Application.status == status)
        rows = session.scalars(query.order_by(Application.created_at.desc(), Application.id.desc()).limit(200))
        return ApplicationList(items=[_summary(config, app) for app in rows])


def supplement(
    db: Database, config: PortalConfig, subject: Subject, number: str, request: SupplementRequest
) -> ApplicationOut:
    """Materials supplied for 补正 or to honour a 容缺 commitment; the department resumes review."""
    with db.transaction() as session:
        app = owned(session, subject, number, lock=True)
        if app.status not in OPEN_STATUSES:
            raise ApiError(409, "not_open", "办件当前不在办理中，无需补充材料。")
        given = set(request.materials)
        used: set[str] = set()
        now = utcnow()
        for task in app.subtasks:
            if task.status == "correction":
                remaining = [m for m in task.missing_materials if m not in given]
                used.update(m for m in task.missing_materials if m in given)
                task.missing_materials = remaining
                if not remaining:
                    task.status = "reviewing"
                    task.note = None
                    task.updated_at = now
                    add_event(app, f"已收到补正材料，「{task.service}」恢复审批", task.department, now)
        for item in app.deferred:
            if item.provided_at is None and item.name in given:
                item.provided_at = now
                used.add(item.name)
                add_event(app, f"已补交容缺材料「{item.name}」", at=now)
        unused = sorted(given - used)
        if unused:
            raise ApiError(
                422,
                "material_not_requested",
                "以下材料不在需要补交的清单中，请核对：" + "、".join(unused),
                [{"field": "materials", "problem": m} for m in unused],
            )
        refresh_status(app, now)
        app.updated_at = now
        return to_out(config, app)


def urge(db: Database, config: PortalConfig, subject: Subject, number: str, request: UrgeRequest) -> UrgeOut:
    """催办: only for a case past its promised date, at most once a day; unblocks the departments."""
    with db.transaction() as session:
        app = owned(session, subject, number, lock=True)
        if app.status not in OPEN_STATUSES:
            raise ApiError(409, "not_open", "办件当前不在办理中，无需催办。")
        if not is_overdue(app):
            raise ApiError(
                409,
                "not_overdue",
                f"办件尚在承诺时限内（承诺{app.promised_date:%Y年%m月%d日}前办结），暂不需要催办，请耐心等待。",
            )
        now = utcnow()
        if app.last_urged_at and aware(app.last_urged_at).astimezone(CHINA).date() == today():
            raise ApiError(
                409, "already_urged", f"今天已经催办过了，相关部门正在加快处理；如需帮助，请拨打{settings.hotline}。"
            )
        slow = [t for t in app.subtasks if t.status not in TERMINAL_SUBTASKS]
        for task in slow:
            task.stalled = False
        app.urge_count += 1
        app.last_urged_at = now
        departments = "、".join(dict.fromkeys(t.department for t in slow)) or "相关部门"
        add_event(app, f"申请人催办{('：' + request.note) if request.note else ''}，已转{departments}督办", at=now)
        log.info("催办 %s（第%d次）", app.number, app.urge_count)
        return UrgeOut(
            number=app.number,
            urged_at=aware(now),
            urge_count=app.urge_count,
            message=f"已为您催办，{departments}将优先处理。如仍未办结，可拨打{settings.hotline}反映。",
        )


def is_overdue(app: Application) -> bool:
    return bool(app.promised_date and app.status in OPEN_STATUSES and app.promised_date < today())


def refresh_status(app: Application, now: datetime) -> None:
    """The application's status follows its sub-tasks (并联办理: all must finish)."""
    if app.status == "draft" or not app.subtasks:
        return
    states = [t.status for t in app.subtasks]
    if all(s == "completed" for s in states):
        status = "completed"
    elif all(s in TERMINAL_SUBTASKS for s in states):
        status = "rejected" if all(s == "rejected" for s in states) else "partly_completed"
    elif "correction" in states:
        status = "correction"
    elif all(s == "pending" for s in states):
        status = "submitted"
    else:
        status = "in_progress"
    if status != app.status:
        app.status = status
        app.updated_at = now
        if status in ("completed", "partly_completed", "rejected"):
            app.completed_at = now
            add_event(app, f"办件{STATUS_TEXT[status]}", at=now)


def _next_step(app: Application, form: Form) -> str:
    if app.status == "draft":
        missing = form.missing(app.fields)
        if missing:
            return "请补全申请表：" + "、".join(form.field(m).label for m in missing) + "，然后提交。"  # type: ignore[union-attr]
        return "申请表已填写完整，确认无误后即可提交。"
    if app.status == "correction":
        needs = [
            f"{t.department}需要您补充：{'、'.join(t.missing_materials)}"
            for t in app.subtasks
            if t.status == "correction"
        ]
        return "；".join(needs) + "。补齐后办理会继续进行。"
    outstanding = [d for d in app.deferred if d.provided_at is None]
    if app.status in OPEN_STATUSES:
        parts = []
        if is_overdue(app):
            parts.append(
                f"已超过承诺办结日期（{app.promised_date:%Y年%m月%d日}），您可以催办，或拨打{settings.hotline}反映"
            )
        else:
            parts.append("各部门正在并联办理，暂时不需要您做什么")
        parts += [f"请在{d.due_date:%Y年%m月%d日}前补交{d.name}" for d in outstanding]
        return "；".join(parts) + "。"
    if app.status == "completed":
        return "已全部办结，办理结果已推送到「示例办」我的卡包。"
    reasons = [f"{t.service}：{t.note}" for t in app.subtasks if t.status == "rejected" and t.note]
    head = "部分事项不予受理" if app.status == "partly_completed" else "不予受理"
    return f"{head}。" + "；".join(dict.fromkeys(reasons)) + f"。如有疑问，请拨打{settings.hotline}咨询。"


def _summary(config: PortalConfig, app: Application) -> ApplicationSummary:
    item = load_catalogue(config.knowledge_dir).get(app.service_code)
    return ApplicationSummary(
        number=app.number,
        service_code=app.service_code,
        service_title=item.title if item else app.service_code,
        status=app.status,
        status_text=STATUS_TEXT[app.status],  # type: ignore[arg-type]
        submitted_at=aware(app.submitted_at) if app.submitted_at else None,
        promised_date=app.promised_date,
        overdue=is_overdue(app),
        updated_at=aware(app.updated_at),
    )


def start_signing(
    db: Database, config: PortalConfig, subject: Subject, number: str, request: SigningStart
) -> SigningOut:
    """The texts still to sign, with the 容缺 commitment for the materials the request names
    (as they will be at submission), and the SMS code to sign them."""
    with db.transaction() as session:
        app = owned(session, subject, number)
        case = _case(config, app, _promised(FORMS[app.service_code], app, request.missing_materials, today()))
    return signing.start(db, config, subject, number, case)


def sign(
    db: Database, config: PortalConfig, subject: Subject, number: str, signing_id: str, request: SignRequest
) -> ApplicationOut:
    signing.sign(db, config, subject, number, signing_id, request.code)
    return get_application(db, config, subject, number)


def _case(config: PortalConfig, app: Application, deferred: list[DeferredMaterial]) -> Case:
    """What an application's signed texts are filled from: its item's title and the materials
    promised under 容缺 with their dates (those submitted, or those about to be)."""
    return Case(service_item(config, app.service_code).title, [(d.name, d.due_date) for d in deferred])


def to_out(config: PortalConfig, app: Application) -> ApplicationOut:
    form = FORMS[app.service_code]
    texts = required(form, app, _case(config, app, app.deferred))
    current = {d.sha256 for d in texts}
    done = signed_hashes(app)
    return ApplicationOut(
        **_summary(config, app).model_dump(),
        fields=dict(app.fields),
        prefilled_fields=list(app.prefilled),
        missing_fields=form.missing(app.fields) if app.status == "draft" else [],
        services=list(app.services),
        created_at=aware(app.created_at),
        completed_at=aware(app.completed_at) if app.completed_at else None,
        commitment=app.commitment,
        subtasks=[
            SubTaskOut(
                service=t.service,
                department=t.department,
                is_lead=t.is_lead,
                status=t.status,  # type: ignore[arg-type]
                status_text=SUBTASK_TEXT[t.status],
                note=t.note,
                missing_materials=list(t.missing_materials),
                updated_at=aware(t.updated_at),
            )
            for t in app.subtasks
        ],
        deferred_materials=[
            DeferredMaterialOut(name=d.name, due_date=d.due_date, provided=d.provided_at is not None)
            for d in app.deferred
        ],
        checklist=checklist(form, app, {d.name for d in texts if d.sha256 in done}),
        signatures=[
            SignatureOut(
                document=sig.document,
                sha256=sig.sha256,
                signed_at=aware(sig.signed_at),
                method=sig.method,
                current=sig.sha256 in current,
            )
            for sig in app.signatures
        ],
        events=[EventOut(at=aware(e.at), department=e.department, message=e.message) for e in app.events],
        next_step=_next_step(app, form),
        can_urge=is_overdue(app),
        urge_count=app.urge_count,
    )


def seed_history(session: Session, people: dict[str, Citizen], companies: dict[str, Enterprise]) -> None:
    """Applications already under way in the demo: one overdue (to try 催办), one waiting for
    补正, one finished last month."""
    catalogue = load_catalogue(settings.knowledge_dir)
    day = today()

    def make(
        subject_type: str,
        subject_id: int,
        code: str,
        fields: dict,
        services: list[str],
        submitted: date,
        outcomes: list[tuple[str, str | None, list[str], bool]],
    ) -> Application:
        item = catalogue[code]
        at = datetime.combine(submitted, datetime.min.time()) + timedelta(hours=2)
        app = Application(
            number=next_number(session, submitted),
            subject_type=subject_type,
            subject_id=subject_id,
            service_code=code,
            status="submitted",
            fields=fields,
            prefilled=[],
            services=services,
            created_at=at,
            updated_at=at,
            submitted_at=at,
            submit_key=None,
            promised_date=add_working_days(submitted, item.time_limit_days or 20),
            urge_count=0,
        )
        session.add(app)
        add_event(app, "申请已提交，各部门并联办理", at=at)
        _build_subtasks(app, item, at)
        for task, (status, note, missing, stalled) in zip(app.subtasks, outcomes):
            task.status, task.note, task.missing_materials, task.stalled = status, note, missing, stalled
            if status != "pending":
                add_event(
                    app,
                    f"「{task.service}」{SUBTASK_TEXT[status]}" + (f"：{note}" if note else ""),
                    task.department,
                    at + timedelta(days=1),
                )
        refresh_status(app, at + timedelta(days=1))
        return app

    ma = people["ma_zhiqiang"]
    make(
        "citizen",
        ma.id,
        "retirement",
        {
            "applicant_name": ma.name,
            "applicant_id_number": ma.id_number,
            "employer_name": "示例市顺通物流有限公司",
            "statutory_retirement_date": ma.statutory_retirement_date.isoformat(),  # type: ignore[union-attr]
            "retirement_type": "按法定年龄退休",
            "pension_account": "社保卡金融账户",
        },
        list(catalogue["retirement"].integrated_services),
        working_days_before(day, 14),
        [
            ("completed", None, [], False),
            ("completed", None, [], False),
            ("reviewing", "公积金销户提取资金核算中", [], True),
            ("completed", None, [], False),
        ],
    )
    zheng = people["zheng_guohua"]
    make(
        "citizen",
        zheng.id,
        "disability",
        {
            "applicant_name": zheng.name,
            "applicant_id_number": zheng.id_number,
            "request_type": "换领",
            "disability_category": "肢体",
            "disability_level": "二级",
            "subsidies": True,
            "contact_phone": zheng.phone,
        },
        ["残疾人证换领", "重度残疾人护理补贴申请"],
        working_days_before(day, 2),
        [
            ("correction", "照片不符合要求（须为近期2寸白底彩色免冠照片）", ["近期2寸白底彩色免冠照片"], False),
            ("accepted", None, [], False),
        ],
    )
    hongda = companies["hongda"]
    done = make(
        "enterprise",
        hongda.id,
        "enterprise_change",
        {
            "enterprise_name": hongda.name,
            "uscc": hongda.uscc,
            "change_item": "经营范围",
            "new_value": "通用机械设备制造、销售；金属加工；工业机器人安装维修",
            "legal_representative": "何志明",
        },
        list(catalogue["enterprise_change"].integrated_services[:5]),
        working_days_before(day, 25),
        [("completed", None, [], False)] * 5,
    )
    done.completed_at = done.updated_at

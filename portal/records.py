"""Looking up and annotating one application, shared by the modules that act on it
(applications, materials, signing): every lookup is scoped by the caller's identity, and
another person's application answers exactly like one that does not exist. Also the checks
those modules share: the item of a service code, a client's Idempotency-Key."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.catalogue import ServiceItem, load_catalogue
from bot.validation import is_valid_application_no
from portal.config import PortalConfig
from portal.db import utcnow
from portal.errors import ApiError, not_found_application
from portal.identity import Subject
from portal.models import Application, Event


def owned(session: Session, subject: Subject, number: str, lock: bool = False) -> Application:
    if not is_valid_application_no(number):
        raise not_found_application()
    query = select(Application).where(
        Application.number == number.strip().upper(),
        Application.subject_type == subject.type,
        Application.subject_id == subject.id,
    )
    if lock:
        query = query.with_for_update()
    found = session.scalar(query)
    if found is None:
        raise not_found_application()
    return found


def add_event(app: Application, message: str, department: str | None = None, at: datetime | None = None) -> None:
    app.events.append(Event(at=at or utcnow(), department=department, message=message))


def service_item(config: PortalConfig, code: str) -> ServiceItem:
    item = load_catalogue(config.knowledge_dir).get(code)
    if item is None:
        raise ApiError(
            422,
            "unknown_service",
            "没有找到这项一件事，请从服务目录中选择。",
            [{"field": "service_code", "problem": "未知的事项代码"}],
        )
    return item


def check_key(key: str | None, required: bool) -> str | None:
    if key is None or not key.strip():
        if required:
            raise ApiError(400, "idempotency_key_required", "提交办件时须携带 Idempotency-Key 请求头，以免重复提交。")
        return None
    key = key.strip()
    if len(key) > 100 or not key.isascii() or not key.isprintable():
        raise ApiError(400, "idempotency_key_invalid", "Idempotency-Key 应为不超过100个字符的 ASCII 字符串。")
    return key

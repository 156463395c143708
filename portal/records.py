"""Looking up and annotating one application, shared by the modules that act on it
(applications, materials, signing): every lookup is scoped by the caller's identity, and
another person's application answers exactly like one that does not exist."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.validation import is_valid_application_no
from portal.db import utcnow
from portal.errors import not_found_application
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

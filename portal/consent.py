"""PIPL consent: profile data leaves the portal only for the purpose and the fields the
person agreed to, and every agreement is recorded with its time."""

from __future__ import annotations

import logging

from sqlalchemy import select

from bot.catalogue import load_catalogue
from portal.config import PortalConfig
from portal.db import Database, utcnow
from portal.errors import ApiError
from portal.forms import subjects_for
from portal.identity import Subject, aware
from portal.models import Consent
from portal.profile import fields_for, subject_profile
from portal.schemas import ConsentList, ConsentOut, ConsentRequest, ProfileOut

log = logging.getLogger("portal.consent")


def purpose_text(config: PortalConfig, purpose: str) -> str:
    item = load_catalogue(config.knowledge_dir).get(purpose)
    return f"预填「{item.title}」申请表" if item else purpose


def _out(config: PortalConfig, consent: Consent) -> ConsentOut:
    labels = fields_for(consent.subject_type)
    return ConsentOut(
        id=consent.id,
        purpose=consent.purpose,
        purpose_text=purpose_text(config, consent.purpose),
        fields=list(consent.fields),
        field_labels=[labels.get(f, f) for f in consent.fields],
        granted_at=aware(consent.granted_at),
        withdrawn_at=aware(consent.withdrawn_at) if consent.withdrawn_at else None,
    )


def check_purpose(config: PortalConfig, subject: Subject, purpose: str) -> None:
    item = load_catalogue(config.knowledge_dir).get(purpose)
    if item is None:
        raise ApiError(
            422,
            "unknown_purpose",
            "授权用途应为一件事的代码（如 newborn），请核对。",
            [{"field": "purpose", "problem": "未知的用途"}],
        )
    if subject.type not in subjects_for(item):
        who = "企业" if subject.type == "enterprise" else "个人"
        raise ApiError(422, "audience_mismatch", f"「{item.title}」不能以{who}身份办理，请切换身份后再试。")


def grant(db: Database, config: PortalConfig, subject: Subject, request: ConsentRequest) -> ConsentOut:
    check_purpose(config, subject, request.purpose)
    known = fields_for(subject.type)
    unknown = [f for f in request.fields if f not in known]
    if unknown:
        raise ApiError(
            422,
            "unknown_field",
            "授权的信息项中有无法识别的项目，请核对。",
            [{"field": f"fields.{f}", "problem": "不是可授权的信息项"} for f in unknown],
        )
    with db.transaction() as session:
        consent = Consent(
            subject_type=subject.type,
            subject_id=subject.id,
            binding_id=subject.binding_id,
            purpose=request.purpose,
            fields=sorted(set(request.fields)),
            granted_at=utcnow(),
        )
        session.add(consent)
        session.flush()
        log.info("记录授权 %s：用途 %s，信息项 %s", consent.id, request.purpose, ",".join(consent.fields))
        return _out(config, consent)


def list_consents(db: Database, config: PortalConfig, subject: Subject) -> ConsentList:
    with db.transaction() as session:
        rows = session.scalars(
            select(Consent)
            .where(Consent.subject_type == subject.type, Consent.subject_id == subject.id)
            .order_by(Consent.id)
        )
        return ConsentList(items=[_out(config, c) for c in rows])


def withdraw(db: Database, config: PortalConfig, subject: Subject, consent_id: int) -> ConsentOut:
    with db.transaction() as session:
        consent = session.get(Consent, consent_id, with_for_update=True)
        if consent is None or consent.subject_type != subject.type or consent.subject_id != subject.id:
            raise ApiError(404, "consent_not_found", "未找到该授权记录。")
        if consent.withdrawn_at is None:
            consent.withdrawn_at = utcnow()
            log.info("撤回授权 %s", consent.id)
        return _out(config, consent)


def consented(session, subject: Subject, purpose: str) -> tuple[set[str], list[int]]:  # noqa: ANN001
    """The fields currently released for `purpose`, and the consents that release them."""
    rows = session.scalars(
        select(Consent)
        .where(
            Consent.subject_type == subject.type,
            Consent.subject_id == subject.id,
            Consent.purpose == purpose,
            Consent.withdrawn_at.is_(None),
        )
        .order_by(Consent.id)
    ).all()
    fields: set[str] = set()
    for row in rows:
        fields.update(row.fields)
    return fields, [row.id for row in rows]


def profile(db: Database, config: PortalConfig, subject: Subject, purpose: str, wanted: list[str] | None) -> ProfileOut:
    """The consented part of the profile; 403 naming what is missing if consent does not cover it."""
    check_purpose(config, subject, purpose)
    labels = fields_for(subject.type)
    if wanted is not None:
        unknown = [f for f in wanted if f not in labels]
        if unknown:
            raise ApiError(
                422,
                "unknown_field",
                "请求的信息项中有无法识别的项目，请核对。",
                [{"field": f"fields.{f}", "problem": "不是可授权的信息项"} for f in unknown],
            )
    with db.transaction() as session:
        allowed, ids = consented(session, subject, purpose)
        requested = list(dict.fromkeys(wanted)) if wanted else sorted(allowed)
        missing = [f for f in requested if f not in allowed]
        if not requested or missing:
            names = "、".join(labels[f] for f in missing) if missing else "您的信息"
            title = load_catalogue(config.knowledge_dir)[purpose].title
            raise ApiError(
                403,
                "consent_required",
                f"您还没有授权我们为办理「{title}」调取{names}。请先确认授权，我们才会使用这些信息。",
                [{"field": f, "problem": "未授权"} for f in missing],
            )
        data = subject_profile(session, subject.type, subject.id)
        log.info("按授权 %s 释放信息项 %s", ids, ",".join(requested))
        return ProfileOut(purpose=purpose, consent_ids=ids, fields={f: data[f] for f in requested})

"""Signing an application's 承诺书 online: the texts shown in full, a one-time code sent to the
phone on record, and a signature recorded per text with its SHA-256, the time, the signer and
how they proved who they were.

The session token alone does not sign: a chat left open on a shared phone, or a stolen token,
must not be able to commit someone to a legal promise, so each signing is a fresh step-up
through the phone the registers hold (the same proof as the binding, not the same code).
A signature counts only while its text is what the case asks for now: an answer changed after
signing (another date in the 信用修复申请书, another material promised under 容缺) makes the
text differ, and the changed text has to be signed again.
"""

from __future__ import annotations

import hmac
import logging
import secrets
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import object_session

from bot.applications.commitments import DEFERRAL, Document, documents
from bot.applications.form import Form
from portal.config import PortalConfig
from portal.db import Database, utcnow
from portal.errors import ApiError
from portal.forms import FORMS
from portal.identity import Subject, aware, digest, mask_phone, phone_on_record
from portal.models import Application, Signature, SigningRequest
from portal.profile import display_name
from portal.records import add_event, owned, service_item
from portal.schemas import DevSigning, SignedDocumentOut, SigningOut

log = logging.getLogger("portal.signing")

DAY = timedelta(days=1)


@dataclass(frozen=True)
class Case:
    """What the signed texts are filled from, besides the application's fields."""

    title: str
    deferred: list[tuple[str, date]]


def required(form: Form, app: Application, case: Case) -> list[Document]:
    """The texts this application needs signed, as they read now."""
    session = object_session(app)
    assert session is not None
    applicant = display_name(session, app.subject_type, app.subject_id)
    return documents(form, app.fields, applicant, case.title, app.number, case.deferred)


def signed_hashes(app: Application) -> set[str]:
    return {signature.sha256 for signature in app.signatures}


def unsigned(form: Form, app: Application, case: Case) -> list[Document]:
    done = signed_hashes(app)
    return [document for document in required(form, app, case) if document.sha256 not in done]


def start(db: Database, config: PortalConfig, subject: Subject, app_number: str, case: Case) -> SigningOut:
    """Shows what is still to sign and sends the code; an earlier pending request is replaced."""
    now = utcnow()
    with db.transaction() as session:
        app = owned(session, subject, app_number, lock=True)
        if app.status != "draft":
            raise ApiError(409, "already_submitted", "申请已经提交，无需再签署。")
        pending = unsigned(FORMS[app.service_code], app, case)
        if not pending:
            raise ApiError(409, "nothing_to_sign", "本申请没有需要签署的承诺书，或都已签署。")
        phone = phone_on_record(session, app.subject_type, app.subject_id)
        if not phone:
            raise ApiError(
                422,
                "no_phone_on_record",
                "登记信息中没有您的手机号码，无法在线签署。请携带身份证件到政务服务中心窗口签署。",
            )
        phone_key = digest("phone", phone)
        recent = select(func.count()).select_from(SigningRequest).where(SigningRequest.phone_key == phone_key)
        if session.scalar(recent.where(SigningRequest.created_at > now - config.limits.sms_cooldown)):
            raise ApiError(429, "too_many_requests", "验证码刚刚发送过，请1分钟后再获取。")
        if (session.scalar(recent.where(SigningRequest.created_at > now - DAY)) or 0) >= (
            config.limits.sms_per_phone_per_day
        ):
            raise ApiError(429, "too_many_requests", "今天获取验证码的次数过多，请明天再试，或到政务服务中心窗口签署。")
        for earlier in app.signing_requests:
            if earlier.status == "pending":
                earlier.status, earlier.dev_code = "replaced", None
        signing_id = secrets.token_hex(16)
        code = f"{secrets.randbelow(10**6):06d}"
        expires = now + timedelta(seconds=config.code_ttl_seconds)
        shown = [{"name": d.name, "text": d.text, "sha256": d.sha256} for d in pending]
        session.add(
            SigningRequest(
                id=signing_id,
                application_id=app.id,
                documents=shown,
                phone_key=phone_key,
                code_hash=digest(signing_id, code),
                dev_code=code if config.dev else None,
                attempts=0,
                status="pending",
                created_at=now,
                expires_at=expires,
            )
        )
    # The sandbox's SMS gateway is this log line: masked phone, full code, never the person.
    log.info("沙箱短信网关：向 %s 发送签署验证码 %s（申请 %s）", mask_phone(phone), code, app_number)
    return SigningOut(
        signing_id=signing_id,
        documents=[SignedDocumentOut(**d) for d in shown],
        phone_masked=mask_phone(phone),
        expires_at=aware(expires),
    )


def sign(db: Database, config: PortalConfig, subject: Subject, app_number: str, signing_id: str, code: str) -> None:
    """Checks the code and records a signature per text shown; a wrong code counts."""
    now = utcnow()
    failure: ApiError | None = None
    with db.transaction() as session:
        app = owned(session, subject, app_number, lock=True)
        request = session.get(SigningRequest, signing_id, with_for_update=True)
        if request is None or request.application_id != app.id:
            raise ApiError(404, "signing_not_found", "未找到该签署请求，请重新获取验证码。")
        if request.status != "pending":
            raise ApiError(
                409, "signing_closed", "这次签署已结束（已签署、已锁定或已重新获取验证码），请重新获取验证码。"
            )
        if request.expires_at <= now:
            raise ApiError(410, "code_expired", "验证码已过期，请重新获取。")
        if not hmac.compare_digest(request.code_hash, digest(signing_id, code.strip())):
            request.attempts += 1
            left = config.max_code_attempts - request.attempts
            if left <= 0:
                request.status, request.dev_code = "locked", None
                failure = ApiError(423, "signing_locked", "验证码错误次数过多，本次签署已锁定，请重新获取验证码。")
            else:
                failure = ApiError(422, "code_invalid", f"验证码不正确，您还可以再试{left}次。")
        else:
            # the 容缺 commitment names what the request named; submission checks it against its own
            title = service_item(config, app.service_code).title
            now_required = {d.sha256 for d in required(FORMS[app.service_code], app, Case(title, []))}
            if any(d["sha256"] not in now_required and d["name"] != DEFERRAL for d in request.documents):
                request.status, request.dev_code = "replaced", None
                failure = ApiError(
                    409, "texts_changed", "申请内容在签署前有了变化，承诺书也随之更新，请重新获取验证码签署。"
                )
            else:
                request.status, request.dev_code = "signed", None
                method = f"短信验证码（{mask_phone(phone_on_record(session, app.subject_type, app.subject_id))}）"
                for document in request.documents:
                    session.add(
                        Signature(
                            application_id=app.id,
                            signing_id=signing_id,
                            document=document["name"],
                            text=document["text"],
                            sha256=document["sha256"],
                            signer_type=app.subject_type,
                            signer_id=app.subject_id,
                            method=method,
                            signed_at=now,
                        )
                    )
                names = "、".join(f"《{d['name']}》" for d in request.documents)
                add_event(app, f"申请人已在线签署{names}（{method}）", at=now)
                log.info("申请 %s 签署了 %d 份承诺书", app_number, len(request.documents))
                return
    assert failure is not None
    raise failure


def dev_code(db: Database, app_number: str) -> DevSigning:
    """The code of an application's pending signing, for tests and local demos (dev mode only)."""
    with db.transaction() as session:
        request = session.scalar(
            select(SigningRequest)
            .join(Application, Application.id == SigningRequest.application_id)
            .where(Application.number == app_number, SigningRequest.status == "pending")
            .order_by(SigningRequest.created_at.desc())
        )
        if request is None or not request.dev_code:
            raise ApiError(404, "sms_not_found", "没有待使用的验证码。")
        return DevSigning(signing_id=request.id, code=request.dev_code, expires_at=aware(request.expires_at))

"""Binding a channel user (web session, WeChat openid) to a citizen or an enterprise.

Sandbox verification is what real platforms do: something the person knows (name + ID
number, or the credit code and the legal representative) plus a one-time code sent to the
phone on record. The answer to a wrong name or number never says which part was wrong.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import func, select, update

from bot.privacy import mask_identifier
from bot.settings import settings
from bot.validation import is_valid_id_number, is_valid_uscc
from portal.config import PortalConfig
from portal.db import Database, utcnow
from portal.errors import ApiError
from portal.models import CITIZEN, ENTERPRISE, Binding, Citizen, Enterprise, Token
from portal.profile import display_name
from portal.schemas import BindingCreated, BindingRequest, DevSms, MeOut, SubjectOut, TokenOut

log = logging.getLogger("portal.identity")

BINDINGS_PER_WINDOW = 5
BINDING_WINDOW = timedelta(minutes=10)


@dataclass(frozen=True)
class Subject:
    """The identity a token acts for; every query of personal data is scoped by it."""

    type: str
    id: int
    binding_id: str
    token_hash: str


def aware(value: datetime) -> datetime:
    """Stored naive UTC → timezone-aware, as the API shows every instant."""
    return value.replace(tzinfo=timezone.utc)


def mask_phone(phone: str) -> str:
    return f"{phone[:3]}****{phone[-4:]}"


def _hash(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def _mismatch() -> ApiError:
    return ApiError(
        422,
        "identity_mismatch",
        f"您提供的身份信息未能通过核验，请核对后重试；如仍有问题，请拨打{settings.hotline}咨询。",
    )


def create_binding(db: Database, config: PortalConfig, request: BindingRequest) -> BindingCreated:
    """Checks the identity against the registers and "sends" the SMS code."""
    now = utcnow()
    with db.transaction() as session:
        recent = session.scalar(
            select(func.count())
            .select_from(Binding)
            .where(
                Binding.channel == request.channel,
                Binding.channel_user_id == request.channel_user_id,
                Binding.created_at > now - BINDING_WINDOW,
            )
        )
        if recent >= BINDINGS_PER_WINDOW:
            raise ApiError(429, "too_many_requests", "核验请求过于频繁，请10分钟后再试。")
        subject_type, subject_id, phone = _find_subject(session, request)
        binding_id = secrets.token_hex(16)
        code = f"{secrets.randbelow(10**6):06d}"
        expires = now + timedelta(seconds=config.code_ttl_seconds)
        session.add(
            Binding(
                id=binding_id,
                channel=request.channel,
                channel_user_id=request.channel_user_id,
                subject_type=subject_type,
                subject_id=subject_id,
                code_hash=_hash(binding_id, code),
                code_expires_at=expires,
                attempts=0,
                status="pending",
                created_at=now,
                dev_code=code if config.dev else None,
            )
        )
    # The sandbox's SMS gateway is this log line: masked phone, full code, never the person.
    log.info(
        "沙箱短信网关：向 %s 发送验证码 %s（绑定 %s，渠道 %s 用户 %s）",
        mask_phone(phone),
        code,
        binding_id,
        request.channel,
        mask_identifier(request.channel_user_id),
    )
    return BindingCreated(
        binding_id=binding_id,
        status="code_sent",
        phone_masked=mask_phone(phone),
        expires_at=aware(expires),
        message=f"验证码已发送至尾号{phone[-4:]}的手机，{config.code_ttl_seconds // 60}分钟内有效。",
    )


def _find_subject(session, request: BindingRequest) -> tuple[str, int, str]:  # noqa: ANN001
    if request.subject_type == CITIZEN:
        if not request.name or not request.id_number:
            raise ApiError(
                422,
                "validation_failed",
                "请填写姓名和居民身份证号码。",
                [{"field": f, "problem": "缺少必填项"} for f in ("name", "id_number") if not getattr(request, f)],
            )
        if not is_valid_id_number(request.id_number):
            raise ApiError(
                422,
                "invalid_id_number",
                "身份证号码格式或校验位不正确，请核对后重新输入。",
                [{"field": "id_number", "problem": "校验位不符"}],
            )
        person = session.scalar(select(Citizen).where(Citizen.id_number == request.id_number.strip().upper()))
        if person is None or not hmac.compare_digest(person.name.encode(), request.name.strip().encode()):
            raise _mismatch()
        if not person.phone:
            raise ApiError(422, "no_phone_on_record", "该身份未登记可接收验证码的手机号码，请到政务服务中心窗口办理。")
        return CITIZEN, person.id, person.phone

    needed = ("uscc", "legal_representative_name", "legal_representative_id_number")
    if not all(getattr(request, f) for f in needed):
        raise ApiError(
            422,
            "validation_failed",
            "请填写统一社会信用代码、法定代表人姓名和身份证号码。",
            [{"field": f, "problem": "缺少必填项"} for f in needed if not getattr(request, f)],
        )
    if not is_valid_uscc(request.uscc or ""):
        raise ApiError(
            422,
            "invalid_uscc",
            "统一社会信用代码格式或校验位不正确，请核对后重新输入。",
            [{"field": "uscc", "problem": "校验位不符"}],
        )
    if not is_valid_id_number(request.legal_representative_id_number or ""):
        raise ApiError(
            422,
            "invalid_id_number",
            "法定代表人身份证号码格式或校验位不正确，请核对后重新输入。",
            [{"field": "legal_representative_id_number", "problem": "校验位不符"}],
        )
    company = session.scalar(select(Enterprise).where(Enterprise.uscc == (request.uscc or "").strip().upper()))
    rep = company.legal_rep if company else None
    if (
        rep is None
        or rep.id_number != (request.legal_representative_id_number or "").strip().upper()
        or rep.name != (request.legal_representative_name or "").strip()
    ):
        raise _mismatch()
    if not rep.phone:
        raise ApiError(422, "no_phone_on_record", "法定代表人未登记可接收验证码的手机号码，请到政务服务中心窗口办理。")
    return ENTERPRISE, company.id, rep.phone


def verify(db: Database, config: PortalConfig, binding_id: str, code: str) -> TokenOut:
    """Checks the code; a wrong one counts, and is counted even though the request fails."""
    now = utcnow()
    failure: ApiError | None = None
    with db.transaction() as session:
        binding = session.get(Binding, binding_id, with_for_update=True)
        if binding is None:
            raise ApiError(404, "binding_not_found", "未找到该核验请求，请重新发起身份核验。")
        if binding.status == "locked":
            raise ApiError(423, "binding_locked", "验证码错误次数过多，本次核验已锁定，请重新发起身份核验。")
        if binding.status == "verified":
            raise ApiError(409, "binding_used", "该验证码已使用，如需重新绑定，请重新发起身份核验。")
        if binding.code_expires_at <= now:
            raise ApiError(410, "code_expired", "验证码已过期，请重新获取。")
        if not hmac.compare_digest(binding.code_hash, _hash(binding_id, code)):
            binding.attempts += 1
            left = config.max_code_attempts - binding.attempts
            if left <= 0:
                binding.status = "locked"
                binding.dev_code = None
                failure = ApiError(423, "binding_locked", "验证码错误次数过多，本次核验已锁定，请重新发起身份核验。")
                log.warning("绑定 %s 验证码错误次数过多，已锁定", binding_id)
            else:
                failure = ApiError(
                    422,
                    "code_invalid",
                    f"验证码不正确，您还可以再试{left}次。",
                    [{"field": "code", "problem": f"剩余{left}次"}],
                )
        else:
            done = session.execute(
                update(Binding)
                .where(Binding.id == binding_id, Binding.status == "pending")
                .values(status="verified", verified_at=now, dev_code=None)
            )
            if done.rowcount != 1:
                raise ApiError(409, "binding_used", "该验证码已使用，如需重新绑定，请重新发起身份核验。")
            token = secrets.token_urlsafe(32)
            expires = now + timedelta(seconds=config.token_ttl_seconds)
            session.add(
                Token(
                    token_hash=_hash(token),
                    binding_id=binding_id,
                    subject_type=binding.subject_type,
                    subject_id=binding.subject_id,
                    created_at=now,
                    expires_at=expires,
                    revoked=False,
                )
            )
            name = display_name(session, binding.subject_type, binding.subject_id)
            log.info("绑定 %s 核验通过（%s）", binding_id, binding.subject_type)
            return TokenOut(
                token=token,
                token_type="Bearer",
                expires_at=aware(expires),
                subject=SubjectOut(type=binding.subject_type, display_name=name),
            )  # type: ignore[arg-type]
    assert failure is not None
    raise failure


def dev_sms(db: Database, binding_id: str) -> DevSms:
    """The code of a pending binding, for tests and local demos (dev mode only)."""
    with db.transaction() as session:
        binding = session.get(Binding, binding_id)
        if binding is None or binding.status != "pending" or not binding.dev_code:
            raise ApiError(404, "sms_not_found", "没有待使用的验证码。")
        phone = (
            session.get(Citizen, binding.subject_id).phone
            if binding.subject_type == CITIZEN
            else session.get(Enterprise, binding.subject_id).legal_rep.phone
        ) or ""
        return DevSms(
            binding_id=binding_id,
            phone_masked=mask_phone(phone),
            code=binding.dev_code,
            expires_at=aware(binding.code_expires_at),
        )


def authenticate(db: Database, authorization: str | None) -> Subject:
    """The Subject of a valid bearer token, or 401 (missing, unknown, expired or revoked)."""
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ApiError(
            401,
            "unauthorized",
            "请先完成身份核验（绑定），再办理此项业务。",
            headers={"WWW-Authenticate": 'Bearer realm="portal"'},
        )
    token_hash = _hash(token.strip())
    with db.transaction() as session:
        record = session.get(Token, token_hash)
        if record is None or record.revoked or record.expires_at <= utcnow():
            raise ApiError(
                401,
                "token_invalid",
                "登录状态已失效，请重新完成身份核验。",
                headers={"WWW-Authenticate": 'Bearer realm="portal", error="invalid_token"'},
            )
        return Subject(record.subject_type, record.subject_id, record.binding_id, token_hash)


def me(db: Database, subject: Subject) -> MeOut:
    with db.transaction() as session:
        binding = session.get_one(Binding, subject.binding_id)
        token = session.get_one(Token, subject.token_hash)
        return MeOut(
            subject=SubjectOut(type=subject.type, display_name=display_name(session, subject.type, subject.id)),  # type: ignore[arg-type]
            channel=binding.channel,
            bound_at=aware(binding.verified_at or binding.created_at),
            token_expires_at=aware(token.expires_at),
        )


def revoke(db: Database, subject: Subject) -> None:
    with db.transaction() as session:
        session.execute(update(Token).where(Token.token_hash == subject.token_hash).values(revoked=True))

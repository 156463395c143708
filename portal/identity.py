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
from bot.signed_hooks import subject_ref
from bot.validation import is_valid_id_number, is_valid_uscc
from portal.config import PortalConfig
from portal.db import Database, utcnow
from portal.errors import ApiError
from portal.models import CITIZEN, ENTERPRISE, Binding, Citizen, Enterprise, Token
from portal.profile import display_name
from portal.schemas import BindingCreated, BindingRequest, DevSms, MeOut, SubjectOut, TokenOut

log = logging.getLogger("portal.identity")

WINDOW = timedelta(minutes=10)
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
NOBODY = 0
"""subject_id of a binding whose claim matched no one with a phone on record."""


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


def digest(*parts: str) -> str:
    """SHA-256 of the parts, separated so that ("ab", "c") and ("a", "bc") differ."""
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def _key(*parts: str) -> str:
    """A hash to count by: the limits need to recognise a value, never to read it back."""
    return digest("limit", *parts)


def _claim(request: BindingRequest) -> str:
    if request.subject_type == CITIZEN:
        return _key(CITIZEN, (request.id_number or "").strip().upper())
    return _key(ENTERPRISE, (request.uscc or "").strip().upper())


def _too_many(message: str) -> ApiError:
    return ApiError(429, "too_many_requests", message)


def _check_limits(
    session, config: PortalConfig, request: BindingRequest, claim: str, client: str, now: datetime
) -> None:  # noqa: ANN001
    def count(*conditions) -> int:  # noqa: ANN002
        return session.scalar(select(func.count()).select_from(Binding).where(*conditions)) or 0

    if count(
        Binding.channel == request.channel,
        Binding.channel_user_id == request.channel_user_id,
        Binding.created_at > now - WINDOW,
    ) >= config.limits.per_channel_user or count(Binding.client == client, Binding.created_at > now - WINDOW) >= (
        config.limits.per_client
    ):
        raise _too_many("核验请求过于频繁，请10分钟后再试。")
    if count(Binding.claim_key == claim, Binding.created_at > now - HOUR) >= config.limits.per_claim:
        raise _too_many("该证件的核验请求过于频繁，请1小时后再试。")
    failed = session.scalar(
        select(func.coalesce(func.sum(Binding.attempts), 0)).where(
            Binding.claim_key == claim, Binding.created_at > now - DAY, Binding.status != "verified"
        )
    )
    if failed >= config.limits.failed_codes_per_claim_per_day:
        raise _too_many(f"该证件今日验证码错误次数过多，请明天再试，或拨打{settings.hotline}咨询。")


def _phone_allows_sms(session, config: PortalConfig, phone_key: str, now: datetime) -> bool:  # noqa: ANN001
    """One SMS a minute and ten a day to a phone, whoever asks."""
    sent = select(func.count()).select_from(Binding).where(Binding.phone_key == phone_key, Binding.sms_sent.is_(True))
    recent = session.scalar(sent.where(Binding.created_at > now - config.limits.sms_cooldown)) or 0
    today = session.scalar(sent.where(Binding.created_at > now - DAY)) or 0
    return recent == 0 and today < config.limits.sms_per_phone_per_day


def create_binding(db: Database, config: PortalConfig, request: BindingRequest, client: str = "") -> BindingCreated:
    """Checks the identity against the registers and sends the SMS code.

    The answer is the same whether or not the name fits the number (or the person has a phone on
    record, or the phone had a code a moment ago): a binding that no code opens stands in, so the
    endpoint is not an oracle of who is registered, and a phone gets at most one code a minute.
    Format errors (a wrong check digit, a missing field) are still named: they reveal nothing.
    """
    now = utcnow()
    _check_format(request)
    claim = _claim(request)
    with db.transaction() as session:
        _check_limits(session, config, request, claim, client, now)
        found = _find_subject(session, request)
        subject_type, subject_id, phone = found or (request.subject_type, NOBODY, "")
        phone_key = _key("phone", phone) if phone else None
        sms = bool(phone_key) and _phone_allows_sms(session, config, phone_key, now)
        binding_id = secrets.token_hex(16)
        code = f"{secrets.randbelow(10**6):06d}"
        expires = now + timedelta(seconds=config.code_ttl_seconds)
        session.add(
            Binding(
                id=binding_id,
                channel=request.channel,
                channel_user_id=request.channel_user_id,
                subject_type=subject_type,
                subject_id=subject_id if sms else NOBODY,
                code_hash=digest(binding_id, code),
                code_expires_at=expires,
                attempts=0,
                status="pending",
                created_at=now,
                dev_code=code if config.dev and sms else None,
                claim_key=claim,
                phone_key=phone_key,
                client=client[:64],
                sms_sent=sms,
            )
        )
    if sms:
        # The sandbox's SMS gateway is this log line: masked phone, full code, never the person.
        log.info("沙箱短信网关：向 %s 发送验证码 %s（绑定 %s）", mask_phone(phone), code, binding_id)
    else:
        log.info("绑定 %s 未发送短信（信息不符、未登记手机或发送过于频繁）", binding_id)
    log.info("绑定请求 %s：渠道 %s 用户 %s", binding_id, request.channel, mask_identifier(request.channel_user_id))
    minutes = config.code_ttl_seconds // 60
    return BindingCreated(
        binding_id=binding_id,
        status="code_sent",
        phone_masked=None,
        expires_at=aware(expires),
        message=(
            f"如果您填写的信息与登记信息一致，验证码已发送至您登记的手机，{minutes}分钟内有效。"
            f"如未收到，请核对信息后重新核验（同一手机每分钟只能接收一次），或拨打{settings.hotline}咨询。"
        ),
    )


def _check_format(request: BindingRequest) -> None:
    """Missing fields and wrong check digits: said plainly, since they reveal nothing."""
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
        return
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


def _find_subject(session, request: BindingRequest) -> tuple[str, int, str] | None:  # noqa: ANN001
    """The claimed subject and the phone on record, or None when the claim fits no one with a phone."""
    if request.subject_type == CITIZEN:
        person = session.scalar(select(Citizen).where(Citizen.id_number == (request.id_number or "").strip().upper()))
        if person is None or not hmac.compare_digest(person.name.encode(), (request.name or "").strip().encode()):
            return None
        return (CITIZEN, person.id, person.phone) if person.phone else None
    company = session.scalar(select(Enterprise).where(Enterprise.uscc == (request.uscc or "").strip().upper()))
    rep = company.legal_rep if company else None
    if (
        rep is None
        or rep.id_number != (request.legal_representative_id_number or "").strip().upper()
        or rep.name != (request.legal_representative_name or "").strip()
    ):
        return None
    return (ENTERPRISE, company.id, rep.phone) if rep.phone else None


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
        # a stand-in binding (no SMS went out) is opened by no code, not even a lucky guess
        if not binding.sms_sent or not hmac.compare_digest(binding.code_hash, digest(binding_id, code)):
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
                    token_hash=digest(token),
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
                subject=_subject_out(config, binding.subject_type, binding.subject_id, name),
            )  # type: ignore[arg-type]
    assert failure is not None
    raise failure


def phone_on_record(session, subject_type: str, subject_id: int) -> str:  # noqa: ANN001
    """The phone the registers hold for a citizen, or for an enterprise's legal representative."""
    if subject_type == CITIZEN:
        return session.get_one(Citizen, subject_id).phone or ""
    return session.get_one(Enterprise, subject_id).legal_rep.phone or ""


def dev_sms(db: Database, binding_id: str) -> DevSms:
    """The code of a pending binding, for tests and local demos (dev mode only)."""
    with db.transaction() as session:
        binding = session.get(Binding, binding_id)
        if binding is None or binding.status != "pending" or not binding.dev_code:
            raise ApiError(404, "sms_not_found", "没有待使用的验证码。")
        phone = phone_on_record(session, binding.subject_type, binding.subject_id)
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
    token_hash = digest(token.strip())
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


def _subject_out(config: PortalConfig, subject_type: str, subject_id: int, name: str) -> SubjectOut:
    ref = subject_ref(config.notice_secret, subject_type, subject_id)
    return SubjectOut(type=subject_type, display_name=name, ref=ref)  # type: ignore[arg-type]


def me(db: Database, config: PortalConfig, subject: Subject) -> MeOut:
    with db.transaction() as session:
        binding = session.get_one(Binding, subject.binding_id)
        token = session.get_one(Token, subject.token_hash)
        return MeOut(
            subject=_subject_out(config, subject.type, subject.id, display_name(session, subject.type, subject.id)),
            channel=binding.channel,
            bound_at=aware(binding.verified_at or binding.created_at),
            token_expires_at=aware(token.expires_at),
        )


def revoke(db: Database, subject: Subject) -> None:
    with db.transaction() as session:
        session.execute(update(Token).where(Token.token_hash == subject.token_hash).values(revoked=True))

"""The portal's tables (SQLAlchemy 2 typed models).

They live on their own declarative base: the portal stands in for a separate government
platform and must never share tables with the assistant's own database.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    true,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class PortalBase(DeclarativeBase):
    """Declarative base of the portal's tables only."""


CITIZEN = "citizen"
ENTERPRISE = "enterprise"


class Citizen(PortalBase):
    """A resident as the population, social-insurance and civil-affairs registers know them."""

    __tablename__ = "portal_citizen"

    id: Mapped[int] = mapped_column(primary_key=True)
    seed_key: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(40))
    id_number: Mapped[str | None] = mapped_column(String(18), unique=True)
    gender: Mapped[str] = mapped_column(String(2))
    birth_date: Mapped[date] = mapped_column(Date)
    phone: Mapped[str | None] = mapped_column(String(11))
    district: Mapped[str] = mapped_column(String(20))
    address: Mapped[str] = mapped_column(String(200))
    marital_status: Mapped[str] = mapped_column(String(10), default="未婚")
    marriage_verifiable: Mapped[bool] = mapped_column(Boolean, default=True)
    spouse_id: Mapped[int | None] = mapped_column(ForeignKey("portal_citizen.id"))
    father_id: Mapped[int | None] = mapped_column(ForeignKey("portal_citizen.id"))
    mother_id: Mapped[int | None] = mapped_column(ForeignKey("portal_citizen.id"))
    employer_id: Mapped[int | None] = mapped_column(ForeignKey("portal_enterprise.id", use_alter=True))
    worker_category: Mapped[str | None] = mapped_column(String(20))
    statutory_retirement_date: Mapped[date | None] = mapped_column(Date)
    disability_certificate: Mapped[dict | None] = mapped_column(JSON)
    birth_certificate_no: Mapped[str | None] = mapped_column(String(20))
    scenarios: Mapped[list] = mapped_column(JSON, default=list)
    note: Mapped[str] = mapped_column(Text, default="")

    spouse: Mapped[Citizen | None] = relationship(foreign_keys=[spouse_id], remote_side=[id])
    father: Mapped[Citizen | None] = relationship(foreign_keys=[father_id], remote_side=[id])
    mother: Mapped[Citizen | None] = relationship(foreign_keys=[mother_id], remote_side=[id])
    employer: Mapped[Enterprise | None] = relationship(foreign_keys=[employer_id])
    insurance: Mapped[list[InsuranceRecord]] = relationship(back_populates="citizen", order_by="InsuranceRecord.id")
    housing_fund: Mapped[HousingFundAccount | None] = relationship(back_populates="citizen")


class InsuranceRecord(PortalBase):
    """One social-insurance scheme a citizen is enrolled in (养老, 医疗, 失业, 工伤, 生育)."""

    __tablename__ = "portal_insurance"

    id: Mapped[int] = mapped_column(primary_key=True)
    citizen_id: Mapped[int] = mapped_column(ForeignKey("portal_citizen.id"), index=True)
    scheme: Mapped[str] = mapped_column(String(30))
    status: Mapped[str] = mapped_column(String(10))
    since: Mapped[date] = mapped_column(Date)
    contribution_months: Mapped[int] = mapped_column(Integer)
    payer: Mapped[str] = mapped_column(String(100))

    citizen: Mapped[Citizen] = relationship(back_populates="insurance")


class HousingFundAccount(PortalBase):
    """The citizen's housing provident fund (住房公积金) account."""

    __tablename__ = "portal_housing_fund"

    id: Mapped[int] = mapped_column(primary_key=True)
    citizen_id: Mapped[int] = mapped_column(ForeignKey("portal_citizen.id"), unique=True)
    account_no: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(10))
    balance: Mapped[float] = mapped_column(Numeric(12, 2))
    monthly_deposit: Mapped[float] = mapped_column(Numeric(10, 2))
    since: Mapped[date] = mapped_column(Date)

    citizen: Mapped[Citizen] = relationship(back_populates="housing_fund")


class Enterprise(PortalBase):
    """A registered market entity as the market-regulation register knows it."""

    __tablename__ = "portal_enterprise"

    id: Mapped[int] = mapped_column(primary_key=True)
    seed_key: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    uscc: Mapped[str] = mapped_column(String(18), unique=True)
    legal_rep_id: Mapped[int] = mapped_column(ForeignKey("portal_citizen.id"))
    enterprise_type: Mapped[str] = mapped_column(String(40))
    address: Mapped[str] = mapped_column(String(200))
    district: Mapped[str] = mapped_column(String(20))
    business_scope: Mapped[str] = mapped_column(Text)
    registered_capital: Mapped[float] = mapped_column(Numeric(14, 2))
    established_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20))
    tax_arrears: Mapped[float] = mapped_column(Numeric(12, 2), default=0)
    bankruptcy: Mapped[dict | None] = mapped_column(JSON)
    scenarios: Mapped[list] = mapped_column(JSON, default=list)
    note: Mapped[str] = mapped_column(Text, default="")

    legal_rep: Mapped[Citizen] = relationship(foreign_keys=[legal_rep_id])
    penalties: Mapped[list[Penalty]] = relationship(back_populates="enterprise", order_by="Penalty.id")


class Penalty(PortalBase):
    """An administrative penalty on the credit record (what 信用修复 is about)."""

    __tablename__ = "portal_penalty"

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("portal_enterprise.id"), index=True)
    decision_no: Mapped[str] = mapped_column(String(60))
    authority: Mapped[str] = mapped_column(String(60))
    decided_on: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(String(200))
    fine: Mapped[float] = mapped_column(Numeric(12, 2))
    fulfilled: Mapped[bool] = mapped_column(Boolean)
    severity: Mapped[str] = mapped_column(String(10))

    enterprise: Mapped[Enterprise] = relationship(back_populates="penalties")


class Binding(PortalBase):
    """A channel user's request to act as a citizen or enterprise, pending the SMS code.

    Every request gets one, whether or not the claim matched anyone: a claim that matched nobody
    (or a person without a phone on record) gets a binding with `sms_sent` false and subject 0,
    which no code opens, so the answer never tells a caller whether a name fits an ID number.
    `claim_key` (the claimed ID number or credit code), `phone_key` and `client` are hashes and
    an address that the abuse limits count by.
    """

    __tablename__ = "portal_binding"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    channel: Mapped[str] = mapped_column(String(20))
    channel_user_id: Mapped[str] = mapped_column(String(128), index=True)
    subject_type: Mapped[str] = mapped_column(String(10))
    subject_id: Mapped[int] = mapped_column(Integer)
    code_hash: Mapped[str] = mapped_column(String(64))
    code_expires_at: Mapped[datetime] = mapped_column(DateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(10), default="pending")
    created_at: Mapped[datetime] = mapped_column(DateTime)
    verified_at: Mapped[datetime | None] = mapped_column(DateTime)
    dev_code: Mapped[str | None] = mapped_column(String(6))
    claim_key: Mapped[str | None] = mapped_column(String(64), index=True)
    phone_key: Mapped[str | None] = mapped_column(String(64), index=True)
    client: Mapped[str | None] = mapped_column(String(64), index=True)
    sms_sent: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())


class Token(PortalBase):
    """A bearer token scoped to one bound identity; only its hash is stored."""

    __tablename__ = "portal_token"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    binding_id: Mapped[str] = mapped_column(ForeignKey("portal_binding.id"))
    subject_type: Mapped[str] = mapped_column(String(10))
    subject_id: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    expires_at: Mapped[datetime] = mapped_column(DateTime)
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)


class Consent(PortalBase):
    """PIPL consent: who agreed, when, for what purpose, to release which fields."""

    __tablename__ = "portal_consent"

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_type: Mapped[str] = mapped_column(String(10))
    subject_id: Mapped[int] = mapped_column(Integer, index=True)
    binding_id: Mapped[str] = mapped_column(ForeignKey("portal_binding.id"))
    purpose: Mapped[str] = mapped_column(String(40))
    fields: Mapped[list] = mapped_column(JSON)
    granted_at: Mapped[datetime] = mapped_column(DateTime)
    withdrawn_at: Mapped[datetime | None] = mapped_column(DateTime)


class DailySequence(PortalBase):
    """Last application sequence number issued on a day (BS + yyyymmdd + six digits)."""

    __tablename__ = "portal_daily_sequence"

    day: Mapped[str] = mapped_column(String(8), primary_key=True)
    last: Mapped[int] = mapped_column(Integer)


class Application(PortalBase):
    """An application for one 一件事, from draft to the outcome of every department."""

    __tablename__ = "portal_application"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(16), unique=True)
    subject_type: Mapped[str] = mapped_column(String(10))
    subject_id: Mapped[int] = mapped_column(Integer, index=True)
    service_code: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(20))
    fields: Mapped[dict] = mapped_column(JSON)
    prefilled: Mapped[list] = mapped_column(JSON, default=list)
    services: Mapped[list] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime)
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime)
    submit_key: Mapped[str | None] = mapped_column(String(100))
    promised_date: Mapped[date | None] = mapped_column(Date)
    completed_at: Mapped[datetime | None] = mapped_column(DateTime)
    commitment: Mapped[str | None] = mapped_column(Text)
    urge_count: Mapped[int] = mapped_column(Integer, default=0)
    last_urged_at: Mapped[datetime | None] = mapped_column(DateTime)

    subtasks: Mapped[list[SubTask]] = relationship(back_populates="application", order_by="SubTask.position")
    deferred: Mapped[list[DeferredMaterial]] = relationship(
        back_populates="application", order_by="DeferredMaterial.id"
    )
    events: Mapped[list[Event]] = relationship(back_populates="application", order_by="Event.id")
    files: Mapped[list[MaterialFile]] = relationship(back_populates="application", order_by="MaterialFile.id")
    signing_requests: Mapped[list[SigningRequest]] = relationship(order_by="SigningRequest.created_at")
    signatures: Mapped[list[Signature]] = relationship(order_by="Signature.id")


class SubTask(PortalBase):
    """One bundled service handled by one department, in parallel with the others (并联办理)."""

    __tablename__ = "portal_subtask"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("portal_application.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    service: Mapped[str] = mapped_column(String(200))
    department: Mapped[str] = mapped_column(String(100))
    is_lead: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(20), index=True)
    note: Mapped[str | None] = mapped_column(Text)
    missing_materials: Mapped[list] = mapped_column(JSON, default=list)
    stalled: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(DateTime)

    application: Mapped[Application] = relationship(back_populates="subtasks")


class DeferredMaterial(PortalBase):
    """容缺受理: a material accepted as missing on the applicant's commitment to supply it by a date."""

    __tablename__ = "portal_deferred_material"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("portal_application.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    due_date: Mapped[date] = mapped_column(Date)
    provided_at: Mapped[datetime | None] = mapped_column(DateTime)

    application: Mapped[Application] = relationship(back_populates="deferred")


class Event(PortalBase):
    """The application's timeline, in words a citizen can read."""

    __tablename__ = "portal_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("portal_application.id"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime)
    department: Mapped[str | None] = mapped_column(String(100))
    message: Mapped[str] = mapped_column(Text)

    application: Mapped[Application] = relationship(back_populates="events")


class IdempotencyRecord(PortalBase):
    """A client's Idempotency-Key, unique per identity and operation: the database, not the
    process, guarantees that a retried or concurrent request is applied once."""

    __tablename__ = "portal_idempotency"
    __table_args__ = (UniqueConstraint("subject_type", "subject_id", "operation", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_type: Mapped[str] = mapped_column(String(10))
    subject_id: Mapped[int] = mapped_column(Integer)
    operation: Mapped[str] = mapped_column(String(40))
    key: Mapped[str] = mapped_column(String(100))
    request_hash: Mapped[str] = mapped_column(String(64))
    application_id: Mapped[int] = mapped_column(ForeignKey("portal_application.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime)


class MaterialFile(PortalBase):
    """One file of one material, uploaded to a draft (or for a 补正 or 容缺 after submission).

    The bytes live in the object store under `object_key`; the row says whose, which material,
    and what the checks found. A replaced or removed file keeps its row (`removed_at`), so the
    record shows what was handed in and withdrawn; its bytes are deleted. `upload_key` is the
    client's Idempotency-Key: a retried upload finds its first row instead of adding a second.
    """

    __tablename__ = "portal_material_file"
    __table_args__ = (UniqueConstraint("application_id", "upload_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    file_id: Mapped[str] = mapped_column(String(32), unique=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("portal_application.id"), index=True)
    material: Mapped[str] = mapped_column(String(100))
    purpose: Mapped[str] = mapped_column(String(20), default="application")
    object_key: Mapped[str] = mapped_column(String(200))
    thumbnail_key: Mapped[str | None] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(40))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    pages: Mapped[int | None] = mapped_column(Integer)
    upload_key: Mapped[str] = mapped_column(String(100))
    uploaded_at: Mapped[datetime] = mapped_column(DateTime)
    removed_at: Mapped[datetime | None] = mapped_column(DateTime)

    application: Mapped[Application] = relationship(back_populates="files")


class SigningRequest(PortalBase):
    """A request to sign an application's 承诺书: the texts shown, and the one-time code sent to
    the phone on record that proves the signer is the verified applicant (a step-up beyond the
    session's token, which a shared phone or a stolen chat could use)."""

    __tablename__ = "portal_signing_request"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("portal_application.id"), index=True)
    documents: Mapped[list] = mapped_column(JSON)
    """[{"name", "text", "sha256"}] exactly as shown to the signer."""
    phone_key: Mapped[str] = mapped_column(String(64), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    dev_code: Mapped[str | None] = mapped_column(String(6))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(10))
    """pending, signed, locked (too many wrong codes) or replaced (a newer request)."""
    created_at: Mapped[datetime] = mapped_column(DateTime)
    expires_at: Mapped[datetime] = mapped_column(DateTime)


class Signature(PortalBase):
    """One signed text: what was signed (its full text and SHA-256), by whom, when and how. A
    signature whose text no longer fits the application (an answer changed after signing) is
    not counted; its row stays as the record of what was signed."""

    __tablename__ = "portal_signature"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("portal_application.id"), index=True)
    signing_id: Mapped[str] = mapped_column(ForeignKey("portal_signing_request.id"))
    document: Mapped[str] = mapped_column(String(100))
    text: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    signer_type: Mapped[str] = mapped_column(String(10))
    signer_id: Mapped[int] = mapped_column(Integer)
    method: Mapped[str] = mapped_column(String(60))
    """How the signer proved who they were, e.g. "短信验证码（138****0001）"."""
    signed_at: Mapped[datetime] = mapped_column(DateTime)


class SocialSecurityCard(PortalBase):
    """A citizen's social security card as the 人社 card register knows it: its number and
    whether it is usable, temporarily frozen (临时挂失, five days) or formally reported lost
    (正式挂失, for good: a new card is applied for)."""

    __tablename__ = "portal_social_security_card"

    id: Mapped[int] = mapped_column(primary_key=True)
    citizen_id: Mapped[int] = mapped_column(ForeignKey("portal_citizen.id"), unique=True)
    card_no: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(10))
    changed_at: Mapped[datetime] = mapped_column(DateTime)
    temporary_until: Mapped[datetime | None] = mapped_column(DateTime)


class Notice(PortalBase):
    """A change of a case the applicant is told about (补正 requested, a department done, 办结,
    overdue, a 容缺 date near): the outbox of the webhook to the assistant, and the feed it
    polls. `key` makes each notice happen once, however often its condition is seen."""

    __tablename__ = "portal_notice"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("portal_application.id"), index=True)
    key: Mapped[str] = mapped_column(String(120), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    message: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime, index=True)

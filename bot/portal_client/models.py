"""Typed results of the portal client: plain frozen dataclasses built from the portal's JSON.

The assistant reads only the fields it uses, so the portal may add fields freely; a field it
needs but cannot read is a `PortalBadResponse`, never a KeyError deep in an action.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from typing import Any, TypeVar

from bot.portal_client.errors import PortalBadResponse

T = TypeVar("T")


def _instant(value: str) -> datetime:
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def _optional(value: Any, convert: Callable[[Any], T]) -> T | None:
    return None if value is None else convert(value)


def parse(kind: Callable[[dict], T], body: Any) -> T:
    """`kind.from_json(body)`, with any shape problem turned into PortalBadResponse."""
    try:
        return kind(body)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise PortalBadResponse(f"unexpected portal response: {type(exc).__name__}: {exc}") from None


@dataclass(frozen=True)
class BindingStarted:
    """An SMS code is on its way to the phone on record."""

    binding_id: str
    phone_masked: str | None
    expires_at: datetime
    message: str

    @classmethod
    def from_json(cls, body: dict) -> BindingStarted:
        return cls(body["binding_id"], body.get("phone_masked"), _instant(body["expires_at"]), body["message"])


@dataclass(frozen=True)
class PortalToken:
    """The bearer token of a verified identity and whom it acts for."""

    token: str
    expires_at: datetime
    subject_type: str
    display_name: str
    subject_ref: str | None = None
    """How the portal's notices name this subject (bot/notices): who is told of a case change."""

    @classmethod
    def from_json(cls, body: dict) -> PortalToken:
        subject = body["subject"]
        ref = subject.get("ref")
        return cls(
            body["token"],
            _instant(body["expires_at"]),
            subject["type"],
            subject["display_name"],
            ref if isinstance(ref, str) and ref else None,
        )


@dataclass(frozen=True)
class SubTask:
    """One department's part of a 一件事 (并联办理)."""

    service: str
    department: str
    is_lead: bool
    status: str
    status_text: str
    note: str | None
    missing_materials: tuple[str, ...]

    @classmethod
    def from_json(cls, body: dict) -> SubTask:
        return cls(
            body["service"],
            body["department"],
            bool(body["is_lead"]),
            body["status"],
            body["status_text"],
            body.get("note"),
            tuple(body.get("missing_materials") or ()),
        )


@dataclass(frozen=True)
class DeferredMaterial:
    """A material accepted as "容缺": promised for later."""

    name: str
    due_date: date
    provided: bool

    @classmethod
    def from_json(cls, body: dict) -> DeferredMaterial:
        return cls(body["name"], date.fromisoformat(body["due_date"]), bool(body["provided"]))


@dataclass(frozen=True)
class ApplicationSummary:
    """One line of 我的办件."""

    number: str
    service_code: str
    service_title: str
    status: str
    status_text: str
    submitted_at: datetime | None
    promised_date: date | None
    overdue: bool

    @classmethod
    def from_json(cls, body: dict) -> ApplicationSummary:
        return cls(
            number=body["number"],
            service_code=body["service_code"],
            service_title=body["service_title"],
            status=body["status"],
            status_text=body["status_text"],
            submitted_at=_optional(body.get("submitted_at"), _instant),
            promised_date=_optional(body.get("promised_date"), date.fromisoformat),
            overdue=bool(body["overdue"]),
        )


@dataclass(frozen=True)
class ChecklistItem:
    """One material of the case and what is done about it: shared (免提交), uploaded, deferred
    (容缺), needed, optional, sign (在线签署) or original (原件交回)."""

    name: str
    status: str
    deferrable: bool
    note: str
    files: int
    file_ids: tuple[str, ...] = ()

    @classmethod
    def from_json(cls, body: dict) -> ChecklistItem:
        ids = tuple(str(f["file_id"]) for f in body["files"])
        return cls(body["name"], body["status"], bool(body["deferrable"]), body.get("note") or "", len(ids), ids)


@dataclass(frozen=True)
class UploadedFile:
    """A file the portal accepted; `thumbnail` is a data URL of an image's small copy."""

    file_id: str
    material: str
    content_type: str
    pages: int | None
    thumbnail: str | None
    replayed: bool = False

    @classmethod
    def from_json(cls, body: dict) -> UploadedFile:
        return cls(body["file_id"], body["material"], body["content_type"], body.get("pages"), body.get("thumbnail"))


@dataclass(frozen=True)
class Card:
    """The cardholder's social security card: 正常, 临时挂失 or 正式挂失, and the portal's words on it."""

    card_no_masked: str
    status: str
    message: str

    @classmethod
    def from_json(cls, body: dict) -> Card:
        return cls(str(body["card_no_masked"]), str(body["status"]), str(body["message"]))


@dataclass(frozen=True)
class Signing:
    """Texts to sign, shown in full, and where the code went; `signing_id` names the request."""

    signing_id: str
    documents: tuple[tuple[str, str], ...]
    """(name, full text) in the order shown."""
    phone_masked: str

    @classmethod
    def from_json(cls, body: dict) -> Signing:
        documents = tuple((str(d["name"]), str(d["text"])) for d in body["documents"])
        return cls(str(body["signing_id"]), documents, str(body["phone_masked"]))


@dataclass(frozen=True)
class Application:
    """An application with its per-department progress and what the applicant must do next."""

    summary: ApplicationSummary
    subtasks: tuple[SubTask, ...]
    deferred_materials: tuple[DeferredMaterial, ...]
    missing_fields: tuple[str, ...]
    next_step: str
    can_urge: bool
    urge_count: int
    fields: dict = field(default_factory=dict)
    prefilled_fields: tuple[str, ...] = ()
    commitment: str | None = None
    checklist: tuple[ChecklistItem, ...] = ()

    @property
    def number(self) -> str:
        return self.summary.number

    def materials(self, *statuses: str) -> list[ChecklistItem]:
        return [m for m in self.checklist if m.status in statuses]

    @classmethod
    def from_json(cls, body: dict) -> Application:
        return cls(
            summary=ApplicationSummary.from_json(body),
            subtasks=tuple(SubTask.from_json(t) for t in body["subtasks"]),
            deferred_materials=tuple(DeferredMaterial.from_json(d) for d in body.get("deferred_materials") or ()),
            missing_fields=tuple(body.get("missing_fields") or ()),
            next_step=body["next_step"],
            can_urge=bool(body["can_urge"]),
            urge_count=int(body["urge_count"]),
            fields=dict(body.get("fields") or {}),
            prefilled_fields=tuple(body.get("prefilled_fields") or ()),
            commitment=body.get("commitment"),
            checklist=tuple(ChecklistItem.from_json(m) for m in body.get("checklist") or ()),
        )


@dataclass(frozen=True)
class Submitted:
    """The result of a submit; `replayed` when the portal had already taken this key."""

    application: Application
    replayed: bool
    idempotency_key: str


@dataclass(frozen=True)
class SmsSent:
    """A message the portal texted to the phone on record (shown masked)."""

    phone_masked: str
    message: str

    @classmethod
    def from_json(cls, body: dict) -> SmsSent:
        return cls(str(body["phone_masked"]), str(body["message"]))


@dataclass(frozen=True)
class Urged:
    number: str
    urge_count: int
    message: str

    @classmethod
    def from_json(cls, body: dict) -> Urged:
        return cls(body["number"], int(body["urge_count"]), body["message"])


@dataclass(frozen=True)
class Consent:
    """A standing PIPL consent: profile fields released for one purpose (a service code)."""

    id: int
    purpose: str
    fields: tuple[str, ...]
    withdrawn: bool

    @classmethod
    def from_json(cls, body: dict) -> Consent:
        return cls(int(body["id"]), body["purpose"], tuple(body["fields"]), body.get("withdrawn_at") is not None)


@dataclass(frozen=True)
class Me:
    subject_type: str
    display_name: str
    token_expires_at: datetime

    @classmethod
    def from_json(cls, body: dict) -> Me:
        subject = body["subject"]
        return cls(subject["type"], subject["display_name"], _instant(body["token_expires_at"]))

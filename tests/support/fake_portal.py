"""A small in-memory portal behind httpx.MockTransport, for testing the client and the actions
without a process. It speaks the real portal's shapes (checked against the real process in
tests/portal) and can be told to fail."""

from __future__ import annotations

import json
import uuid
from collections import Counter
from dataclasses import dataclass, field

import httpx

from bot.identity.store import IdentityStore
from bot.portal_client.breaker import CircuitBreaker
from bot.portal_client.client import ClientConfig, PortalClient
from bot.portal_client.services import PortalServices
from portal.applications import STATUS_TEXT, SUBTASK_TEXT

PERSON_NAME, PERSON_ID = "马志强", "990103196603020774"
CONFIG = ClientConfig(
    base_url="http://portal.test",
    connect_timeout=0.5,
    read_timeout=0.5,
    retries=2,
    backoff=0.0,
    breaker_failures=5,
    breaker_cooldown=30,
)


def subtask(
    service: str,
    department: str,
    status: str,
    *,
    lead: bool = False,
    note: str | None = None,
    missing: tuple[str, ...] = (),
) -> dict:
    return {
        "service": service,
        "department": department,
        "is_lead": lead,
        "status": status,
        "status_text": SUBTASK_TEXT[status],
        "note": note,
        "missing_materials": list(missing),
        "updated_at": "2026-10-02T01:00:00Z",
    }


def application(
    number: str,
    *,
    title: str = "退休“一件事”",
    status: str = "in_progress",
    overdue: bool = False,
    subtasks: list[dict] | None = None,
    next_step: str = "各部门正在并联办理，您无需做什么。",
) -> dict:
    return {
        "number": number,
        "service_code": "retirement",
        "service_title": title,
        "status": status,
        "status_text": STATUS_TEXT[status],
        "submitted_at": "2026-10-01T02:00:00Z",
        "promised_date": "2026-10-20",
        "overdue": overdue,
        "updated_at": "2026-10-02T01:00:00Z",
        "fields": {},
        "prefilled_fields": [],
        "missing_fields": [],
        "services": [],
        "created_at": "2026-10-01T01:00:00Z",
        "completed_at": None,
        "commitment": None,
        "subtasks": subtasks or [],
        "deferred_materials": [],
        "events": [],
        "next_step": next_step,
        "can_urge": overdue,
        "urge_count": 0,
    }


def _error(status: int, code: str, message: str) -> httpx.Response:
    return httpx.Response(status, json={"code": code, "message": message, "details": []})


@dataclass
class FakePortal:
    """Citizen 马志强 with whatever applications a test gives him; any other number is not found."""

    applications: dict[str, dict] = field(default_factory=dict)
    down: bool = False
    calls: Counter = field(default_factory=Counter)
    codes: dict[str, str] = field(default_factory=dict)
    tokens: set[str] = field(default_factory=set)
    urged: list[str] = field(default_factory=list)

    def handler(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        self.calls[f"{request.method} {path}"] += 1
        if self.down:
            raise httpx.ConnectError("connection refused", request=request)
        body = json.loads(request.content or b"{}")
        if path == "/identity/bindings":
            # as the real portal: the same answer whether or not the claim matched; a binding
            # for a claim that matched nobody gets no code
            binding_id = uuid.uuid4().hex
            matched = body.get("name") == PERSON_NAME and body.get("id_number") == PERSON_ID
            self.codes[binding_id] = "123456" if matched else None
            return httpx.Response(
                201,
                json={
                    "binding_id": binding_id,
                    "status": "code_sent",
                    "phone_masked": None,
                    "expires_at": "2099-01-01T00:00:00Z",
                    "message": "如果您填写的信息与登记信息一致，验证码已发送至您登记的手机，5分钟内有效。",
                },
            )
        if path.startswith("/identity/bindings/") and path.endswith("/verify"):
            binding_id = path.split("/")[3]
            if binding_id not in self.codes:
                return _error(404, "binding_not_found", "未找到该核验请求，请重新发起身份核验。")
            if body.get("code") != self.codes[binding_id]:
                return _error(422, "code_invalid", "验证码不正确，您还可以再试4次。")
            del self.codes[binding_id]
            token = uuid.uuid4().hex
            self.tokens.add(token)
            return httpx.Response(
                200,
                json={
                    "token": token,
                    "token_type": "Bearer",
                    "expires_at": "2099-01-01T00:00:00Z",
                    "subject": {"type": "citizen", "display_name": PERSON_NAME},
                },
            )
        if request.headers.get("authorization", "").removeprefix("Bearer ") not in self.tokens:
            return _error(401, "token_invalid", "登录状态已失效，请重新完成身份核验。")
        if path == "/me/logout":
            self.tokens.discard(request.headers["authorization"].removeprefix("Bearer "))
            return httpx.Response(200, json={"revoked": True, "message": "已解除"})
        if path == "/applications":
            keys = (
                "number",
                "service_code",
                "service_title",
                "status",
                "status_text",
                "submitted_at",
                "promised_date",
                "overdue",
                "updated_at",
            )
            return httpx.Response(200, json={"items": [{k: a[k] for k in keys} for a in self.applications.values()]})
        number = path.split("/")[2]
        if number not in self.applications:
            return _error(404, "application_not_found", "未找到该办件，请核对办件编号后再查询。")
        if path.endswith("/urge"):
            if not self.applications[number]["overdue"]:
                return _error(409, "not_overdue", "办件尚在承诺时限内，暂不需要催办，请耐心等待。")
            self.urged.append(number)
            return httpx.Response(
                200,
                json={
                    "number": number,
                    "urged_at": "2026-10-25T01:00:00Z",
                    "urge_count": 1,
                    "message": "已为您催办，住房公积金管理中心将优先处理。",
                },
            )
        return httpx.Response(200, json=self.applications[number])

    def client(self, **config) -> PortalClient:
        return PortalClient(
            ClientConfig(**{**CONFIG.__dict__, **config}),
            breaker=CircuitBreaker(5, 30),
            transport=httpx.MockTransport(self.handler),
        )

    def services(self, db_url: str) -> PortalServices:
        return PortalServices(connect=self.client, store=IdentityStore(db_url))

    def issue_token(self) -> str:
        token = uuid.uuid4().hex
        self.tokens.add(token)
        return token

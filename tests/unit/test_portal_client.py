"""The portal client against httpx.MockTransport: retries only where safe, one idempotency key
per submit, the circuit breaker, typed results and Chinese messages for every failure."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from bot.portal_client.breaker import CircuitBreaker
from bot.portal_client.client import ClientConfig, PortalClient
from bot.portal_client.errors import (
    AuthRequired,
    CircuitOpen,
    Conflict,
    NotFound,
    PortalBadResponse,
    PortalRejected,
    PortalTimeout,
    PortalUnavailable,
)
from bot.portal_client.models import Application
from tests.support.fake_portal import CONFIG, application, subtask

NUMBER = "BS20261001000001"


class Script:
    """A transport answering from a list of responses (or exceptions), recording each request."""

    def __init__(self, *answers):
        self.answers = list(answers)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(answer, Exception):
            raise answer
        return answer


def make_client(script: Script, breaker: CircuitBreaker | None = None, **config) -> PortalClient:
    return PortalClient(
        ClientConfig(**{**CONFIG.__dict__, **config}),
        breaker=breaker or CircuitBreaker(50, 30),
        transport=httpx.MockTransport(script),
    )


def run(coro):
    return asyncio.run(coro)


async def call(script: Script, method: str, *args, breaker=None, **kwargs):
    async with make_client(script, breaker) as client:
        return await getattr(client, method)(*args, **kwargs)


def ok(body: dict, status: int = 200, headers: dict | None = None) -> httpx.Response:
    return httpx.Response(status, json=body, headers=headers)


def error(status: int, code: str, message: str) -> httpx.Response:
    return httpx.Response(status, json={"code": code, "message": message, "details": []})


def test_get_is_retried_on_5xx_and_timeouts_then_succeeds():
    script = Script(error(503, "unavailable", "系统繁忙"), httpx.ReadTimeout("slow"), ok(application(NUMBER)))
    result = run(call(script, "get_application", "tok", NUMBER))
    assert isinstance(result, Application) and result.number == NUMBER
    assert len(script.requests) == 3
    assert all(r.headers["authorization"] == "Bearer tok" for r in script.requests)


def test_retries_are_bounded():
    script = Script(error(503, "unavailable", "系统繁忙"))
    with pytest.raises(PortalUnavailable) as caught:
        run(call(script, "list_applications", "tok"))
    assert len(script.requests) == 1 + CONFIG.retries
    assert "系统繁忙" in caught.value.user_message and "12345" in caught.value.user_message


@pytest.mark.parametrize(
    "method, args",
    [
        ("urge", ("tok", NUMBER)),
        ("start_binding", ("web", "u1", "马志强", "990103196603020774")),
        ("verify_binding", ("b1", "123456")),
        ("update_application", ("tok", NUMBER, {"a": 1})),
    ],
)
def test_calls_that_are_not_idempotent_are_never_retried(method, args):
    script = Script(error(503, "unavailable", "系统繁忙"))
    with pytest.raises(PortalUnavailable):
        run(call(script, method, *args))
    assert len(script.requests) == 1


def test_submit_retries_with_one_key_and_reports_a_replay():
    body = application(NUMBER, status="submitted")
    script = Script(httpx.ReadTimeout("lost answer"), ok(body, headers={"Idempotent-Replayed": "true"}))
    result = run(call(script, "submit", "tok", NUMBER))
    keys = {r.headers["idempotency-key"] for r in script.requests}
    assert len(script.requests) == 2 and len(keys) == 1
    assert result.replayed and result.idempotency_key in keys
    assert result.application.summary.status == "submitted"


def test_every_submit_call_gets_its_own_key_unless_given_one():
    script = Script(ok(application(NUMBER), headers={"Idempotent-Replayed": "false"}))
    first = run(call(script, "submit", "tok", NUMBER))
    second = run(call(script, "submit", "tok", NUMBER))
    again = run(call(script, "submit", "tok", NUMBER, idempotency_key=first.idempotency_key))
    assert first.idempotency_key != second.idempotency_key
    assert again.idempotency_key == first.idempotency_key
    assert not first.replayed


def test_a_failed_submit_hands_back_its_key_for_a_later_retry():
    script = Script(error(502, "bad_gateway", "网关错误"))
    with pytest.raises(PortalUnavailable) as caught:
        run(call(script, "submit", "tok", NUMBER))
    assert caught.value.idempotency_key == script.requests[0].headers["idempotency-key"]
    assert "保存" in caught.value.user_message


@pytest.mark.parametrize(
    "status, code, kind",
    [
        (401, "token_invalid", AuthRequired),
        (404, "application_not_found", NotFound),
        (409, "already_urged", Conflict),
        (422, "code_invalid", PortalRejected),
    ],
)
def test_4xx_raise_at_once_with_the_portals_own_message(status, code, kind):
    script = Script(error(status, code, "门户给出的中文说明。"))
    with pytest.raises(kind) as caught:
        run(call(script, "get_application", "tok", NUMBER))
    assert len(script.requests) == 1
    assert caught.value.code == code and caught.value.user_message == "门户给出的中文说明。"


def test_a_4xx_without_a_body_still_has_a_polite_message():
    script = Script(httpx.Response(404, text="not here"))
    with pytest.raises(NotFound) as caught:
        run(call(script, "get_application", "tok", NUMBER))
    assert caught.value.user_message.startswith("没有找到")


def test_timeouts_are_explicit_and_reported_as_such():
    script = Script(httpx.ConnectTimeout("no answer"))
    with pytest.raises(PortalTimeout):
        run(call(script, "me", "tok"))
    client = make_client(script, connect_timeout=0.7, read_timeout=2.5)
    timeout = client._http.timeout
    assert (timeout.connect, timeout.read, timeout.write, timeout.pool) == (0.7, 2.5, 2.5, 2.5)
    run(client.aclose())


@pytest.mark.parametrize(
    "response",
    [
        httpx.Response(200, text="<html>proxy error</html>"),
        httpx.Response(200, json={"number": NUMBER}),
        httpx.Response(200, json=[1, 2]),
    ],
)
def test_a_response_it_cannot_read_is_a_bad_response(response):
    with pytest.raises(PortalBadResponse) as caught:
        run(call(Script(response), "get_application", "tok", NUMBER))
    assert "系统繁忙" in caught.value.user_message


def test_typed_results_carry_what_the_chat_needs():
    body = application(
        NUMBER,
        overdue=True,
        subtasks=[
            subtask("基本养老保险待遇核定", "人社局", "completed", lead=True),
            subtask("补贴", "民政局", "correction", missing=("近期2寸白底彩色免冠照片",)),
        ],
    )
    result = run(call(Script(ok(body)), "get_application", "tok", NUMBER))
    assert result.summary.overdue and result.can_urge and result.summary.promised_date.isoformat() == "2026-10-20"
    assert [t.status for t in result.subtasks] == ["completed", "correction"]
    assert result.subtasks[1].missing_materials == ("近期2寸白底彩色免冠照片",)
    listed = run(call(Script(ok({"items": [body]})), "list_applications", "tok"))
    assert [item.number for item in listed] == [NUMBER]


def test_the_breaker_opens_after_consecutive_failures_and_fails_fast():
    breaker = CircuitBreaker(3, 30)
    script = Script(httpx.ConnectError("refused"))
    with pytest.raises(PortalUnavailable):
        run(call(script, "list_applications", "tok", breaker=breaker))  # 3 attempts → open
    assert len(script.requests) == 3 and breaker.state == "open"
    with pytest.raises(CircuitOpen) as caught:
        run(call(script, "list_applications", "tok", breaker=breaker))
    assert len(script.requests) == 3, "an open circuit must not call the portal"
    assert "系统繁忙" in caught.value.user_message


def test_a_breaker_opening_mid_call_stops_the_retries():
    breaker = CircuitBreaker(2, 30)
    script = Script(httpx.ConnectError("refused"))
    with pytest.raises(PortalUnavailable) as caught:
        run(call(script, "list_applications", "tok", breaker=breaker))
    assert len(script.requests) == 2
    assert not isinstance(caught.value, CircuitOpen), "the real cause is reported, not the breaker"


def test_4xx_count_as_a_healthy_portal():
    breaker = CircuitBreaker(2, 30)
    script = Script(
        httpx.ConnectError("refused"),
        error(404, "application_not_found", "未找到"),
        httpx.ConnectError("refused"),
        ok(application(NUMBER)),
    )
    with pytest.raises(NotFound):
        run(call(script, "get_application", "tok", NUMBER, breaker=breaker))
    assert breaker.state == "closed"
    run(call(script, "get_application", "tok", NUMBER, breaker=breaker))
    assert breaker.state == "closed"

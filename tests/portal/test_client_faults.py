"""The portal client against real local servers that are slow, down, or answer 5xx: bounded
waiting, retries only where safe, the circuit breaker opening and recovering, and a Chinese
message for the citizen every time."""

from __future__ import annotations

import asyncio
import time

import pytest

from bot.ops.processes import free_port
from bot.portal_client.breaker import CircuitBreaker
from bot.portal_client.client import ClientConfig, PortalClient
from bot.portal_client.errors import CircuitOpen, PortalTimeout, PortalUnavailable
from tests.support.fake_portal import application
from tests.support.http_fakes import FaultServer

NUMBER = "BS20261001000001"


def client_for(url: str, breaker: CircuitBreaker | None = None, **config) -> PortalClient:
    values = (
        dict(
            base_url=url,
            connect_timeout=0.5,
            read_timeout=0.3,
            retries=2,
            backoff=0.05,
            breaker_failures=50,
            breaker_cooldown=30,
        )
        | config
    )
    return PortalClient(
        ClientConfig(**values),
        breaker=breaker or CircuitBreaker(values["breaker_failures"], values["breaker_cooldown"]),
    )


async def get(client: PortalClient):
    async with client:
        return await client.get_application("tok", NUMBER)


def timed(coro) -> tuple[object, float]:
    started = time.perf_counter()
    try:
        return asyncio.run(coro), time.perf_counter() - started
    except Exception as error:  # noqa: BLE001 - returned for the assertions
        return error, time.perf_counter() - started


def test_a_slow_portal_costs_bounded_time_and_gives_the_polite_message():
    with FaultServer(lambda m, p, n: (200, application(NUMBER)), delay=1.0) as server:
        error, elapsed = timed(get(client_for(server.url)))
    assert isinstance(error, PortalTimeout)
    assert len(server.requests) == 3
    assert elapsed < 3 * 0.3 + 0.05 + 0.1 + 1.0, elapsed
    assert "系统繁忙" in error.user_message and "保存" in error.user_message


def test_a_portal_answering_5xx_is_retried_and_then_succeeds():
    answers = {
        1: (503, {"code": "unavailable", "message": "系统繁忙"}),
        2: (500, {"code": "internal_error", "message": "系统繁忙"}),
    }
    with FaultServer(lambda m, p, n: answers.get(n, (200, application(NUMBER)))) as server:
        result, _ = timed(get(client_for(server.url)))
    assert result.number == NUMBER and len(server.requests) == 3


def test_a_dropped_connection_is_retried():
    with FaultServer(lambda m, p, n: None if n == 1 else (200, application(NUMBER))) as server:
        result, _ = timed(get(client_for(server.url)))
    assert result.number == NUMBER and len(server.requests) == 2


def test_a_non_idempotent_call_is_sent_once_even_when_the_portal_fails():
    async def urge(client: PortalClient):
        async with client:
            return await client.urge("tok", NUMBER)

    with FaultServer(lambda m, p, n: (503, {"code": "unavailable", "message": "系统繁忙"})) as server:
        error, _ = timed(urge(client_for(server.url)))
    assert isinstance(error, PortalUnavailable) and len(server.requests) == 1


def test_a_portal_that_is_down_fails_fast_and_opens_the_circuit():
    breaker = CircuitBreaker(3, 30)
    down = f"http://127.0.0.1:{free_port()}"
    error, elapsed = timed(get(client_for(down, breaker)))
    assert isinstance(error, PortalUnavailable) and not isinstance(error, CircuitOpen)
    assert breaker.state == "open" and elapsed < 2
    error, elapsed = timed(get(client_for(down, breaker)))
    assert isinstance(error, CircuitOpen) and elapsed < 0.1
    assert "系统繁忙" in error.user_message and "12345" in error.user_message


def test_the_circuit_half_opens_after_the_cooldown_and_closes_when_the_portal_is_back():
    breaker = CircuitBreaker(2, 0.5)
    healthy = {"on": False}

    def behaviour(method, path, n):
        return (200, application(NUMBER)) if healthy["on"] else (503, {"code": "unavailable", "message": "忙"})

    with FaultServer(behaviour) as server:
        assert isinstance(timed(get(client_for(server.url, breaker)))[0], PortalUnavailable)
        assert breaker.state == "open" and len(server.requests) == 2
        assert isinstance(timed(get(client_for(server.url, breaker)))[0], CircuitOpen)
        assert len(server.requests) == 2, "nothing reaches the portal while the circuit is open"
        healthy["on"] = True
        time.sleep(0.6)
        result, _ = timed(get(client_for(server.url, breaker)))
        assert result.number == NUMBER and breaker.state == "closed"


def test_a_failed_trial_call_keeps_the_circuit_open():
    breaker = CircuitBreaker(1, 0.3)
    with FaultServer(lambda m, p, n: (503, {"code": "unavailable", "message": "忙"})) as server:
        timed(get(client_for(server.url, breaker)))
        time.sleep(0.35)
        error, _ = timed(get(client_for(server.url, breaker)))
        assert isinstance(error, PortalUnavailable) and breaker.state == "open"
        assert len(server.requests) == 2, "one trial, no retries on an open circuit"


@pytest.mark.parametrize("status", [502, 504])
def test_gateway_errors_count_as_unavailable(status):
    with FaultServer(lambda m, p, n: (status, {"code": "gateway", "message": "网关"})) as server:
        error, _ = timed(get(client_for(server.url, retries=0)))
    assert isinstance(error, PortalUnavailable) and error.status == status

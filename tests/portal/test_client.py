"""The assistant's portal client against the real portal process (SQLite and PostgreSQL):
binding, reading, ownership, and submit that stays single under concurrent retries — also
when a proxy loses the portal's answers after the portal has acted."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from sqlalchemy import create_engine, func, select

from bot.portal_client.breaker import CircuitBreaker
from bot.portal_client.client import ClientConfig, PortalClient
from bot.portal_client.errors import Conflict, NotFound, PortalRejected
from portal.models import Application, IdempotencyRecord
from tests.support.http_fakes import LossyProxy


def client_for(url: str, **config) -> PortalClient:
    values = (
        dict(
            base_url=url,
            connect_timeout=2,
            read_timeout=20,
            retries=2,
            backoff=0.05,
            breaker_failures=50,
            breaker_cooldown=30,
        )
        | config
    )
    return PortalClient(ClientConfig(**values), breaker=CircuitBreaker(50, 30))


async def bind(portal, name: str, id_number: str) -> str:
    async with client_for(portal.url) as client:
        started = await client.start_binding("web", f"client-test-{uuid.uuid4().hex[:8]}", name, id_number)
        assert started.phone_masked is None and "验证码" in started.message
        code = await asyncio.to_thread(portal.sms_code, started.binding_id)
        token = await client.verify_binding(started.binding_id, code)
    assert token.subject_type == "citizen" and token.display_name == name
    return token.token


def count(db_url: str, query) -> int:
    engine = create_engine(db_url)
    try:
        with engine.connect() as conn:
            return conn.execute(query).scalar_one()
    finally:
        engine.dispose()


async def social_security_draft(client: PortalClient, token: str, person: dict) -> str:
    draft = await client.create_application(
        token,
        "social_security_card",
        {
            "applicant_name": person["name"],
            "applicant_id_number": person["id_number"],
            "request_type": "补领",
            "delivery": "网点自取",
            "contact_phone": person["phone"],
        },
        prefill=False,
    )
    assert draft.summary.status == "draft" and draft.missing_fields == ()
    return draft.number


def test_binding_and_reading_through_the_client(portal, demo):
    async def scenario() -> None:
        person = demo["田甜"]
        token = await bind(portal, "田甜", person["id_number"])
        async with client_for(portal.url) as client:
            me = await client.me(token)
            assert me.display_name == "田甜"
            number = await social_security_draft(client, token, person)
            listed = await client.list_applications(token)
            assert number in [item.number for item in listed]
            detail = await client.get_application(token, number)
            assert detail.summary.service_code == "social_security_card" and "提交" in detail.next_step
            with pytest.raises(Conflict) as caught:
                await client.urge(token, number)
            assert caught.value.code == "not_open" and "催办" in caught.value.user_message

    asyncio.run(scenario())


def test_a_wrong_identity_is_answered_like_a_right_one_and_no_code_opens_it(portal, demo):
    async def scenario() -> None:
        async with client_for(portal.url) as client:
            wrong = await client.start_binding("web", "client-test-x", "田大甜", demo["田甜"]["id_number"])
            right = await client.start_binding("web", "client-test-y", "田甜", demo["田甜"]["id_number"])
            assert wrong.message == right.message and wrong.phone_masked is right.phone_masked is None
            with pytest.raises(PortalRejected) as caught:
                await client.verify_binding(wrong.binding_id, "123456")
        assert caught.value.code == "code_invalid"

    asyncio.run(scenario())


def test_another_persons_application_is_not_found_exactly_like_a_missing_one(portal, demo):
    async def scenario() -> None:
        owner = await bind(portal, "田甜", demo["田甜"]["id_number"])
        stranger = await bind(portal, "张伟", demo["张伟"]["id_number"])
        async with client_for(portal.url) as client:
            number = await social_security_draft(client, owner, demo["田甜"])
            with pytest.raises(NotFound) as theirs:
                await client.get_application(stranger, number)
            with pytest.raises(NotFound) as missing:
                await client.get_application(stranger, "BS20200101999999")
            assert number not in [i.number for i in await client.list_applications(stranger)]
            with pytest.raises(NotFound):
                await client.urge(stranger, number)
        assert theirs.value.user_message == missing.value.user_message
        assert theirs.value.code == missing.value.code == "application_not_found"

    asyncio.run(scenario())


def _submit_records(db_url: str, number: str) -> int:
    app_id = select(Application.id).where(Application.number == number).scalar_subquery()
    return count(
        db_url,
        select(func.count())
        .select_from(IdempotencyRecord)
        .where(IdempotencyRecord.application_id == app_id, IdempotencyRecord.operation == "submit"),
    )


def test_ten_concurrent_submits_with_one_key_submit_once(portal, demo):
    async def scenario() -> None:
        token = await bind(portal, "田甜", demo["田甜"]["id_number"])
        async with client_for(portal.url) as client:
            number = await social_security_draft(client, token, demo["田甜"])
            key = uuid.uuid4().hex
            results = await asyncio.gather(*(client.submit(token, number, idempotency_key=key) for _ in range(10)))
            assert {r.application.number for r in results} == {number}
            assert sorted(r.replayed for r in results) == [False] + [True] * 9
            # a replay answers with what the first submission committed, never the draft before it
            assert all(r.application.summary.status != "draft" for r in results)
            submitted = await client.get_application(token, number)
            assert submitted.summary.status != "draft"  # the simulator moves on
            assert await asyncio.to_thread(_submit_records, portal.db_url, number) == 1
            with pytest.raises(Conflict) as again:
                await client.submit(token, number)  # a fresh key: a second submission is refused
            assert again.value.code == "already_submitted"

    asyncio.run(scenario())


def test_retries_after_lost_answers_submit_once(portal, demo):
    """The proxy lets the portal submit, then loses its answers: the client's retries carry the
    same key, so ten users' worth of concurrent retries still make one submission."""

    async def scenario(proxy: LossyProxy) -> None:
        token = await bind(portal, "田甜", demo["田甜"]["id_number"])
        async with client_for(proxy.url, retries=4) as client:
            number = await social_security_draft(client, token, demo["田甜"])
            key = uuid.uuid4().hex
            results = await asyncio.gather(*(client.submit(token, number, idempotency_key=key) for _ in range(10)))
        assert {r.application.number for r in results} == {number}
        assert sum(not r.replayed for r in results) <= 1
        assert await asyncio.to_thread(_submit_records, portal.db_url, number) == 1
        submits = [r for r in proxy.requests if r[1].endswith("/submit")]
        assert len(submits) >= 15 and proxy.lost == 5
        assert {headers["idempotency-key"] for _m, _p, headers in submits} == {key}

    with LossyProxy(portal.url, "/submit", lose=5) as proxy:
        asyncio.run(scenario(proxy))

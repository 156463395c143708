"""The notifier's logic: signatures, the store (once per notice, a delivery per recipient, the
widget's unread notices, opt-in quotas) and pushes against the fake WeChat API, the feed poll,
and the services' schema under Alembic."""

from __future__ import annotations

import asyncio
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text

from bot import signed_hooks
from bot.migrate import all_models, upgrade
from bot.notices.notifier import Notifier
from bot.notices.store import NoticeStore
from channels.wechat.api import WeChatAPI
from tests.support.fake_wechat import FakeWeChat

SECRET = "unit-notice-secret"
REF = "a" * 32
TEMPLATES = {"wechat": "tpl-oa", "miniprogram": "tpl-mp"}


def notice(portal_id: int, ref: str = REF, **changes) -> dict:
    return {
        "id": portal_id,
        "kind": "correction",
        "status": "待补正",
        "application_no": "BS20261206000001",
        "service_code": "disability",
        "service_name": "残疾人证办理",
        "message": "区残联需要您补充：近期2寸白底彩色免冠照片",
        "at": "2026-12-06T09:30:00Z",
        "subject_ref": ref,
    } | changes


@pytest.fixture
def store(tmp_path) -> NoticeStore:
    return NoticeStore(f"sqlite:///{tmp_path / 'services.db'}")


# ---- signatures --------------------------------------------------------------------------


def test_a_signature_holds_only_for_its_bytes_its_secret_and_five_minutes():
    body = b'{"notices": []}'
    headers = signed_hooks.signed_headers(SECRET, body, now=1_000_000)
    assert signed_hooks.verify(SECRET, headers, body, now=1_000_100)
    assert not signed_hooks.verify(SECRET, headers, body + b" ", now=1_000_100)
    assert not signed_hooks.verify("another", headers, body, now=1_000_100)
    assert not signed_hooks.verify(SECRET, headers, body, now=1_000_000 + 301)
    assert not signed_hooks.verify(SECRET, {}, body)
    assert not signed_hooks.verify(SECRET, headers | {signed_hooks.TIMESTAMP_HEADER: "x1"}, body)
    assert signed_hooks.subject_ref(SECRET, "citizen", 1) != signed_hooks.subject_ref(SECRET, "enterprise", 1)


# ---- the store ---------------------------------------------------------------------------


def test_a_notice_is_stored_once_and_delivered_to_each_recipient_of_its_subject(store):
    store.remember_recipient(REF, "oWECHAT1", "wechat")
    store.remember_recipient(REF, "web:abc", "socketio")
    store.remember_recipient("b" * 32, "web:other", "socketio")
    assert store.receive(notice(1)) is True
    assert store.receive(notice(1)) is False  # the webhook redelivered, or the poll saw it too
    assert sorted(store.deliveries(1)) == [("oWECHAT1", "pending"), ("web:abc", "unread")]
    unread = store.unread("web:abc")
    assert [n.id for n in unread] == [1] and "BS20261206000001" in unread[0].text()
    assert store.unread("web:other") == []
    assert store.mark_read("web:abc", [1]) == 1 and store.unread("web:abc") == []


@pytest.mark.parametrize(
    "bad",
    [{"id": "1"}, {"id": 0}, {"kind": "anything"}, {"subject_ref": ""}, {"status": "x" * 17}, {"at": "yesterday"}],
)
def test_what_is_not_a_notice_is_refused(store, bad):
    with pytest.raises(ValueError):
        store.receive(notice(1, **bad))


def test_a_citizen_who_comes_back_to_the_chat_sees_what_happened_meanwhile(store):
    store.receive(notice(1))
    store.remember_recipient(REF, "web:later", "socketio")  # verified in a new chat session
    assert [n.id for n in store.unread("web:later")] == [1]
    store.mark_read("web:later", [1])
    store.remember_recipient(REF, "web:third", "socketio")
    assert store.unread("web:third") == []  # shown once in the chat is enough


def test_unbinding_stops_the_notices(store):
    store.remember_recipient(REF, "web:abc", "socketio")
    store.receive(notice(1))
    assert store.forget_recipient("web:abc") == 1
    store.receive(notice(2))
    assert store.unread("web:abc") == [] and store.deliveries(2) == []


# ---- pushes ------------------------------------------------------------------------------


async def _with_fake_wechat(work):
    fake = FakeWeChat()
    url = await fake.start()
    apis = {
        "wechat": WeChatAPI(url, fake.app_id, fake.app_secret),
        "miniprogram": WeChatAPI(url, fake.mp_app_id, fake.mp_app_secret),
    }
    try:
        return await work(fake, apis)
    finally:
        for api in apis.values():
            await api.close()
        await fake.stop()


def _notifier(store, apis) -> Notifier:
    return Notifier(store, apis, TEMPLATES, "http://127.0.0.1:9", SECRET, poll_seconds=60)


def test_one_acceptance_is_one_message_on_each_wechat_channel(store):
    store.remember_recipient(REF, "oWECHAT1", "wechat")
    store.remember_recipient(REF, "mp:oMINI1", "miniprogram")
    store.record_optin("oWECHAT1", "wechat", "tpl-oa", accepted=True)
    store.record_optin("mp:oMINI1", "miniprogram", "tpl-mp", accepted=True)

    async def work(fake, apis):
        notifier = _notifier(store, apis)
        await notifier.take([notice(1), notice(2, kind="completed", status="已办结", message="全部事项已办结")])
        assert await notifier.push() == 2
        return fake.subscribe_messages

    sent = asyncio.run(_with_fake_wechat(work))
    assert sorted((m["api"], m["touser"]) for m in sent) == [("bizsend", "oWECHAT1"), ("send", "oMINI1")]
    data = next(m for m in sent if m["api"] == "bizsend")["data"]
    assert data["character_string1"]["value"] == "BS20261206000001" and data["phrase3"]["value"] == "待补正"
    assert len(data["thing4"]["value"]) <= 20 and data["time5"]["value"] == "2026年12月06日 17:30"
    assert {state for _, state in store.deliveries(2)} == {"no_consent"}  # each quota was spent on the first


def test_a_refusal_at_wechat_voids_the_opt_in_and_an_outage_gives_it_back(store):
    store.remember_recipient(REF, "oWECHAT1", "wechat")
    store.record_optin("oWECHAT1", "wechat", "tpl-oa", accepted=True)
    store.record_optin("oWECHAT1", "wechat", "tpl-oa", accepted=True)

    async def work(fake, apis):
        notifier = _notifier(store, apis)
        fake.faults.append({"api": "subscribe_send", "errcode": 43101, "times": 1})
        await notifier.take([notice(1)])
        assert await notifier.push() == 0
        return fake.subscribe_messages

    assert asyncio.run(_with_fake_wechat(work)) == []
    assert store.deliveries(1) == [("oWECHAT1", "no_consent")] and store.optins_left("oWECHAT1", "tpl-oa") == 0

    store.record_optin("oWECHAT1", "wechat", "tpl-oa", accepted=True)
    down = {"wechat": WeChatAPI("http://127.0.0.1:9", "wx", "secret")}

    async def unreachable():
        notifier = _notifier(store, down)
        await notifier.take([notice(2)])
        sent = await notifier.push()
        await notifier.close()
        return sent

    assert asyncio.run(unreachable()) == 0
    assert store.deliveries(2) == [("oWECHAT1", "pending")] and store.optins_left("oWECHAT1", "tpl-oa") == 1


# ---- the poll ----------------------------------------------------------------------------


def test_the_poll_reads_the_feed_signed_from_where_it_stopped(store):
    feed = [notice(i) for i in range(1, 251)]
    seen: list[str] = []

    def portal(request: httpx.Request) -> httpx.Response:
        target = request.url.raw_path.decode()
        if not signed_hooks.verify(SECRET, request.headers, signed_hooks.poll_message(target)):
            return httpx.Response(401)
        seen.append(target)
        query = parse_qs(urlsplit(target).query)
        after, limit = int(query["after"][0]), int(query["limit"][0])
        page = [n for n in feed if n["id"] > after][:limit]
        return httpx.Response(200, json={"notices": page, "next_after": page[-1]["id"] if page else after})

    async def work():
        client = httpx.AsyncClient(transport=httpx.MockTransport(portal))
        notifier = Notifier(store, {}, TEMPLATES, "http://portal", SECRET, 60, http=client)
        first = await notifier.poll()
        feed.append(notice(251))
        second = await notifier.poll()
        await client.aclose()
        return first, second

    assert asyncio.run(work()) == (250, 1)
    assert seen == [
        "/notices?after=0&limit=200",
        "/notices?after=200&limit=200",
        "/notices?after=250&limit=200",
    ]
    assert store.cursor() == 251


# ---- the schema --------------------------------------------------------------------------


def test_the_services_revisions_build_what_the_models_describe(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'fresh.db'}")
    upgrade(engine)
    with engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), all_models()) == []


def test_a_services_database_from_before_migrations_keeps_its_data(tmp_path):
    """create_all made only the tables of the modules a process had imported: the identities
    table with a row, no alembic_version, no knowledge-base tables."""
    engine = create_engine(f"sqlite:///{tmp_path / 'old.db'}")
    all_models().tables["portal_identities"].create(engine)
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO portal_identities VALUES ('web:x', 'socketio', 'citizen', '张*', 'sealed',"
                " '2026-12-31 00:00:00', '2026-12-01 00:00:00', '2026-12-01 00:00:00')"
            )
        )
    upgrade(engine)
    with engine.connect() as connection:
        kept = connection.execute(text("SELECT display_name_masked FROM portal_identities")).scalar_one()
        version = connection.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
    assert kept == "张*" and version == "0006"
    assert {"kb_documents", "notice_deliveries", "notice_optins"} <= set(inspect(engine).get_table_names())

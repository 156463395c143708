"""The tracker store keeps no personal data in clear: typed identity answers are not kept,
texts are masked, personal slots sealed and read back whole (bot/tracker_store.py)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActiveLoop, BotUttered, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy import create_engine, text

from bot.tracker_store import NOT_KEPT, PrivateSQLTrackerStore

ROOT = Path(__file__).resolve().parents[2]
DOMAIN = Domain.load(str(ROOT / "domain.yml"))
ID_NUMBER = "110101199003074514"
KEY = "a-tracker-key-for-the-tests-of-32+chars"


def store(db: Path, key: str = KEY) -> PrivateSQLTrackerStore:
    return PrivateSQLTrackerStore(DOMAIN, dialect="sqlite", db=str(db), tracker_key=key)


def conversation() -> DialogueStateTracker:
    tracker = DialogueStateTracker("web:someone", DOMAIN.slots)
    for event in (
        UserUttered("我叫马志强，电话13800138000", {"name": "inform_name"}),
        ActiveLoop("identity_form"),
        SlotSet("requested_slot", "binding_id_number"),
        UserUttered(ID_NUMBER, {"name": "inform_id_number"}, [{"entity": "id_number", "value": ID_NUMBER}]),
        SlotSet("binding_id_number", ID_NUMBER),
        SlotSet("requested_slot", "binding_code"),
        UserUttered("482913", {"name": "inform_code"}),
        SlotSet("binding_code", "482913"),
        BotUttered(f"收到，身份证{ID_NUMBER}"),
        ActiveLoop(None),
        UserUttered("住在和平路18号501室", {"name": "inform"}),
    ):
        tracker.update(event)
    return tracker


def test_nothing_personal_is_stored_in_clear_and_the_slots_read_back(tmp_path):
    db = tmp_path / "tracker.db"
    asyncio.run(store(db).save(conversation()))
    with create_engine(f"sqlite:///{db}").connect() as connection:
        rows = connection.execute(text("SELECT data FROM events"))
        stored = " ".join(json.dumps(json.loads(row[0]), ensure_ascii=False) for row in rows)
    for secret in (ID_NUMBER, "马志强", "13800138000", "482913", "18号501室"):
        assert secret not in stored, secret
    assert NOT_KEPT in stored and "马**" in stored and "和平路**号***室" in stored

    back = asyncio.run(store(db).retrieve("web:someone"))
    assert back.get_slot("binding_id_number") == ID_NUMBER and back.get_slot("binding_code") == "482913"
    other_key = asyncio.run(store(db, "another-installation-key-of-32+chars").retrieve("web:someone"))
    assert other_key.get_slot("binding_id_number") is None


def test_saving_again_stores_only_the_new_events(tmp_path):
    db = tmp_path / "tracker.db"
    tracker = conversation()
    asyncio.run(store(db).save(tracker))
    tracker.update(UserUttered("谢谢", {"name": "thank"}))
    asyncio.run(store(db).save(tracker))
    with create_engine(f"sqlite:///{db}").connect() as connection:
        count = connection.execute(text("SELECT count(*) FROM events")).scalar_one()
    assert count == len(tracker.events)


def test_a_sqlite_store_keeps_one_pooled_connection_in_wal_mode(tmp_path):
    from sqlalchemy.pool import QueuePool

    kept = store(tmp_path / "tracker.db")
    assert isinstance(kept.engine.pool, QueuePool), "not a new SQLite connection for every read and write"
    tracker = conversation()
    for _ in range(3):
        asyncio.run(kept.save(tracker))
    with kept.engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        saved = connection.execute(text("SELECT count(*) FROM events")).scalar()
    assert saved == len(tracker.events), "saving the same tracker again adds nothing"
    assert len(asyncio.run(kept.retrieve("web:someone")).events) == len(tracker.events)

"""Rasa's SQL tracker store, keeping personal data as the consent text promises.

Runs inside the Rasa server (3.10 runtime); `tracker_store: type: bot.tracker_store.PrivateSQLTrackerStore`
in the endpoints. Rasa keeps every event of every conversation; without this the store held
names, ID numbers, SMS codes, phones and addresses in clear, for ever. On the way in:
- what a citizen typed while the identity form asked for a name, ID number, credit code or SMS
  code is not kept at all; any other text (theirs or the bot's) is masked (bot/privacy.py);
- the slots that carry personal data are sealed with the installation's key
  (BANSHI_TRACKER_KEY, else data/secrets/tracker_key), since the forms need them between
  turns; they are unsealed when a tracker is read back, and the flows clear them after use.
How long conversations are kept is the retention job's business (bot/retention.py).
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy.orm import sessionmaker
from sqlalchemy.pool import QueuePool

from bot.privacy import mask_text
from bot.sealing import Sealer

SEALED_SLOTS = frozenset(
    {
        "id_number",
        "phone_number",
        "binding_name",
        "binding_id_number",
        "binding_uscc",
        "binding_code",
        "application",
        "form_answer",
    }
)
UNSPOKEN_ANSWERS = frozenset({"binding_name", "binding_id_number", "binding_uscc", "binding_code"})
"""While the identity form asks for one of these, nothing typed is kept."""
NOT_KEPT = "［身份核验信息，未保存］"


def private_event(data: dict[str, Any], asked: str | None, sealer: Sealer) -> dict[str, Any]:
    """The form of an event (as `Event.as_dict()`) that may be stored; `asked` is the slot the
    form was asking for when the event happened."""
    kind = data.get("event")
    if kind == "user":
        data = dict(data)
        text = NOT_KEPT if asked in UNSPOKEN_ANSWERS else mask_text(data.get("text") or "")
        data["text"] = text
        parse = dict(data.get("parse_data") or {})
        if parse:
            parse["text"] = text
            parse["entities"] = [
                {**entity, "value": NOT_KEPT if asked in UNSPOKEN_ANSWERS else mask_text(str(entity.get("value")))}
                for entity in parse.get("entities") or []
            ]
            parse.pop("response_selector", None)
            data["parse_data"] = parse
        return data
    if kind == "bot" and data.get("text"):
        return {**data, "text": mask_text(data["text"])}
    if kind == "slot" and data.get("name") in SEALED_SLOTS and data.get("value") is not None:
        return {**data, "value": sealer.seal(data["value"])}
    return data


def readable_event(data: dict[str, Any], sealer: Sealer) -> dict[str, Any]:
    if data.get("event") == "slot" and data.get("name") in SEALED_SLOTS and data.get("value") is not None:
        return {**data, "value": sealer.unseal(data["value"])}
    return data


def asked_slots(events: Iterable[dict[str, Any]]) -> list[str | None]:
    """For each event, the slot the active form was asking for when it happened."""
    asked: str | None = None
    found = []
    for data in events:
        if data.get("event") == "slot" and data.get("name") == "requested_slot":
            asked = data.get("value")
        elif data.get("event") == "active_loop" and not data.get("name"):
            asked = None
        found.append(asked)
    return found


def _sqlite_pragmas(connection: Any, _record: Any) -> None:  # noqa: ANN401 - a DB-API connection
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


class PrivateSQLTrackerStore(SQLTrackerStore):
    """SQLTrackerStore that stores events in their private form (see the module docstring)."""

    def __init__(self, *args: Any, tracker_key: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.sealer = Sealer(tracker_key) if tracker_key else Sealer.named("tracker_key")
        if self.engine.dialect.name == "sqlite":
            self._pool_sqlite()

    def _pool_sqlite(self) -> None:
        """One pooled connection instead of a new one per session. SQLAlchemy 1.4 opens SQLite
        files with NullPool: each message's read, count and write opened the file afresh (a few
        per cent of the server's CPU under load). WAL lets the retention job read while Rasa
        writes; synchronous=NORMAL is WAL's crash-safe setting (a power cut may lose the last
        turn, never the file). Rasa's store is used from the event loop's thread only."""
        url = self.engine.url
        self.engine.dispose()
        self.engine = sa.create_engine(
            url, poolclass=QueuePool, pool_size=1, max_overflow=4, connect_args={"check_same_thread": False}
        )
        sa.event.listen(self.engine, "connect", _sqlite_pragmas)
        self.sessionmaker = sessionmaker(bind=self.engine)

    async def save(self, tracker: DialogueStateTracker) -> None:
        await self.stream_events(tracker)
        with self.session_scope() as session:
            stored = self._event_query(session, tracker.sender_id, fetch_events_from_all_sessions=False).count()
            session_events = [event.as_dict() for event in tracker.events]
            asked = asked_slots(session_events)
            for data, asking in itertools.islice(zip(session_events, asked), stored, None):
                private = private_event(data, asking, self.sealer)
                session.add(
                    self.SQLEvent(
                        sender_id=tracker.sender_id,
                        type_name=data.get("event"),
                        timestamp=data.get("timestamp"),
                        intent_name=(data.get("parse_data") or {}).get("intent", {}).get("name"),
                        action_name=data.get("name"),
                        data=json.dumps(private),
                    )
                )
            session.commit()

    async def _retrieve(self, sender_id: str, fetch_events_from_all_sessions: bool) -> DialogueStateTracker | None:
        with self.session_scope() as session:
            rows = self._event_query(session, sender_id, fetch_events_from_all_sessions).all()
            events = [readable_event(json.loads(row.data), self.sealer) for row in rows]
        if self.domain and events:
            return DialogueStateTracker.from_dict(sender_id, events, self.domain.slots)
        return None

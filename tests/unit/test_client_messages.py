"""A message a client sends again is answered once (channels/client_messages.py): the web
widget's and the mini-program's resends after a dropped connection or a dead worker."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from channels import client_messages
from channels.client_messages import ClientMessages, valid_message_id
from channels.state_store import InProcessStore
from tests.unit.test_channel_memory import DownStore

SENDER = "web-subject-1"


class Dialogue:
    """Counts turns; each answers with the turn's number, after `delay`."""

    def __init__(self, delay: float = 0.0, fail: bool = False) -> None:
        self.turns, self.delay, self.fail = 0, delay, fail

    async def __call__(self) -> list[dict[str, Any]]:
        self.turns += 1
        await asyncio.sleep(self.delay)
        if self.fail:
            raise RuntimeError("the dialogue failed")
        return [{"text": f"答复{self.turns}"}]


def run(coroutine: Any) -> Any:
    return asyncio.run(coroutine)


@pytest.mark.parametrize(
    ("value", "valid"),
    [("a1b2c3d4e5f60708", True), ("m_1-2345", True), ("short", False), ("x" * 65, False), ("id with space", False)],
)
def test_a_message_id_is_a_short_token(value, valid):
    assert (valid_message_id(value) == value) is valid
    assert valid_message_id(12345678) is None


def test_a_resend_after_the_answer_gets_the_same_answer_without_a_second_turn():
    async def check() -> None:
        messages, dialogue = ClientMessages("web"), Dialogue()
        first = await messages.answer_once(SENDER, "a1b2c3d4", dialogue)
        again = await messages.answer_once(SENDER, "a1b2c3d4", dialogue)
        assert (first.messages, first.replayed) == ([{"text": "答复1"}], False)
        assert (again.messages, again.replayed) == ([{"text": "答复1"}], True)
        assert dialogue.turns == 1
        other = await messages.answer_once("another-subject", "a1b2c3d4", dialogue)
        assert not other.replayed, "an id is the sender's own"
        fresh = await messages.answer_once(SENDER, None, dialogue)
        assert fresh.messages == [{"text": "答复3"}], "a message without an id is a turn each time"

    run(check())


def test_a_resend_while_the_turn_runs_waits_for_its_answer():
    """Two workers sharing one store: the resend reaches the other while the first still runs."""

    async def check() -> None:
        store, dialogue = InProcessStore(), Dialogue(delay=0.3)
        first, second = ClientMessages("miniprogram", store), ClientMessages("miniprogram", store)
        answers = await asyncio.gather(
            first.answer_once(SENDER, "a1b2c3d4", dialogue),
            second.answer_once(SENDER, "a1b2c3d4", dialogue),
        )
        assert dialogue.turns == 1
        assert [a.messages for a in answers] == [[{"text": "答复1"}]] * 2
        assert sorted(a.replayed for a in answers) == [False, True]

    run(check())


def test_a_resend_that_waits_too_long_is_told_the_answer_is_pending():
    async def check() -> None:
        messages, dialogue = ClientMessages("web"), Dialogue(delay=0.5)
        running = asyncio.ensure_future(messages.answer_once(SENDER, "a1b2c3d4", dialogue))
        await asyncio.sleep(0.05)
        waited = await messages.answer_once(SENDER, "a1b2c3d4", dialogue, wait_seconds=0.1)
        assert (waited.messages, waited.pending) == ([], True)
        assert (await running).messages == [{"text": "答复1"}]

    run(check())


def test_a_failed_turn_lets_its_resend_run_again():
    async def check() -> None:
        messages, failing = ClientMessages("web"), Dialogue(fail=True)
        with pytest.raises(RuntimeError):
            await messages.answer_once(SENDER, "a1b2c3d4", failing)
        answer = await messages.answer_once(SENDER, "a1b2c3d4", Dialogue())
        assert (answer.messages, answer.replayed) == ([{"text": "答复1"}], False)

    run(check())


def test_a_turn_whose_worker_died_is_taken_over_by_one_resend(monkeypatch):
    """A running turn renews its claim; one not renewed for ORPHANED_SECONDS belongs to a worker
    that died (kill -9 leaves the claim behind): the next resend runs the turn, once."""
    monkeypatch.setattr(client_messages, "ORPHANED_SECONDS", 0.2)
    monkeypatch.setattr(client_messages, "HEARTBEAT_SECONDS", 0.05)

    async def check() -> None:
        store = InProcessStore()
        dead = ClientMessages("web", store)
        killed = asyncio.ensure_future(dead.answer_once(SENDER, "a1b2c3d4", Dialogue(delay=10)))
        await asyncio.sleep(0.3)
        alive = ClientMessages("web", store)
        still = await alive.answer_once(SENDER, "a1b2c3d4", Dialogue(), wait_seconds=0.1)
        assert still.pending, "a turn that renews its claim is not taken over, however long it runs"
        killed.cancel()  # the worker dies: its claim stays, no longer renewed
        await asyncio.sleep(0.01)
        await store.space("web:message", 600).put(f"{SENDER}:a1b2c3d4", {"at": 0})
        dialogue = Dialogue()
        answers = await asyncio.gather(
            alive.answer_once(SENDER, "a1b2c3d4", dialogue),
            ClientMessages("web", store).answer_once(SENDER, "a1b2c3d4", dialogue),
        )
        assert dialogue.turns == 1, "of two resends, one takes the turn over"
        assert [a.messages for a in answers] == [[{"text": "答复1"}]] * 2

    run(check())


def test_without_the_store_the_turn_runs(caplog):
    async def check() -> None:
        answer = await ClientMessages("web", DownStore()).answer_once(SENDER, "a1b2c3d4", Dialogue())
        assert (answer.messages, answer.replayed) == ([{"text": "答复1"}], False)

    run(check())
    assert "not deduplicated" in caplog.text and SENDER not in caplog.text

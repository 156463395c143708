"""Drives bot/applications/flow.py the way Rasa's form does (answer → validate → ask again, or
end → finish), against the real portal process, so every step's logic is tested without a
Rasa model. The wiring through Rasa itself is covered by tests/e2e/test_applications.py."""

from __future__ import annotations

import asyncio
import json
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone

import httpx

from bot.applications import flow as application_flow
from bot.applications.state import ACTIVE, ANSWER, SLOT
from bot.dialogue import Reply, Turn
from bot.identity.store import IdentityStore
from bot.portal_client.client import ClientConfig, PortalClient
from bot.portal_client.models import PortalToken
from bot.portal_client.services import PortalServices
from bot.uploads import inbox, parse_refs


def services_for(url: str, db_url: str) -> PortalServices:
    config = ClientConfig(
        base_url=url,
        connect_timeout=2,
        read_timeout=10,
        retries=1,
        backoff=0.0,
        breaker_failures=50,
        breaker_cooldown=1,
    )
    breaker = config.breaker()
    return PortalServices(connect=lambda: PortalClient(config, breaker=breaker), store=IdentityStore(db_url))


@dataclass
class FlowChat:
    services: PortalServices
    sender: str = field(default_factory=lambda: f"flow-{uuid.uuid4().hex[:10]}")
    slots: dict = field(default_factory=dict)
    transcript: list[str] = field(default_factory=list)
    last_question: list[Reply] = field(default_factory=list)
    last_replies: list[Reply] = field(default_factory=list)
    token: str = ""
    portal_url: str = ""
    """The sandbox portal, whose dev endpoint shows the SMS code a signing sent."""

    def bind(self, token: str, subject_type: str, name: str) -> None:
        expires = datetime(2099, 1, 1, tzinfo=timezone.utc)
        self.services.store.save(
            self.sender, "web", PortalToken(token, expires, subject_type, name), datetime.now(timezone.utc)
        )

    def _apply(self, turn: Turn) -> list[Reply]:
        self.slots.update(turn.slots)
        self.transcript += [r.text for r in turn.replies]
        return turn.replies

    def run(self, coroutine):  # noqa: ANN001, ANN201
        return asyncio.run(coroutine)

    def start(self, code: str, consent: bool = False) -> str:
        replies = self._apply(
            self.run(
                application_flow.start(self.services, self.sender, code, self.slots.get(SLOT), consent_given=consent)
            )
        )
        if self.slots.get(ACTIVE):
            replies += self._ask()
        return text_of(replies)

    def resume(self, code: str | None = None) -> str:
        replies = self._apply(self.run(application_flow.resume(self.services, self.sender, code, self.slots.get(SLOT))))
        if self.slots.get(ACTIVE):
            replies += self._ask()
        return text_of(replies)

    def _ask(self) -> list[Reply]:
        replies = self._apply(self.run(application_flow.question(self.services, self.sender, self.slots.get(SLOT))))
        self.last_question = replies
        return replies

    def say(self, text: str, intent: str | None = None) -> str:
        """One user message inside the form."""
        assert self.slots.get(ACTIVE), "the form is not active"
        replies = self._apply(
            self.run(application_flow.answer(self.services, self.sender, self.slots.get(SLOT), text, intent))
        )
        if self.slots.get(ANSWER) is None:
            replies += self._ask()
        else:
            replies += self._apply(self.run(application_flow.finish(self.services, self.sender, self.slots.get(SLOT))))
            self.slots[ANSWER] = None
        return text_of(replies)

    def send_file(self, data: bytes, name: str = "photo.jpg", material: str | None = None) -> str:
        """A file sent as a channel sends it: staged in the inbox, then the upload message."""
        ref = inbox().stage(self.sender, data, name)
        return self.send_staged([ref], material)

    def send_staged(self, refs: list[str], material: str | None = None, materials: list[str] | None = None) -> str:
        """Staged files announced; `materials`: the material of each, as a materials card sends them."""
        turn = self.run(
            application_flow.receive_files(self.services, self.sender, self.slots.get(SLOT), refs, material, materials)
        )
        replies = self._apply(turn)
        self.last_replies = replies
        if self.slots.get(ACTIVE):
            replies += self._ask()
        return text_of(replies)

    def resend(self, title: str) -> str:
        """Presses a button that sends staged files again (重新上传, or a material's name)."""
        button = next(b for r in self.last_replies for b in r.buttons if b.title == title)
        entities = json.loads("{" + button.payload.split("{", 1)[1])
        return self.send_staged(parse_refs(entities["upload_ref"]), entities.get("material"))

    def click(self, title: str) -> str:
        """Clicks a button of the last question by its title."""
        button = next(b for r in self.last_question for b in r.buttons if b.title == title)
        intent = button.payload[1:].split("{")[0]
        return self.say(button.payload, intent)

    def sms_code(self) -> str:
        number = self.slots[SLOT]["number"]
        response = httpx.get(f"{self.portal_url}/dev/signing/{number}", timeout=10)
        assert response.status_code == 200, response.text
        return response.json()["code"]

    def confirm(self) -> str:
        """What a citizen does to submit from the summary: 确认提交, and the SMS code if the case
        has commitments to sign — only the code when the summary came with them."""
        reply = "" if self.step == "sign" else self.say("确认提交")
        if self.step == "sign":
            reply += "\n" + self.say(self.sms_code())
        return reply

    @property
    def step(self) -> str | None:
        return (self.slots.get(SLOT) or {}).get("step")


def text_of(replies: list[Reply]) -> str:
    return "\n".join(r.text for r in replies)


def bind_token(url: str, sms: callable, **body) -> str:  # noqa: ANN001
    """A token through the real binding flow (the sandbox hands the SMS code to tests)."""
    body = {"channel": "web", "channel_user_id": f"flow-{uuid.uuid4().hex[:12]}"} | body
    started = httpx.post(f"{url}/identity/bindings", json=body, timeout=10)
    assert started.status_code == 201, started.text
    binding_id = started.json()["binding_id"]
    verified = httpx.post(f"{url}/identity/bindings/{binding_id}/verify", json={"code": sms(binding_id)}, timeout=10)
    assert verified.status_code == 200, verified.text
    return verified.json()["token"]

"""One happy-path application per 一件事 through the REST channel of a running stack, as a
bound demo user would do it (tests/application_scenarios.yml). Shared by the end-to-end
tests and scripts/bench_applications.py, so the figures the script prints are the
conversations the tests check."""

from __future__ import annotations

import json
import re
import time
import urllib.request
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone

from bot import uploads
from bot.applications.form import get_form
from bot.identity.store import IdentityStore
from bot.objectstore import open_store
from bot.ops.rasa_resilience import BUSY
from bot.portal_client.models import PortalToken
from tests.support.golden import SCENARIOS
from tests.support.sample_files import photo

NUMBER = re.compile(r"BS\d{14}")
ASKS_UPLOAD = re.compile(r"请上传「([^」]+)」")
START_PAYLOAD = '/start_application{"prefill_consent":"yes"}'
ASKS_SIGNATURE = "验证码已发送到您登记的手机"
"""The commitments are shown and an SMS code is on its way (with the summary, or after 确认提交):
the code signs and submits."""


def _call(method: str, url: str, body: dict | None = None, token: str | None = None) -> dict | list:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, headers=headers, method=method)
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read() or b"null")


def signing_code(portal_url: str, number: str) -> str:
    """The code the sandbox's SMS gateway sent to sign `number`'s commitments (dev mode)."""
    return _call("GET", f"{portal_url}/dev/signing/{number}")["code"]


def portal_token(portal_url: str, subject: dict) -> PortalToken:
    """A demo subject's token through the portal's binding API (the sandbox hands out the SMS code)."""
    body: dict = {"channel": "web", "channel_user_id": f"run-{uuid.uuid4().hex[:12]}"}
    if subject["kind"] == "citizen":
        body |= {"subject_type": "citizen", "name": subject["name"], "id_number": subject["id_number"]}
    else:
        body |= {
            "subject_type": "enterprise",
            "uscc": subject["uscc"],
            "legal_representative_name": subject["rep"],
            "legal_representative_id_number": subject["rep_id"],
        }
    started = _call("POST", f"{portal_url}/identity/bindings", body)
    code = _call("GET", f"{portal_url}/dev/sms/{started['binding_id']}")["code"]
    verified = _call("POST", f"{portal_url}/identity/bindings/{started['binding_id']}/verify", {"code": code})
    return PortalToken.from_json(verified)


@dataclass
class Run:
    code: str
    sender: str
    token: str
    transcript: list[tuple[str, str]] = field(default_factory=list)
    parts: list[str] = field(default_factory=list)
    """What each user turn was for: opening, questions, uploads, submit, signature."""
    number: str | None = None
    application: dict | None = None
    retried: int = 0
    materials_uploaded: int = 0
    """Materials sent, whether one per message or several on a materials card."""

    @property
    def user_turns(self) -> int:
        return len(self.transcript)

    @property
    def turns_one_by_one(self) -> int:
        """The user turns had each material been sent in its own message (WeChat's way)."""
        return self.user_turns - self.parts.count("uploads") + self.materials_uploaded

    @property
    def prefill_ratio(self) -> float:
        """Fields filled from the portal / fields the application needs (those that apply)."""
        assert self.application is not None
        form = get_form(self.code)
        fields = self.application["fields"]
        needed = [f for f in form.fields if f.applies(fields)]
        return len([f for f in needed if f.name in self.application["prefilled_fields"]]) / len(needed)


def say(rasa_url: str, sender: str, text: str) -> tuple[str, list[dict]]:
    messages = _call("POST", f"{rasa_url}/webhooks/rest/webhook", {"sender": sender, "message": text})
    return "\n".join(m.get("text") or "" for m in messages), messages


def photo_message(inbox_url: str, sender: str, materials: list[str] | None = None) -> str:
    """The message a channel sends for a photo, once the photo is staged in the upload inbox;
    with `materials`, a photo for each, as a materials card sends them together."""
    box = uploads.Inbox(open_store(inbox_url))
    refs = [box.stage(sender, photo(), "photo.jpg") for _ in materials or [None]]
    return uploads.message(refs, materials)


def materials_card(messages: list[dict]) -> list[str]:
    """The materials a materials card of this answer offers to send together (none: no card)."""
    cards = [m["custom"]["materials_card"] for m in messages if "materials_card" in (m.get("custom") or {})]
    return list(cards[-1]["items"]) if cards else []


def run_scenario(
    rasa_url: str,
    portal_url: str,
    services_db_url: str,
    inbox_url: str,
    code: str,
    retry_after: float | None = None,
    use_cards: bool = True,
) -> Run:
    """Binds a fresh chat user to the scenario's subject, then chats from the need to the
    number, sending a photo for each material it is asked to upload — all at once when the
    answer offers a materials card and `use_cards` (as the widget does). `retry_after`: a message
    refused, left unanswered or met with a 系统繁忙 apology is sent once more after that many
    seconds, as a citizen (or WeChat) does during a fault;
    `Run.retried` counts them."""
    scenario = SCENARIOS[code]
    sender = f"run-{code}-{uuid.uuid4().hex[:8]}"
    token = portal_token(portal_url, scenario["subject"])
    IdentityStore(services_db_url).save(sender, "rest", token, datetime.now(timezone.utc))
    run = Run(code, sender, token.token)

    def send(text: str) -> tuple[str, list[dict]]:
        if retry_after is None:
            return say(rasa_url, sender, text)
        try:
            reply, messages = say(rasa_url, sender, text)
            if messages and BUSY not in reply:
                return reply, messages
        except OSError:
            pass
        run.retried += 1
        time.sleep(retry_after)
        return say(rasa_url, sender, text)

    def turn(text: str, part: str, shown: str | None = None) -> tuple[str, list[dict]]:
        reply, messages = send(text)
        run.transcript.append((shown or text, reply))
        run.parts.append(part)
        return reply, messages

    _reply, messages = turn(scenario["first"], "opening")
    buttons = [b["payload"] for m in messages for b in m.get("buttons") or []]
    turn(START_PAYLOAD if START_PAYLOAD in buttons else "开始办理", "opening")
    reply = ""
    for answer in scenario["answers"]:
        reply, messages = turn(answer, "questions")
    while asked := ASKS_UPLOAD.search(reply):
        together = materials_card(messages) if use_cards else []
        if together:  # the widget's and the mini-program's card: a photo for each, sent at once
            shown = f"[材料卡片：{'、'.join(together)}各一张照片]"
            reply, messages = turn(photo_message(inbox_url, sender, together), "uploads", shown)
        else:
            reply, messages = turn(photo_message(inbox_url, sender), "uploads", f"[照片：{asked.group(1)}]")
        run.materials_uploaded += len(together) or 1
    if ASKS_SIGNATURE not in reply:  # a summary with commitments comes with them and the code
        reply, _messages = turn("确认提交", "submit")
    if ASKS_SIGNATURE in reply:
        draft = NUMBER.search(show(run))
        assert draft, show(run)
        reply, _messages = turn(signing_code(portal_url, draft.group(0)), "signature")
    found = NUMBER.search(reply)
    if found:
        run.number = found.group(0)
        run.application = _call("GET", f"{portal_url}/applications/{run.number}", token=token.token)
    return run


def applications_of(portal_url: str, token: str) -> list[dict]:
    """The subject's applications at the portal, drafts included."""
    return _call("GET", f"{portal_url}/applications", token=token)


def show(run: Run) -> str:
    return "\n".join(f"> {user}\n{bot}" for user, bot in run.transcript)

"""The whole happy path of each 一件事 through the REST channel, every bot message compared in
full with its reviewed transcript in `tests/golden/` (`make golden` rewrites them): the first
message, the start button, identity consent and binding in the chat (SMS code from the
sandbox), each question the portal could not pre-fill, the summary, the submission and a
status check. The application must then be in the portal with the fields the chat gave.

These run first in the session (tests/e2e/conftest.py): the seeded portal must not yet hold
other tests' drafts for the same people, or a conversation would pick one up.
"""

from __future__ import annotations

import uuid

import httpx
import pytest

from bot import uploads
from bot.objectstore import open_store
from tests.support.application_runs import ASKS_SIGNATURE, ASKS_UPLOAD, NUMBER, signing_code
from tests.support.golden import SCENARIOS, START_TITLES, Transcript, check, rest_lines
from tests.support.sample_files import photo


class Conversation:
    def __init__(self, stack, code: str) -> None:
        self.stack, self.sender = stack, f"golden-{code}-{uuid.uuid4().hex[:8]}"
        self.transcript = Transcript(f"{code}（REST 渠道）")
        self.last: list[dict] = []

    def say(self, text: str, button: str | None = None) -> str:
        self.last = self.stack.say(text, self.sender)
        self.transcript.user(text, button)
        self.transcript.bot(rest_lines(self.last))
        return "\n".join(m.get("text") or "" for m in self.last)

    def send_photo(self) -> str:
        """A photo as a channel hands it over: staged in the inbox, then announced."""
        ref = uploads.Inbox(open_store(self.stack.inbox_url)).stage(self.sender, photo(), "photo.jpg")
        self.last = self.stack.say(uploads.message([ref]), self.sender)
        self.transcript.user("[发送了一张照片]")
        self.transcript.bot(rest_lines(self.last))
        return "\n".join(m.get("text") or "" for m in self.last)

    def press(self, *titles: str) -> str:
        """Presses the first button of the last answer whose title is one of `titles`."""
        buttons = {b["title"]: b["payload"] for m in self.last for b in m.get("buttons") or []}
        title = next((t for t in titles if t in buttons), None)
        assert title is not None, (titles, self.transcript.text())
        return self.say(buttons[title], button=title)


def _bind(conversation: Conversation, subject: dict) -> None:
    conversation.press("同意")
    if subject["kind"] == "enterprise":
        typed = [subject["uscc"], subject["rep"], subject["rep_id"]]
    else:
        typed = [subject["name"], subject["id_number"]]
    for text in typed:
        conversation.say(text)
    binding_id = conversation.stack.slot(conversation.sender, "binding_id")
    code = httpx.get(f"{conversation.stack.portal_url}/dev/sms/{binding_id}", timeout=10).json()["code"]
    conversation.say(code)


@pytest.mark.parametrize("code", list(SCENARIOS))
def test_the_whole_happy_path_reads_as_reviewed(stack, code):
    scenario = SCENARIOS[code]
    conversation = Conversation(stack, code)
    conversation.say(scenario["first"])
    conversation.press(*START_TITLES)
    _bind(conversation, scenario["subject"])
    reply = ""
    for answer in scenario["answers"]:
        reply = conversation.say(answer)
    while ASKS_UPLOAD.search(reply):
        reply = conversation.send_photo()
    submitted = reply if ASKS_SIGNATURE in reply else conversation.press("确认提交")
    if ASKS_SIGNATURE in submitted:
        draft = stack.slot(conversation.sender, "application")["number"]
        submitted = conversation.say(signing_code(stack.portal_url, draft))
    found = NUMBER.search(submitted)
    assert found, conversation.transcript.text()
    conversation.say(f"查一下{found.group(0)}的进度")

    check(code, conversation.transcript.text())
    token = stack.identity_token(conversation.sender)
    application = httpx.get(
        f"{stack.portal_url}/applications/{found.group(0)}", headers={"Authorization": f"Bearer {token}"}, timeout=10
    ).json()
    assert application["service_code"] == code and application["status"] != "draft"
    for name, value in scenario["expect"].items():
        assert application["fields"].get(name) == value, (name, application["fields"])
    assert stack.slot(conversation.sender, "service_item") == code
    assert stack.slot(conversation.sender, "application_active") is False

"""Helpers the action modules share."""

from __future__ import annotations

import functools
import re
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.applications.form import consent_labels, get_form
from bot.catalogue import ServiceItem
from bot.dialogue import Reply, Turn
from bot.language.text import normalize
from bot.words import application_offer, service_confirmation


def _start_labels(item: ServiceItem) -> list[str]:
    """What pre-fill will read for the item's first kind of applicant (the start button's consent)."""
    form = get_form(item.code)
    return consent_labels(form, form.subjects[0])


def confirmation(item: ServiceItem) -> Reply:
    """The need confirmed, with the start button carrying the consent to pre-fill."""
    return service_confirmation(item, _start_labels(item))


def offer(item: ServiceItem) -> Reply:
    """The way to apply, after a question about the item was answered."""
    return application_offer(item, _start_labels(item))


def say(dispatcher: CollectingDispatcher, replies: Reply | Iterable[Reply]) -> None:
    """Sends one or several replies in order."""
    for reply in [replies] if isinstance(replies, Reply) else replies:
        dispatcher.utter_message(**reply.as_kwargs())


def relay(dispatcher: CollectingDispatcher, turn: Turn) -> list[dict[str, Any]]:
    """Says a flow's replies and returns its slots as events."""
    say(dispatcher, turn.replies)
    return [SlotSet(name, value) for name, value in turn.slots.items()]


def latest_intent(tracker: Tracker) -> str | None:
    return (tracker.latest_message.get("intent") or {}).get("name")


def latest_entity(tracker: Tracker, name: str) -> str | None:
    """The first value of entity `name` in this turn (a button payload's or the NLU's), as text."""
    value = next(tracker.get_latest_entity_values(name), None)
    return None if value is None else str(value)


_YES = re.compile(
    r"^(好|好的|行|可以|同意|我同意|是的|对|嗯|开始|开始吧|办吧|办理|开始办理|现在办|那就办吧)[。.!！吧啊]*$"
)


def typed_button(tracker: Tracker) -> dict | None:
    """The button of the bot's last message that the citizen's typed words stand for: its title
    or the start of it ("同意" for "同意调取，开始办理"), or a plain yes when the message offered
    exactly one start button. Typed, a button does what the button does."""
    text = normalize(tracker.latest_message.get("text") or "")
    if not text or text.startswith("/"):
        return None
    for button in _last_buttons(tracker.events):
        title = normalize(button.get("title") or "")
        if text == title or (len(text) >= 2 and title.startswith(text)):
            return button
    starts = [b for b in _last_buttons(tracker.events) if str(b.get("payload", "")).startswith("/start_application")]
    return starts[0] if len(starts) == 1 and _YES.match(text) else None


def _last_buttons(events: list[dict]) -> list[dict]:
    """The buttons the bot showed between the citizen's last two messages."""
    for event in reversed(_last_bot_events(events)):
        if (event.get("data") or {}).get("buttons"):
            return event["data"]["buttons"]
    return []


def _last_bot_events(events: list[dict]) -> list[dict]:
    users = [i for i, e in enumerate(events) if e.get("event") == "user"]
    if not users:
        return []
    before = users[-2] if len(users) > 1 else -1
    return [e for e in events[before + 1 : users[-1]] if e.get("event") == "bot"]


def last_said(tracker: Tracker) -> str:
    """What the bot said between the citizen's last two messages, as one text."""
    return "\n".join(e.get("text") or "" for e in _last_bot_events(tracker.events))


def transcript(tracker: Tracker) -> list[tuple[str, str]]:
    """The conversation so far as (who, text) pairs, user and bot messages only."""
    lines = []
    for event in tracker.events:
        if event.get("event") in ("user", "bot") and event.get("text"):
            lines.append((event["event"], event["text"]))
    return lines


Validator = Callable[..., Awaitable[dict[str, Any]]]


def typed_values_only(validate: Validator) -> Validator:
    """Makes a form's `validate_<slot>` judge only what the citizen typed.

    When a form starts, rasa-sdk validates every slot the previous action set (the trailing
    `SlotSet` events), clearings included: the start of an enterprise application cleared
    `binding_uscc`, and the citizen was told a code they had not typed yet was wrong. A
    cleared slot (None) is not an answer, so there is nothing to judge or say.
    """

    @functools.wraps(validate)
    async def judged(
        self: Any, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        if value is None:
            return {}
        return await validate(self, value, dispatcher, tracker, domain)

    return judged

"""The validator made once (bot/ops/rasa_speedups.py) judges action answers as Rasa's own did."""

from __future__ import annotations

import pytest
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction

from bot.ops import rasa_speedups

ANSWERS = [
    {"events": [], "responses": []},
    {"events": [{"event": "slot", "name": "x", "value": 1}], "responses": [{"text": "好的"}]},
    {"events": [{"event": "no_such_event"}], "responses": []},
    {"events": "not a list", "responses": []},
    {"events": [], "responses": ["not an object"]},
    {},
]


def _judged(validate, answer: dict) -> str:
    try:
        return "valid" if validate(RemoteAction("action_x", None), answer) else "false"
    except ValidationError as error:
        return error.message


@pytest.mark.parametrize("answer", ANSWERS)
def test_the_same_verdict_and_message_as_rasa(answer):
    original = RemoteAction._validate_action_result
    assert original is not rasa_speedups.validate_action_result, "the test compares against Rasa's own"
    assert _judged(rasa_speedups.validate_action_result, answer) == _judged(original, answer)


def test_an_invalid_answer_still_fails_after_install(monkeypatch):
    monkeypatch.setattr(RemoteAction, "_validate_action_result", RemoteAction._validate_action_result)
    rasa_speedups.install()
    with pytest.raises(ValidationError, match="Failed to validate Action server response"):
        RemoteAction("action_x", None)._validate_action_result({"events": "not a list"})

"""The first component of the NLU pipeline: every message cleaned the same way.

`ChineseNormalizer` runs first in `config.yml` so that every later component — tokenizer,
featurizers, regexes — sees the same clean simplified text in training and at prediction
(the text rules themselves live in `bot/language/text.py`, shared with the services).
"""

from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.language.text import MAX_MESSAGE_CHARS, normalize


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class ChineseNormalizer(GraphComponent):
    """Traditional → simplified, full-width → half-width, emoji/control noise removed."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {"max_chars": MAX_MESSAGE_CHARS}

    def __init__(self, config: dict[str, Any]) -> None:
        self._max_chars = int(config["max_chars"])

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> ChineseNormalizer:
        return cls(config)

    @staticmethod
    def supported_languages() -> list[str] | None:
        return ["zh"]

    @staticmethod
    def required_packages() -> list[str]:
        return ["opencc"]

    def _normalize(self, message: Message) -> None:
        text = message.get(TEXT)
        if not isinstance(text, str):
            return
        cleaned = normalize(text, self._max_chars)
        # Annotated entity offsets point into the original text: keep it when they would move.
        if message.get(ENTITIES) and len(cleaned) != len(text):
            return
        message.set(TEXT, cleaned)

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        for example in training_data.training_examples:
            self._normalize(example)
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            self._normalize(message)
        return messages

"""The custom NLU components inside Rasa's own graph classes (Rasa runtime, Python 3.10)."""

from __future__ import annotations

from pathlib import Path

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.normaliser import ChineseNormalizer
from bot.nlu.tokenizer import CleanJiebaTokenizer

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def context(tmp_path):
    storage = LocalModelStorage(tmp_path)
    return storage, ExecutionContext(GraphSchema({}), "test")


def test_normalizer_cleans_prediction_messages(context):
    storage, ctx = context
    normalizer = ChineseNormalizer.create(ChineseNormalizer.get_default_config(), storage, Resource("n"), ctx)
    messages = [Message({TEXT: "孩子出生了要辦什麼😀"}), Message({TEXT: "ＢＳ２０２６"}), Message({TEXT: ""})]
    normalizer.process(messages)
    assert [m.get(TEXT) for m in messages] == ["孩子出生了要办什么", "BS2026", ""]


def test_normalizer_keeps_annotated_text_whose_offsets_would_move(context):
    storage, ctx = context
    normalizer = ChineseNormalizer.create({"max_chars": 500}, storage, Resource("n"), ctx)
    entity = {"start": 4, "end": 15, "value": "13812345678", "entity": "phone_number"}
    moving = Message({TEXT: "😀我的手机13812345678", ENTITIES: [entity]})
    stable = Message({TEXT: "我的電話13812345678", ENTITIES: [dict(entity)]})
    normalizer.process_training_data(TrainingData([moving, stable]))
    assert moving.get(TEXT) == "😀我的手机13812345678"
    assert stable.get(TEXT) == "我的电话13812345678"


def test_tokenizer_uses_the_domain_dictionary_and_drops_spaces(context):
    storage, ctx = context
    config = {
        **CleanJiebaTokenizer.get_default_config(),
        "dictionary_path": str(ROOT / "bot" / "language" / "jieba_dict"),
    }
    tokenizer = CleanJiebaTokenizer.create(config, storage, Resource("t"), ctx)
    tokens = [t.text for t in tokenizer.tokenize(Message({TEXT: "出生医学证明 丢了 ok 怎么补"}), TEXT)]
    assert "出生医学证明" in tokens
    assert all(t.strip() for t in tokens)
    assert "食品经营许可证" in [t.text for t in tokenizer.tokenize(Message({TEXT: "食品经营许可证怎么办"}), TEXT)]

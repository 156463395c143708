"""The linear intent classifier (bot/nlu/linear.py) inside Rasa's graph classes (Rasa runtime)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer import (
    CountVectorsFeaturizer,
)
from rasa.shared.exceptions import InvalidConfigException
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, INTENT, TEXT
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.linear import Block, LinearIntentClassifier
from bot.nlu.tokenizer import CleanJiebaTokenizer

ROOT = Path(__file__).resolve().parents[2]

EXAMPLES = {
    "need_newborn": [
        "孩子出生了要办什么",
        "宝宝刚出生怎么上户口",
        "新生儿出生医学证明怎么办",
        "生孩子以后要办哪些手续",
        "刚生了小孩需要办什么证",
    ],
    "need_retirement": [
        "我快退休了要办什么",
        "退休手续怎么办理",
        "到了退休年龄怎么领养老金",
        "办理退休需要哪些材料",
        "退休以后养老金怎么申请",
    ],
    "greet": ["你好", "您好啊", "早上好", "嗨，在吗", "你好，请问在吗"],
}
DENSE_DIM = 8


def dense_vector(intent: str | None, scale: float) -> np.ndarray:
    """A stand-in sentence embedding: a fixed direction per intent plus a common offset."""
    vector = np.full(DENSE_DIM, 3.0)  # large shared part, as in real e5 vectors
    if intent:
        vector[sorted(EXAMPLES).index(intent)] += 1.0
    return (vector * scale).reshape(1, -1)


class Pipeline:
    """Tokenizer + char n-gram counts (+ an optional dense block) + the classifier."""

    def __init__(self, tmp_path: Path, config: dict | None = None, dense_scale: float = 0.0):
        tmp_path.mkdir(parents=True, exist_ok=True)
        self.storage = LocalModelStorage(tmp_path)
        self.dense_scale = dense_scale
        self.config = {**LinearIntentClassifier.get_default_config(), **(config or {})}
        tokenizer_config = {
            **CleanJiebaTokenizer.get_default_config(),
            "dictionary_path": str(ROOT / "bot" / "language" / "jieba_dict"),
        }
        self.tokenizer = CleanJiebaTokenizer.create(
            tokenizer_config, self.storage, Resource("tok"), self.context("tok")
        )
        chars = {
            **CountVectorsFeaturizer.get_default_config(),
            "alias": "chars",
            "analyzer": "char",
            "min_ngram": 1,
            "max_ngram": 3,
        }
        self.chars = CountVectorsFeaturizer.create(chars, self.storage, Resource("chars"), self.context("chars"))
        self.resource = Resource("linear")

    @staticmethod
    def context(name: str) -> ExecutionContext:
        return ExecutionContext(GraphSchema({}), "test", node_name=name)

    def featurize(self, messages: list[Message], intents: list[str | None]) -> None:
        self.tokenizer.process(messages)
        self.chars.process(messages)
        if self.dense_scale:
            for message, intent in zip(messages, intents):
                message.add_features(
                    Features(dense_vector(intent, self.dense_scale), FEATURE_TYPE_SENTENCE, TEXT, "dense")
                )

    def train(self) -> LinearIntentClassifier:
        examples = [Message({TEXT: t, INTENT: i}) for i, ts in EXAMPLES.items() for t in ts]
        data = TrainingData(examples)
        self.tokenizer.process_training_data(data)
        self.chars.train(data)
        self.featurize(data.intent_examples, [m.get(INTENT) for m in data.intent_examples])
        classifier = LinearIntentClassifier.create(self.config, self.storage, self.resource, self.context("linear"))
        classifier.train(data)
        return classifier

    def load(self) -> LinearIntentClassifier:
        return LinearIntentClassifier.load(self.config, self.storage, self.resource, self.context("linear"))

    def messages(self, texts: list[str], intents: list[str | None] | None = None) -> list[Message]:
        messages = [Message({TEXT: t}) for t in texts]
        self.featurize(messages, intents or [None] * len(texts))
        return messages


QUERIES = {"宝宝出生了要办哪些证": "need_newborn", "我要退休了，养老金怎么领": "need_retirement", "您好，在吗": "greet"}


def test_trains_persists_loads_and_predicts_unseen_phrasings(tmp_path):
    pipeline = Pipeline(tmp_path)
    trained = pipeline.train()
    loaded = pipeline.load()
    messages = pipeline.messages(list(QUERIES))
    assert np.allclose(trained.predict_proba(messages), loaded.predict_proba(messages), atol=1e-6)
    loaded.process(messages)
    assert [m.get(INTENT)["name"] for m in messages] == list(QUERIES.values())
    for message in messages:
        ranking = message.get("intent_ranking")
        confidences = [r["confidence"] for r in ranking]
        assert confidences == sorted(confidences, reverse=True)
        assert sum(confidences) == pytest.approx(1.0)  # probabilities over all 3 intents
        assert message.get(INTENT) == ranking[0]
        assert ranking[0]["confidence"] > 0.4  # clear cases pass the fallback threshold


def test_probabilities_match_scikit_learn_for_two_intents(tmp_path, monkeypatch):
    from sklearn.linear_model import LogisticRegression

    monkeypatch.delitem(EXAMPLES, "greet")
    fitted = []
    original_fit = LogisticRegression.fit

    def spy(self, X, y, *args, **kwargs):
        fitted.append((self, X))
        return original_fit(self, X, y, *args, **kwargs)

    monkeypatch.setattr(LogisticRegression, "fit", spy)
    classifier = Pipeline(tmp_path).train()
    ((model, X),) = fitted
    ours = classifier._weights @ X.T.toarray() + classifier._bias[:, None]
    exp = np.exp(ours - ours.max(axis=0))
    assert np.allclose((exp / exp.sum(axis=0)).T, model.predict_proba(X), atol=1e-5)
    assert classifier.classes == ["need_newborn", "need_retirement"]


def test_sparse_blocks_are_sublinear_tf_idf_rows_of_unit_norm():
    import scipy.sparse
    from sklearn.feature_extraction.text import TfidfTransformer

    counts = scipy.sparse.csr_matrix(np.array([[3, 0, 1, 0], [0, 2, 1, 0], [1, 1, 1, 0]]))
    rows = [counts[i] for i in range(3)] + [None]
    block = Block(origin="chars", sparse=True, dim=4, weight=0.5)
    block.fit(rows[:3])
    ours = block.transform(rows).toarray()
    expected = TfidfTransformer(sublinear_tf=True).fit_transform(counts).toarray() * 0.5
    assert np.allclose(ours[:3], expected)
    assert not ours[3].any()  # a message without this feature: zero row
    assert counts.toarray()[0, 0] == 3  # the message's own features are not modified


def test_dense_blocks_are_centred_and_scale_free(tmp_path):
    small = Pipeline(tmp_path / "a", dense_scale=1.0)
    large = Pipeline(tmp_path / "b", dense_scale=20.0)
    a, b = small.train(), large.train()
    intents = list(QUERIES.values())
    pa = a.predict_proba(small.messages(list(QUERIES), intents))
    pb = b.predict_proba(large.messages(list(QUERIES), intents))
    assert np.allclose(pa, pb, atol=1e-4)  # the featurizer's own scale does not matter
    dense = next(block for block in a._blocks if block.origin == "dense")
    assert not dense.sparse and dense.mean[0] > 2.5  # the shared offset is learnt and removed


def test_blends_with_the_earlier_ranking(tmp_path):
    pipeline = Pipeline(tmp_path, {"earlier_ranking_weight": 0.5})
    classifier = pipeline.train()
    (message,) = pipeline.messages(["宝宝出生了要办哪些证"])
    own = dict(zip(classifier.classes, classifier.predict_proba([message])[0]))
    earlier = [{"name": "greet", "confidence": 0.9}, {"name": "unknown", "confidence": 0.1}]
    message.set("intent_ranking", earlier)
    classifier.process([message])
    blended = {r["name"]: r["confidence"] for r in message.get("intent_ranking")}
    assert blended["greet"] == pytest.approx(0.5 * own["greet"] + 0.45)
    assert blended["need_newborn"] == pytest.approx(0.5 * own["need_newborn"])
    assert "unknown" not in blended
    assert message.get(INTENT)["name"] == max(blended, key=blended.get)


def test_without_blend_weight_the_earlier_ranking_is_ignored(tmp_path):
    pipeline = Pipeline(tmp_path, {"ranking_length": 2})
    classifier = pipeline.train()
    (message,) = pipeline.messages(["我要退休了，养老金怎么领"])
    message.set("intent_ranking", [{"name": "greet", "confidence": 1.0}])
    classifier.process([message])
    assert message.get(INTENT)["name"] == "need_retirement"
    assert len(message.get("intent_ranking")) == 2


def test_leaves_empty_text_and_untrained_models_alone(tmp_path):
    pipeline = Pipeline(tmp_path)
    classifier = pipeline.train()
    earlier = {"name": "greet", "confidence": 0.7}
    empty = Message({TEXT: "  ", INTENT: earlier})
    classifier.process([empty])
    assert empty.get(INTENT) == earlier

    single = Pipeline(tmp_path / "one")
    untrained = LinearIntentClassifier.create(
        single.config, single.storage, Resource("single"), single.context("single")
    )
    data = TrainingData([Message({TEXT: t, INTENT: "greet"}) for t in EXAMPLES["greet"]])
    untrained.train(data)  # one intent: nothing to learn, but persisting still works
    reloaded = LinearIntentClassifier.load(single.config, single.storage, Resource("single"), single.context("single"))
    message = Message({TEXT: "你好", INTENT: earlier})
    reloaded.process([message])
    assert message.get(INTENT) == earlier


def test_config_is_validated():
    defaults = LinearIntentClassifier.get_default_config()
    LinearIntentClassifier.validate_config(defaults)
    for bad in ({"C": 0}, {"earlier_ranking_weight": 1.5}, {"block_weights": {"words": -1}}, {"C": "10"}):
        with pytest.raises(InvalidConfigException):
            LinearIntentClassifier.validate_config({**defaults, **bad})

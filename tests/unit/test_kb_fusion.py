"""How a unit's evidence becomes its score: the best sentence blended with the whole unit."""

from __future__ import annotations

import json
from types import SimpleNamespace

import numpy as np
import pytest

from bot.knowledge.features import ABSENT, GROUPS, QueryEvidence, _whole_scores, fused_score
from bot.knowledge.ranking import DEFAULT_MODEL, load_model, save_model
from bot.knowledge.store import QUESTION, SENTENCE


def _evidence(sentence: dict[int, float], whole: dict[int, float], question: dict[int, float] | None = None):
    dense = {group: {} for group in GROUPS}
    dense[SENTENCE], dense[QUESTION] = sentence, question or {}
    return QueryEvidence(dense, {}, 0.0, whole=whole)


def test_the_whole_unit_weighs_in_on_the_best_sentence():
    evidence = _evidence({1: 0.90, 2: 0.88}, {1: 0.80, 2: 0.89})
    assert fused_score(evidence, 1, 0.03, 0.01, 0.0) > fused_score(evidence, 2, 0.03, 0.01, 0.0)
    assert fused_score(evidence, 1, 0.03, 0.01, 0.0, whole_weight=1.0) == pytest.approx(0.85)
    assert fused_score(evidence, 2, 0.03, 0.01, 0.0, whole_weight=1.0) == pytest.approx(0.885)


def test_a_unit_found_by_its_whole_alone_is_scored_with_an_absent_sentence():
    evidence = _evidence({}, {3: 0.90})
    assert fused_score(evidence, 3, 0.03, 0.01, 0.0, whole_weight=1.0) == pytest.approx((ABSENT + 0.90) / 2)


def test_question_entries_are_not_blended_and_an_index_without_whole_vectors_is_unchanged():
    evidence = _evidence({1: 0.80}, {1: 0.70}, question={1: 0.95})
    assert fused_score(evidence, 1, 0.03, 0.01, 0.0, whole_weight=1.0) == pytest.approx(0.92)
    old_index = _evidence({1: 0.80}, {})
    assert fused_score(old_index, 1, 0.03, 0.01, 0.0, whole_weight=1.0) == pytest.approx(0.80)


def test_whole_scores_cover_the_units_found_and_the_nearest_by_whole():
    rng = np.random.default_rng(0)
    whole = rng.standard_normal((50, 8)).astype(np.float32)
    whole /= np.linalg.norm(whole, axis=1, keepdims=True)
    snapshot = SimpleNamespace(whole=whole, bm25_units=np.arange(100, 150, dtype=np.int64))
    query = whole[7]
    scores = _whole_scores(snapshot, query, found=[140, 141, 999])
    assert scores[107] == pytest.approx(1.0), "the unit nearest by its whole vector is a candidate"
    assert {140, 141} <= set(scores) and 999 not in scores, "an id the index does not hold is skipped"
    assert scores[140] == pytest.approx(float(whole[40] @ query))
    assert len(scores) <= 30 + 2


def test_ranking_files_without_a_whole_weight_keep_the_old_ranking(tmp_path):
    path = tmp_path / "ranking.json"
    save_model(DEFAULT_MODEL, path)
    data = json.loads(path.read_text(encoding="utf-8"))
    del data["whole_weight"]
    path.write_text(json.dumps(data), encoding="utf-8")
    assert load_model(path).whole_weight == 0.0

"""The MSGABench harness (scripts/eval_msgabench.py): its split is fixed and its measures are the
textbook ones, so that figures from different stops can be compared."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "eval_msgabench.py"


@pytest.fixture(scope="module")
def harness():
    spec = importlib.util.spec_from_file_location("eval_msgabench", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while being defined
    spec.loader.exec_module(module)
    return module


def test_the_development_split_is_a_fixed_fifth(harness):
    pairs = [harness.Pair(f"问题{i}", i) for i in range(100)]
    dev, held_out = harness.split(pairs)
    assert len(dev) == 20 and len(held_out) == 80
    assert {p.question for p in dev}.isdisjoint({p.question for p in held_out})
    assert harness.split(pairs) == (dev, held_out)


def test_measures_for_one_relevant_passage(harness):
    scores = harness.Scores()
    for rank in (1, 2, None, 10):
        scores.add(rank)
    mean = scores.mean(4)
    assert mean.recall_1 == 0.25 and mean.recall_10 == 0.75
    assert mean.mrr == pytest.approx((1 + 1 / 2 + 1 / 10) / 4)
    assert mean.ndcg == pytest.approx((1 + 1 / 1.5849625 + 1 / 3.4594316) / 4, rel=1e-6)


def test_passages_are_read_once_and_questions_point_at_them(harness, tmp_path):
    table = tmp_path / "qa.tsv"
    table.write_text(
        "用户问题\t正文内容\t处理单位\n问一\t答甲\t部门A\n问二\t答甲\t部门A\n问三\t答乙\t部门B\n", encoding="utf-8"
    )
    passages, departments, pairs = harness.load(table)
    assert passages == ["答甲", "答乙"] and departments == ["部门A", "部门B"]
    assert [p.passage for p in pairs] == [0, 0, 1]


def test_the_previous_engine_is_the_hybrid_without_whole_unit_vectors(harness):
    from bot.knowledge.ranking import default_model

    model = default_model()
    engines = {engine.name: engine for engine in harness.engines(model)}
    assert list(engines) == ["bm25", "dense", "previous", "hybrid"]
    assert engines["previous"].model.whole_weight == 0.0 and engines["previous"].mode == engines["hybrid"].mode
    assert engines["hybrid"].model == model and model.whole_weight > 0, "the engine now uses the whole unit"

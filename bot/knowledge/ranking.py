"""The calibrated parameters of ranking and confidence, fitted by `python -m bot kb tune`.

The ranker has four numbers (the discount of question-like entries and of headings against
passage sentences, the weight of BM25, and that of the whole unit beside its best sentence);
the confidence is a logistic regression estimating
the probability that the top answer is right, the number the answer/suggest thresholds apply
to. All are fitted on development questions — eval/kb_dev.yml, and for the whole unit's
weight MSGABench's development split (`scripts/eval_msgabench.py --tune`) — never on a held-out
evaluation set, and kept in `ranking.json` beside this module so that a change is reviewed
like code.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from bot.knowledge.features import QUERY_FEATURES

MODEL_FILE = Path(__file__).resolve().parent / "ranking.json"


@dataclass(frozen=True)
class Logistic:
    names: tuple[str, ...]
    weights: tuple[float, ...]
    bias: float

    def probability(self, values: list[float]) -> float:
        logit = self.bias + sum(w * v for w, v in zip(self.weights, values))
        return 1.0 / (1.0 + math.exp(-max(min(logit, 50.0), -50.0)))

    def as_dict(self) -> dict:
        return {
            "features": list(self.names),
            "weights": [round(w, 6) for w in self.weights],
            "bias": round(self.bias, 6),
        }

    @classmethod
    def from_dict(cls, data: dict) -> Logistic:
        if tuple(data["features"]) != QUERY_FEATURES:
            raise ValueError(f"ranking.json 的特征与代码不一致：{data['features']} ≠ {list(QUERY_FEATURES)}")
        return cls(QUERY_FEATURES, tuple(float(w) for w in data["weights"]), float(data["bias"]))


@dataclass(frozen=True)
class RankingModel:
    question_offset: float
    heading_offset: float
    lexical_weight: float
    confidence: Logistic
    answer_threshold: float
    suggest_threshold: float
    trained_on: str = ""
    whole_weight: float = 0.0
    """How much the whole unit's cosine counts beside its best sentence's (`features.fused_score`)."""
    whole_weight_fitted_on: str = ""

    def as_dict(self) -> dict:
        return {
            "trained_on": self.trained_on,
            "question_offset": self.question_offset,
            "heading_offset": self.heading_offset,
            "lexical_weight": self.lexical_weight,
            "whole_weight": self.whole_weight,
            "whole_weight_fitted_on": self.whole_weight_fitted_on,
            "confidence": self.confidence.as_dict(),
            "answer_threshold": round(self.answer_threshold, 4),
            "suggest_threshold": round(self.suggest_threshold, 4),
        }


DEFAULT_MODEL = RankingModel(
    question_offset=0.04,
    heading_offset=0.0,
    lexical_weight=0.02,
    confidence=Logistic(QUERY_FEATURES, (20.0, 50.0, 0.0, 0.0, -4.0, 0.5), -19.0),
    answer_threshold=0.5,
    suggest_threshold=0.2,
    trained_on="hand-set defaults (run `python -m bot kb tune`)",
)


def load_model(path: Path = MODEL_FILE) -> RankingModel:
    if not path.exists():
        return DEFAULT_MODEL
    data = json.loads(path.read_text(encoding="utf-8"))
    return RankingModel(
        question_offset=float(data["question_offset"]),
        heading_offset=float(data["heading_offset"]),
        lexical_weight=float(data["lexical_weight"]),
        confidence=Logistic.from_dict(data["confidence"]),
        answer_threshold=float(data["answer_threshold"]),
        suggest_threshold=float(data["suggest_threshold"]),
        trained_on=str(data.get("trained_on", "")),
        whole_weight=float(data.get("whole_weight", 0.0)),
        whole_weight_fitted_on=str(data.get("whole_weight_fitted_on", "")),
    )


@lru_cache(maxsize=1)
def default_model() -> RankingModel:
    return load_model()


def save_model(model: RankingModel, path: Path = MODEL_FILE) -> None:
    path.write_text(json.dumps(model.as_dict(), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")

"""`kb eval` and `kb tune`: measuring retrieval and calibrating it, on separate question sets.

The held-out set (eval/kb_questions.yml) and the development set (eval/kb_dev.yml) are written
apart from the index's content and from each other: `tune` fits the ranking and confidence
models on the development set only, `eval` reports on the held-out set. A hit is right when it
comes from the labelled guide and the labelled heading is on its heading path. Recall@1 counts
an abstention as a miss, so a threshold cannot buy abstain precision for free.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import yaml

from bot.knowledge.features import QUERY_FEATURES, QueryEvidence
from bot.knowledge.ranking import Logistic, RankingModel
from bot.knowledge.retriever import ABSTAIN, DENSE, HYBRID, LEXICAL, Retriever, _Candidate
from bot.settings import settings

EVAL_FILE = settings.project_root / "eval" / "kb_questions.yml"
DEV_FILE = settings.project_root / "eval" / "kb_dev.yml"
ABSTAIN_PRECISION_GOAL = 0.98
ANSWER_PRECISION_GOAL = 0.90


@dataclass(frozen=True)
class Question:
    text: str
    doc: str
    sections: tuple[str, ...]


@dataclass
class EvalSet:
    questions: list[Question]
    out_of_kb: list[str]


@dataclass
class Scores:
    mode: str
    recall_at_1: float
    recall_at_5: float
    mrr: float
    abstain_precision: float
    abstain_recall: float
    misses: list[tuple[str, str, str]]
    ranks: list[int | None] = field(default_factory=list)
    """Per question, the rank (1–5) of the first right unit, or None: what a change moved."""

    def as_dict(self) -> dict:
        return {
            k: round(v, 4) if isinstance(v, float) else v
            for k, v in self.__dict__.items()
            if k not in ("misses", "ranks")
        }


def load_eval_set(path: Path = EVAL_FILE) -> EvalSet:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    questions = []
    for item in data.get("questions") or []:
        sections = item["section"] if isinstance(item["section"], list) else [item["section"]]
        questions.append(Question(str(item["q"]), str(item["doc"]), tuple(str(s) for s in sections)))
    return EvalSet(questions, [str(q) for q in data.get("out_of_kb") or []])


def is_right(candidate: _Candidate, question: Question) -> bool:
    stem = Path(candidate.document.source.split("#", 1)[0]).stem
    return stem == question.doc and any(s in candidate.unit.heading_path for s in question.sections)


@dataclass
class _Found:
    evidence: QueryEvidence
    rows: dict


def _evidence(retriever: Retriever, texts: list[str]) -> list[_Found | None]:
    """Each question encoded and looked up once; ranking variants then reuse it."""
    found = []
    for text in texts:
        evidence = retriever.evidence(text)[1]
        found.append(_Found(evidence, retriever.candidate_rows(evidence)) if evidence else None)
    return found


def _scored(retriever: Retriever, found: _Found | None, mode: str) -> list[_Candidate]:
    return retriever.scored(found.evidence, mode, None, found.rows) if found else []


def _confidence(retriever: Retriever, found: _Found | None, scored: list[_Candidate]) -> float:
    return retriever.confidence(found.evidence, scored, HYBRID) if found else 0.0


def _rank_of_right(scored: list[_Candidate], question: Question, k: int = 5) -> int | None:
    for rank, candidate in enumerate(scored[:k], start=1):
        if is_right(candidate, question):
            return rank
    return None


def evaluate(retriever: Retriever, eval_set: EvalSet) -> list[Scores]:
    """Dense-only, BM25-only and hybrid on the same questions (each query encoded once)."""
    inside = _evidence(retriever, [q.text for q in eval_set.questions])
    outside = _evidence(retriever, eval_set.out_of_kb)
    results = []
    for mode in (DENSE, LEXICAL, HYBRID):
        first = top5 = reciprocal = 0.0
        misses = []
        ranks: list[int | None] = []
        abstained_in = 0
        for question, found in zip(eval_set.questions, inside):
            scored = _scored(retriever, found, mode)
            abstains = mode == HYBRID and retriever.decide(_confidence(retriever, found, scored)) == ABSTAIN
            abstained_in += abstains
            rank = _rank_of_right(scored, question)
            ranks.append(rank)
            first += rank == 1 and not abstains
            top5 += rank is not None
            reciprocal += 1.0 / rank if rank else 0.0
            if rank != 1 or abstains:
                got = f"《{scored[0].document.title}》{scored[0].unit.section}" if scored else "（无结果）"
                misses.append(
                    (
                        question.text,
                        f"{question.doc} · {' / '.join(question.sections)}",
                        got + (" [拒答]" if abstains else ""),
                    )
                )
        abstained_out = 0
        if mode == HYBRID:
            for found in outside:
                abstained_out += (
                    retriever.decide(_confidence(retriever, found, _scored(retriever, found, mode))) == ABSTAIN
                )
        total = len(eval_set.questions)
        abstained = abstained_in + abstained_out
        results.append(
            Scores(
                mode=mode,
                recall_at_1=first / total,
                recall_at_5=top5 / total,
                mrr=reciprocal / total,
                abstain_precision=abstained_out / abstained if abstained else float("nan"),
                abstain_recall=abstained_out / len(eval_set.out_of_kb)
                if mode == HYBRID and eval_set.out_of_kb
                else float("nan"),
                misses=misses,
                ranks=ranks,
            )
        )
    return results


# --------------------------------------------------------------------------- tuning

QUESTION_OFFSETS = (0.02, 0.03, 0.04, 0.05, 0.06)
HEADING_OFFSETS = (0.0, 0.01, 0.02, 0.04)
LEXICAL_WEIGHTS = (0.01, 0.015, 0.02, 0.025, 0.03, 0.04)


def _mrr(retriever: Retriever, questions: list[Question], evidence: list[_Found | None]) -> float:
    total = 0.0
    for question, found in zip(questions, evidence):
        rank = _rank_of_right(_scored(retriever, found, HYBRID), question)
        total += 1.0 / rank if rank else 0.0
    return total / max(len(questions), 1)


def _threshold_for_precision(confidences: np.ndarray, good: np.ndarray, goal: float, below: bool) -> float:
    """The most inclusive threshold whose selected side still meets the precision goal.

    below=True: selection = confidence < t (abstentions; "good" = out of the KB).
    below=False: selection = confidence ≥ t (answers; "good" = right answer)."""
    best = 0.0 if below else 1.0
    for t in np.unique(np.concatenate([confidences, [0.0, 1.0]])):
        chosen = confidences < t if below else confidences >= t
        if not chosen.any():
            continue
        if good[chosen].mean() >= goal:
            best = max(best, float(t)) if below else min(best, float(t))
    return best


def tune(retriever: Retriever, dev: EvalSet) -> RankingModel:
    """Fits ranking and confidence on the development set: a grid search of the three ranking
    parameters by MRR, then a logistic regression of "the top answer is right" (questions
    outside the knowledge base are never right), then the thresholds for the precision goals."""
    from sklearn.linear_model import LogisticRegression

    inside = _evidence(retriever, [q.text for q in dev.questions])
    outside = _evidence(retriever, dev.out_of_kb)
    base = retriever.model
    best = None
    for question_offset in QUESTION_OFFSETS:
        for heading_offset in HEADING_OFFSETS:
            for lexical_weight in LEXICAL_WEIGHTS:
                retriever.model = replace(
                    base, question_offset=question_offset, heading_offset=heading_offset, lexical_weight=lexical_weight
                )
                value = _mrr(retriever, dev.questions, inside)
                if best is None or value > best[0]:
                    best = (value, retriever.model)
    retriever.model = best[1]

    rows, right, outside_flags = [], [], []
    for found, question in [(e, q) for e, q in zip(inside, dev.questions)] + [(e, None) for e in outside]:
        scored = _scored(retriever, found, HYBRID)
        if not scored:
            continue
        rows.append(retriever.confidence_features(found.evidence, scored))
        right.append(int(question is not None and is_right(scored[0], question)))
        outside_flags.append(question is None)
    fitted = LogisticRegression(C=1.0, max_iter=5000, class_weight="balanced").fit(np.array(rows), np.array(right))
    confidence = Logistic(QUERY_FEATURES, tuple(float(w) for w in fitted.coef_[0]), float(fitted.intercept_[0]))
    probabilities = np.array([confidence.probability(r) for r in rows])
    suggest = _threshold_for_precision(probabilities, np.array(outside_flags), ABSTAIN_PRECISION_GOAL, below=True)
    answer = _threshold_for_precision(probabilities, np.array(right, dtype=bool), ANSWER_PRECISION_GOAL, below=False)
    model = replace(
        retriever.model,
        confidence=confidence,
        answer_threshold=max(answer, suggest),
        suggest_threshold=suggest,
        trained_on=f"{DEV_FILE.relative_to(settings.project_root)}: {len(dev.questions)} questions, {len(dev.out_of_kb)} outside the knowledge base",
    )
    retriever.model = model
    return model

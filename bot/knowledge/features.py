"""What ranking and confidence look at, for one query: the evidence from both indexes.

e5 cosines sit in a narrow band (0.80–0.95) whose level depends on the query's wording as much
as on relevance, and query-like entries (a FAQ's question, the editors' linked questions, a
section's heading) match a question more closely than any passage sentence does. So the
ranker compares units by their best entry, with question-like entries discounted by a fixed
offset, and lets BM25 break the ties; the confidence looks beyond the cosine, at how much of
the query's vocabulary the knowledge base knows at all and how clear the winner is.

A unit's best sentence is blended with the vector of the whole unit: on government FAQ written
by others (MSGABench), the answer to a question is often the unit as a whole — a list, or
「需要。」 followed by the rule — that no single sentence resembles, and a unit whose one sentence
echoes the question while the whole is about something else should lose. The blend's weight is
fitted on that benchmark's development split (`ranking.json`, `whole_weight`)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from bot.knowledge.index import Snapshot
from bot.knowledge.store import HEADING, PHRASING, QUESTION, SENTENCE

DENSE_ENTRIES = 300
"""Nearest entries fetched from FAISS; several belong to the same unit."""
LEXICAL_UNITS = 30
WHOLE_UNITS = 30
"""Units fetched by their whole-unit vector, beside the entries' and BM25's."""
ABSENT = 0.7
"""Cosine assumed for a unit with no entry of a group among the nearest: below any real hit."""

GROUP_OF_KIND = {SENTENCE: SENTENCE, QUESTION: QUESTION, PHRASING: QUESTION, HEADING: HEADING}
GROUPS = (SENTENCE, QUESTION, HEADING)
QUERY_FEATURES = ("top_score", "margin", "best_sentence", "best_question", "unknown", "bm25_log")


@dataclass
class QueryEvidence:
    """Per-unit best cosine by entry group, the whole unit's cosine, BM25 scores, and the
    query's vocabulary weights."""

    dense: dict[str, dict[int, float]]
    lexical: dict[int, float]
    unknown: float
    weights: dict[str, float] = field(default_factory=dict)
    whole: dict[int, float] = field(default_factory=dict)

    def candidates(self) -> list[int]:
        units: set[int] = set(self.lexical) | set(self.whole)
        for scores in self.dense.values():
            units.update(scores)
        return sorted(units)

    def best(self, group: str) -> float:
        return max(self.dense.get(group, {}).values(), default=0.0)

    @property
    def top_lexical(self) -> float:
        return max(self.lexical.values(), default=0.0)


def _idf(snapshot: Snapshot, token: str) -> float:
    units = max(len(snapshot.bm25_units), 1)
    return math.log((units + 1) / (snapshot.document_frequency.get(token, 0) + 0.5))


def gather(
    snapshot: Snapshot, vector: np.ndarray | None, tokens: list[str], entry_kinds: dict[int, str]
) -> QueryEvidence:
    """Dense neighbours grouped by unit and entry group, BM25's top units, unknown vocabulary.

    `entry_kinds` maps entry id → kind for the snapshot (the retriever caches it)."""
    dense: dict[str, dict[int, float]] = {group: {} for group in GROUPS}
    if vector is not None and snapshot.size:
        scores, ids = snapshot.dense.search(vector.reshape(1, -1), min(DENSE_ENTRIES, snapshot.size))
        valid = ids[0] >= 0
        entry_ids = ids[0][valid]
        for entry, unit, score in zip(
            entry_ids.tolist(), snapshot.units_of(entry_ids).tolist(), scores[0][valid].tolist()
        ):
            group = dense[GROUP_OF_KIND.get(entry_kinds.get(entry, SENTENCE), SENTENCE)]
            if score > group.get(unit, -1.0):
                group[unit] = score
    lexical: dict[int, float] = {}
    unique = list(dict.fromkeys(tokens))
    if snapshot.bm25 is not None and unique:
        scores = snapshot.bm25.get_scores(unique)
        count = min(LEXICAL_UNITS, len(scores))
        top = np.argpartition(-scores, count - 1)[:count]
        lexical = {int(snapshot.bm25_units[i]): float(scores[i]) for i in top if scores[i] > 0}
    words = {token: _idf(snapshot, token) for token in unique if not token.startswith("#")}
    total = sum(words.values())
    unknown = sum(w for t, w in words.items() if t not in snapshot.document_frequency) / total if total else 1.0
    evidence = QueryEvidence(dense, lexical, unknown, words)
    if vector is not None and snapshot.whole is not None and len(snapshot.whole):
        evidence.whole = _whole_scores(snapshot, vector, evidence.candidates())
    return evidence


def _whole_scores(snapshot: Snapshot, vector: np.ndarray, found: list[int]) -> dict[int, float]:
    """The whole-unit cosine of the units found so far and of the nearest units by it."""
    scores = snapshot.whole @ vector
    count = min(WHOLE_UNITS, len(scores))
    nearest = np.argpartition(-scores, count - 1)[:count]
    units = np.asarray(found, dtype=np.int64)
    found_rows = np.minimum(np.searchsorted(snapshot.bm25_units, units), len(scores) - 1)
    rows = np.union1d(nearest, found_rows[snapshot.bm25_units[found_rows] == units])
    return {int(snapshot.bm25_units[row]): float(scores[row]) for row in rows}


def fused_score(
    evidence: QueryEvidence,
    unit: int,
    question_offset: float,
    heading_offset: float,
    lexical_weight: float,
    whole_weight: float = 0.0,
) -> float:
    """Best entry of the unit (its best sentence blended with the whole unit, question-like
    entries discounted) plus BM25 relative to the top."""
    sentence = evidence.dense[SENTENCE].get(unit, ABSENT)
    if whole_weight and evidence.whole:
        sentence = (sentence + whole_weight * evidence.whole.get(unit, ABSENT)) / (1 + whole_weight)
    dense = max(
        sentence,
        evidence.dense[QUESTION].get(unit, ABSENT) - question_offset,
        evidence.dense[HEADING].get(unit, ABSENT) - heading_offset,
    )
    top = evidence.top_lexical
    return dense + (lexical_weight * evidence.lexical.get(unit, 0.0) / top if top else 0.0)


def query_features(evidence: QueryEvidence, top_score: float, second_score: float) -> list[float]:
    return [
        top_score,
        top_score - second_score,
        evidence.best(SENTENCE),
        evidence.best(QUESTION),
        evidence.unknown,
        math.log1p(evidence.top_lexical),
    ]

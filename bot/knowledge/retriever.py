"""Hybrid search: dense vectors (FAISS) and BM25 over jieba tokens, ranked by a small
calibrated model, with a confidence that says whether to answer, suggest or abstain.

Dense search finds paraphrases ("宝宝还没起名" ↔ "名字还没最终定下来"); BM25 finds exact terms
that dense models blur (简易注销, 公示, 20日). Their evidence is combined by `ranking` (weights
fitted on development questions); `dense` and `bm25` modes rank by one source alone, for
comparison in `kb eval`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import or_, select

from bot.db import session_factory
from bot.knowledge.config import KnowledgeSettings
from bot.knowledge.embedder import get_embedder
from bot.knowledge.features import QueryEvidence, fused_score, gather, query_features
from bot.knowledge.index import IndexReader, Snapshot, current_generation
from bot.knowledge.ranking import RankingModel, default_model
from bot.knowledge.store import EXPIRED, FAQ, PUBLISHED, SEARCHABLE, WORKBENCH, KbDocument, KbEntry, KbUnit
from bot.knowledge.tokens import tokenize
from bot.language.text import normalize
from bot.made_once import made_once
from bot.working_days import CHINA

DENSE, LEXICAL, HYBRID = "dense", "bm25", "hybrid"
MODES = (DENSE, LEXICAL, HYBRID)
SERVICE_BOOST = 0.01
"""Added to the fused score of units of the 一件事 the conversation is about: it settles
near-ties between guides (every guide has a 申请材料), it does not override a clear winner."""
ANSWER, SUGGEST, ABSTAIN = "answer", "suggest", "abstain"
REFERENCE_SECTIONS = frozenset({"政策依据"})
_ASKS_FOR_LAWS = re.compile(r"依据|法规|法律|条例|规定|文件|政策")
CONTEXT_MARGIN = 0.25
"""How much less confident the reading in the conversation's context may be and still win over
a reading that lands in another guide."""


@dataclass(frozen=True)
class Hit:
    unit_id: int
    score: float
    title: str
    section: str
    heading_path: tuple[str, ...]
    kind: str
    text: str
    updated: str
    service_code: str | None
    source: str
    edition: int | None = None
    """The version of a document the editors' workbench publishes, named in the citation so a
    citizen (and the editor checking) sees which text answered; files have their date only."""
    expired_on: str | None = None
    """The last valid day of a rule that has expired: the hit is never quoted, the citizen
    hears that the rule changed."""

    @property
    def expired(self) -> bool:
        return self.expired_on is not None

    @property
    def question(self) -> str | None:
        """The FAQ's question, for a suggestion button."""
        return self.section.removeprefix("问：") if self.kind == FAQ else None

    @property
    def citation(self) -> str:
        """`《标题》· 章节 · 更新日期`: where a citizen (or an agent) can check the answer."""
        section = " · ".join(h.removeprefix("问：") for h in self.heading_path if h != "常见问题")
        edition = f"第{self.edition}版" if self.edition else ""
        rest = " · ".join(p for p in (section, self.updated, edition) if p)
        return f"《{self.title}》· {rest}" if rest else f"《{self.title}》"

    def as_dict(self) -> dict:
        return {
            "unit_id": self.unit_id,
            "title": self.title,
            "section": self.section,
            "heading_path": list(self.heading_path),
            "kind": self.kind,
            "text": self.text,
            "score": round(self.score, 4),
            "citation": self.citation,
            "updated": self.updated,
            "service_code": self.service_code,
            "source": self.source,
            "edition": self.edition,
            "expired_on": self.expired_on,
        }


@dataclass(frozen=True)
class SearchResult:
    query: str
    hits: list[Hit]
    confidence: float
    decision: str
    generation: str | None

    @property
    def best(self) -> Hit | None:
        return self.hits[0] if self.hits else None


@dataclass
class _Candidate:
    unit: KbUnit
    document: KbDocument
    score: float


class Retriever:
    def __init__(self, kb: KnowledgeSettings | None = None, model: RankingModel | None = None) -> None:
        self.kb = kb or KnowledgeSettings.from_env()
        self.model = model or default_model()
        self.reader = IndexReader(self.kb.index_dir)
        self.sessions = session_factory(self.kb.db_url)
        self._entry_kinds: tuple[str | None, dict[int, str]] = (None, {})
        self._titles: dict[tuple[str | None, str], str | None] = {}

    @property
    def embedder(self):
        return get_embedder(self.kb.embedding_model, self.kb.query_threads)

    @property
    def answer_threshold(self) -> float:
        return self.kb.answer_threshold if self.kb.answer_threshold is not None else self.model.answer_threshold

    @property
    def suggest_threshold(self) -> float:
        return self.kb.suggest_threshold if self.kb.suggest_threshold is not None else self.model.suggest_threshold

    def _kinds(self, snapshot: Snapshot) -> dict[int, str]:
        """Entry id → kind for the current generation (read once per generation)."""
        generation, kinds = self._entry_kinds
        if generation != snapshot.generation:
            with self.sessions() as session:
                ids = [int(i) for i in snapshot.entry_ids]
                kinds = {}
                for start in range(0, len(ids), 5000):
                    rows = session.execute(
                        select(KbEntry.id, KbEntry.kind).where(KbEntry.id.in_(ids[start : start + 5000]))
                    )
                    kinds.update((entry_id, kind) for entry_id, kind in rows)
            self._entry_kinds = (snapshot.generation, kinds)
        return kinds

    def evidence(self, query: str, mode: str = HYBRID) -> tuple[Snapshot | None, QueryEvidence | None]:
        snapshot = self.reader.snapshot()
        text = normalize(query)
        if snapshot is None or not text:
            return snapshot, None
        vector = self.embedder.encode_query(text) if mode != LEXICAL else None
        tokens = tokenize(text) if mode != DENSE else []
        return snapshot, gather(snapshot, vector, tokens, self._kinds(snapshot))

    def candidate_rows(self, evidence: QueryEvidence) -> dict[int, tuple[KbUnit, KbDocument]]:
        return self._candidates(evidence.candidates())

    def _candidates(self, units: list[int]) -> dict[int, tuple[KbUnit, KbDocument]]:
        """The searchable units among `units`: a unit whose 施行 date has not come is left out
        until its day (read at each search, so it needs no publish at midnight)."""
        if not units:
            return {}
        today = china_today().isoformat()
        with self.sessions() as session:
            rows = session.execute(
                select(KbUnit, KbDocument)
                .join(KbDocument)
                .where(
                    KbUnit.id.in_(units),
                    KbUnit.status.in_(SEARCHABLE),
                    KbDocument.status == PUBLISHED,
                    or_(KbUnit.effective.is_(None), KbUnit.effective <= today),
                )
            )
            return {unit.id: (unit, document) for unit, document in rows}

    def scored(
        self,
        evidence: QueryEvidence,
        mode: str,
        service_code: str | None,
        rows: dict[int, tuple[KbUnit, KbDocument]] | None = None,
    ) -> list[_Candidate]:
        """Candidates ranked by `mode`; `rows` (from `candidate_rows`) spares the database
        when the same evidence is ranked many times, as in tuning."""
        rows = self.candidate_rows(evidence) if rows is None else rows
        scored = []
        for unit_id, (unit, document) in rows.items():
            model = self.model
            if mode == LEXICAL:
                score = evidence.lexical.get(unit_id, 0.0)
            else:
                lexical_weight = model.lexical_weight if mode == HYBRID else 0.0
                score = fused_score(
                    evidence, unit_id, model.question_offset, model.heading_offset, lexical_weight, model.whole_weight
                )
                if service_code and document.service_code == service_code:
                    score += SERVICE_BOOST
            scored.append(_Candidate(unit, document, score))
        scored.sort(key=lambda c: (-c.score, c.unit.id))
        return scored

    @staticmethod
    def confidence_features(evidence: QueryEvidence, scored: list[_Candidate]) -> list[float]:
        second = scored[1].score if len(scored) > 1 else scored[0].score - 0.1
        return query_features(evidence, scored[0].score, second)

    def confidence(self, evidence: QueryEvidence, scored: list[_Candidate], mode: str) -> float:
        """Probability that the top answer is right (hybrid mode; the others are for comparison)."""
        if not scored:
            return 0.0
        if mode != HYBRID:
            return 1.0
        return self.model.confidence.probability(self.confidence_features(evidence, scored))

    def decide(self, confidence: float) -> str:
        if confidence >= self.answer_threshold:
            return ANSWER
        if confidence >= self.suggest_threshold:
            return SUGGEST
        return ABSTAIN

    def search(
        self, query: str, k: int = 5, service_code: str | None = None, mode: str = HYBRID, follow_up: bool = False
    ) -> SearchResult:
        """The best units for `query`. With the 一件事 the conversation is about, the question
        is also read in that context (「需要什么材料」 → 「企业注销登记一件事 需要什么材料」) when it
        cannot be answered on its own; a question clear by itself (「孩子上学要什么条件」 in the
        middle of a company's deregistration) keeps its own answer. A `follow_up` (a question
        that names nothing but a side of the topic: 「窗口在哪里 几点上班」) is read in context
        unless that reading is much less sure, so a grandmother in a newborn conversation is
        sent to the newborn counter, not to the freight-transport one."""
        result = self._search(query, k, service_code, mode)
        title = self._service_title(service_code) if service_code and mode == HYBRID else None
        if not title or title in normalize(query):
            return result
        own_guide = result.best is not None and result.best.service_code == service_code
        if result.decision == ANSWER and (own_guide or not follow_up):
            return result
        in_context = self._search(f"{title} {query}", k, service_code, mode, in_context=True)
        margin = CONTEXT_MARGIN if follow_up and not own_guide else 0.0
        if in_context.hits and in_context.confidence + margin >= result.confidence:
            return SearchResult(
                query, in_context.hits, in_context.confidence, in_context.decision, in_context.generation
            )
        return result

    def _search(
        self, query: str, k: int, service_code: str | None, mode: str, in_context: bool = False
    ) -> SearchResult:
        snapshot, evidence = self.evidence(query, mode)
        generation = snapshot.generation if snapshot else None
        if evidence is None:
            return SearchResult(query, [], 0.0, ABSTAIN, generation)
        scored = self.scored(evidence, mode, service_code)
        if in_context or not _ASKS_FOR_LAWS.search(query):  # a list of laws answers no practical question
            scored = [c for c in scored if c.unit.section not in REFERENCE_SECTIONS]
        confidence = self.confidence(evidence, scored, mode)
        hits = [_hit(c.unit, c.document, c.score) for c in scored[:k]]
        return SearchResult(query, hits, confidence, self.decide(confidence) if hits else ABSTAIN, generation)

    def _service_title(self, service_code: str) -> str | None:
        """The published guide's title, read once per index generation (a publish may rename it)."""
        generation = current_generation(self.kb.index_dir)
        key = (generation, service_code)
        if key not in self._titles:
            with self.sessions() as session:
                title = session.scalar(
                    select(KbDocument.title).where(
                        KbDocument.service_code == service_code, KbDocument.status == PUBLISHED
                    )
                )
            self._titles = {k: v for k, v in self._titles.items() if k[0] == generation} | {key: title}
        return self._titles[key]

    def unit(self, unit_id: int) -> Hit | None:
        """One unit by id (the "您想问的是…" buttons carry it), if it is still searchable."""
        row = self._candidates([unit_id]).get(unit_id)
        return _hit(row[0], row[1], 1.0) if row else None


def china_today() -> date:
    return datetime.now(CHINA).date()


def expired_on(unit: KbUnit, document: KbDocument, today: date | None = None) -> str | None:
    """The unit's last valid day if it has passed (by the scheduler's mark or by the date
    itself, so a rule stops being quoted at midnight even before the scheduler runs)."""
    last = unit.expires or document.expires
    day = (today or china_today()).isoformat()
    if unit.status == EXPIRED or (last and last < day):
        return last or day
    return None


def _hit(unit: KbUnit, document: KbDocument, score: float) -> Hit:
    return Hit(
        unit_id=unit.id,
        score=score,
        title=document.title,
        section=unit.section,
        heading_path=tuple(unit.heading_path),
        kind=unit.kind,
        text=unit.text,
        updated=document.updated,
        service_code=document.service_code,
        source=document.source,
        edition=document.version if document.origin == WORKBENCH else None,
        expired_on=expired_on(unit, document),
    )


@made_once(maxsize=4)
def get_retriever(db_url: str | None = None) -> Retriever:
    return Retriever(KnowledgeSettings.from_env(db_url))

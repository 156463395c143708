"""The unanswered queue (未答问题): what citizens asked that the knowledge base could not answer
well, grouped so that an editor deals with a need once, not with each way of asking it.

Rows come from `bot.knowledge.answering.record_unanswered` (abstentions, low-confidence
suggestions, fallbacks, out-of-scope turns, expired rules, an unavailable index) and from a
差评 of the bot's answers (`record_bad_rating`), always masked. Each question is embedded once,
with the knowledge base's own encoder, and the vector kept on its row.

Open rows are clustered by meaning: agglomerative clustering on cosine distance with average
linkage, cut at `DISTANCE_THRESHOLD` (chosen on eval/unanswered_dev.yml, measured on
eval/unanswered_seed.yml: `make eval-unanswered`). Masked bits, punctuation, courtesy words and
traditional characters are taken out before embedding, so 「請問護照過期了怎麼辦？」 and 「护照过期了怎么办」
are one point. A cluster is named by its smallest row id and shown by its medoid question.

What an editor does with a cluster, for all its rows at once:
- `to_faq`: a draft revision (through the workbench, so it is reviewed before citizens see it)
  adding a `### 问：` entry to the document of the nearest unit — or to a document the editor
  names, or to a new one — with the nearest unit's text as the proposed answer and the cluster's
  other questions as its linked questions;
- `route`: sent to the owning department with a due date (a China date, not in the past);
- `dismiss`: set aside, with a reason;
- `reopen`: back to the open queue.
Handled rows are listed by the action that handled them (routed ones with their overdue flag).
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.catalogue import load_catalogue
from bot.db import as_utc, session_factory
from bot.editing.revisions import EDITOR, REVIEWER, RevisionError
from bot.editing.workbench import Workbench
from bot.knowledge.config import KnowledgeSettings
from bot.knowledge.embedder import QUERY, Embedder, get_embedder
from bot.knowledge.retriever import Hit, Retriever, china_today, get_retriever
from bot.knowledge.store import KbUnanswered
from bot.language.text import normalize
from bot.privacy import mask_text
from bot.staff.accounts import StaffUser
from bot.tickets import HALL_DEPARTMENT
from bot.working_days import CHINA

log = logging.getLogger(__name__)

OPEN, FAQ, ROUTED, DISMISSED = "open", "faq", "routed", "dismissed"
STATE_NAMES = {OPEN: "待处理", FAQ: "已转为常见问题", ROUTED: "已转交部门", DISMISSED: "不予处理"}
BAD_RATING = "bad_rating"
OUTCOME_NAMES = {
    "abstain": "没有找到答案",
    "suggest": "把握不大，给了候选问题",
    "fallback": "没有听懂",
    "out_of_scope": "不在服务范围",
    "expired": "规定已过有效期",
    "unavailable": "知识库暂不可用",
    BAD_RATING: "答复被差评",
}
DISTANCE_THRESHOLD = 0.085
"""Cosine distance at which two groups of questions stop being merged (average linkage). Chosen
on eval/unanswered_dev.yml; on the seed list it gives the figures in the README's table."""
TREND_DAYS = 14
MAX_CLUSTERED = 2000
"""The most recent rows clustered at once: average linkage needs the pairwise distances, and a
queue larger than this is worked from its newest end."""
RELATED_DISTANCE = 0.12
"""Clusters nearer than this (average linkage) are shown as related, for the editor to take
together: at 0.12 on the development set almost no gold group is split (completeness 0.99), so
such clusters are mostly one need asked in other words, or a neighbouring need."""
RELATED = 3
MAX_ACTION_ROWS = 2000
EXAMPLES = 30
"""Distinct questions shown per cluster, most frequent first."""
MAX_PHRASINGS = 30
"""Linked questions a new FAQ takes from its cluster (the rest are near repeats)."""
FAQ_PREFIX = "问："
FAQ_SECTION = "常见问题"
ANSWER_PLACEHOLDER = "（请在这里写明答案，并核对政策依据后再提交审核。）"
"""The proposed answer when no unit of the knowledge base is near the question."""
MAX_NOTE = 500

_MASKED = re.compile(r"(?:[0-9A-Za-z]*|[\u4e00-\u9fff])\*+[0-9A-Za-z]*")
"""What `bot.privacy.mask_text` leaves of a number or a name (138****5678, 王*)."""
_COURTESY = re.compile(r"^(?:你好|您好|请问|麻烦问一下|麻烦问下|想问一下|想问下|问一下|咨询一下)+|(?:谢谢了?|多谢)+$")
_SECTION_HEADING = re.compile(rf"^##\s+.*{FAQ_SECTION}")
_TOP_HEADING = re.compile(r"^#{1,2}\s")
_SOURCE_LINE = re.compile(r"\n来源：(.+)$")
"""The last line of every answer from the guides (`bot.knowledge.words.with_source`)."""


# --------------------------------------------------------------------------- clustering


def clean(question: str) -> str:
    """The words that carry the need: normalised (simplified, half-width), without masked
    numbers and names, punctuation, symbols and courtesies. Used for embedding and to count
    identical questions once."""
    text = _MASKED.sub(" ", normalize(question))
    text = "".join(" " if unicodedata.category(ch)[0] in "PSZ" else ch for ch in text)
    text = " ".join(text.split())
    return _COURTESY.sub("", text).strip() or text


def embed(questions: list[str], embedder: Embedder) -> np.ndarray:
    """Unit vectors of the cleaned questions, encoded as queries (as the retriever does)."""
    return embedder.encode([clean(q) for q in questions], QUERY, batch_size=64)


def cluster_labels(vectors: np.ndarray, threshold: float = DISTANCE_THRESHOLD) -> np.ndarray:
    """A cluster number for each vector (unit length): average linkage on cosine distance,
    merging while the groups are closer than `threshold`."""
    if len(vectors) < 2:
        return np.zeros(len(vectors), dtype=int)
    from sklearn.cluster import AgglomerativeClustering

    model = AgglomerativeClustering(n_clusters=None, metric="cosine", linkage="average", distance_threshold=threshold)
    return model.fit_predict(vectors)


def group_questions(keys: list[str], vectors: np.ndarray, threshold: float = DISTANCE_THRESHOLD) -> list[int]:
    """Cluster numbers per question; questions with the same cleaned text (`keys`) are one
    point, so a question asked a hundred times does not outweigh its paraphrases."""
    first: dict[str, int] = {}
    for index, key in enumerate(keys):
        first.setdefault(key, index)
    distinct = list(first.values())
    labels = cluster_labels(vectors[distinct], threshold) if distinct else np.zeros(0, dtype=int)
    by_key = {keys[i]: int(label) for i, label in zip(distinct, labels, strict=True)}
    return [by_key[key] for key in keys]


def related(groups: list[np.ndarray]) -> list[list[int]]:
    """For each group of vectors, the (at most `RELATED`) other groups nearer than
    `RELATED_DISTANCE`, nearest first. The average-linkage distance of two groups is one minus
    the dot product of their mean vectors."""
    if len(groups) < 2:
        return [[] for _ in groups]
    means = np.vstack([g.mean(axis=0) for g in groups])
    distance = 1.0 - means @ means.T
    np.fill_diagonal(distance, np.inf)
    out = []
    for row in distance:
        order = np.argsort(row, kind="stable")[:RELATED]
        out.append([int(i) for i in order if row[i] < RELATED_DISTANCE])
    return out


def medoid(texts: list[str], vectors: np.ndarray) -> int:
    """The index of the question closest to all the others (each asked question counts): the
    cluster's representative. A question without masked bits is preferred."""
    similarity = (vectors @ vectors.T).sum(axis=1)
    readable = np.array(["*" not in t for t in texts])
    if readable.any():
        similarity = np.where(readable, similarity, -np.inf)
    return int(np.argmax(similarity))


# --------------------------------------------------------------------------- the queue


@dataclass(frozen=True)
class QueueFilter:
    state: str = OPEN
    outcome: str | None = None
    days: int | None = None
    """Only questions asked in the last `days` China days (today included)."""


def china_day(moment: datetime) -> date:
    return as_utc(moment).astimezone(CHINA).date()


def _vector(row: KbUnanswered, dimension: int) -> np.ndarray | None:
    if row.vector is None or len(row.vector) != dimension * 4:
        return None  # never made, or made by a model of another size
    return np.frombuffer(row.vector, dtype=np.float32)


class UnansweredQueue:
    def __init__(
        self,
        workbench: Workbench | None = None,
        retriever: Retriever | None = None,
        threshold: float = DISTANCE_THRESHOLD,
    ) -> None:
        self.bench = workbench or Workbench()
        self.kb = self.bench.kb
        self._retriever = retriever
        self.threshold = threshold
        self.sessions = session_factory(self.kb.db_url)

    @property
    def embedder(self) -> Embedder:
        return get_embedder(self.kb.embedding_model, self.kb.query_threads)

    @property
    def retriever(self) -> Retriever:
        return self._retriever or get_retriever(self.kb.db_url)

    @contextmanager
    def _session(self) -> Iterator[Session]:
        with self.sessions() as session, session.begin():
            yield session

    # ----------------------------------------------------------------- reading

    def clusters(self, wanted: QueueFilter | None = None, today: date | None = None) -> dict:
        """The queue as the editors' page shows it: open questions clustered by meaning, sorted
        by count then recency; handled ones grouped by the action that handled them."""
        wanted = wanted or QueueFilter()
        today = today or china_today()
        with self._session() as session:
            rows = self._rows(session, wanted, today)
            vectors = self._vectors(session, rows)
            counts = dict(session.execute(select(KbUnanswered.state, func.count()).group_by(KbUnanswered.state)).all())
        if wanted.state == OPEN:
            keys = [clean(r.question) for r in rows]
            labels = group_questions(keys, vectors, self.threshold)
            members: dict[int, list[int]] = {}
            for index, label in enumerate(labels):
                members.setdefault(label, []).append(index)
            groups = list(members.values())
        else:
            batches: dict[tuple, list[int]] = {}
            for index, row in enumerate(rows):
                batches.setdefault(_batch_key(row), []).append(index)
            groups = list(batches.values())
        found = [_summary([rows[i] for i in g], vectors[g], today) for g in groups]
        if wanted.state == OPEN:
            for cluster, near in zip(found, related([vectors[g] for g in groups]), strict=True):
                cluster["related"] = [found[i]["id"] for i in near]
            found.sort(key=lambda c: (c["count"], c["last_seen"]), reverse=True)
        elif wanted.state == ROUTED:
            found.sort(key=lambda c: (not c["overdue"], c["due_date"] or "", -c["count"]))
        else:
            found.sort(key=lambda c: c["handled_at"] or "", reverse=True)
        return {
            "clusters": found,
            "days": [(today - timedelta(days=TREND_DAYS - 1 - i)).isoformat() for i in range(TREND_DAYS)],
            "questions": len(rows),
            "truncated": len(rows) >= MAX_CLUSTERED,
            "counts": {state: counts.get(state, 0) for state in STATE_NAMES},
            "states": STATE_NAMES,
            "outcomes": OUTCOME_NAMES,
        }

    def _rows(self, session: Session, wanted: QueueFilter, today: date) -> list[KbUnanswered]:
        query = (
            select(KbUnanswered)
            .where(KbUnanswered.state == wanted.state)
            .order_by(KbUnanswered.id.desc())
            .limit(MAX_CLUSTERED)
        )
        if wanted.outcome:
            query = query.where(KbUnanswered.outcome == wanted.outcome)
        if wanted.days:
            start = datetime.combine(today - timedelta(days=wanted.days - 1), datetime.min.time(), CHINA)
            query = query.where(KbUnanswered.created_at >= start.astimezone(timezone.utc))
        return list(session.scalars(query))

    def _vectors(self, session: Session, rows: list[KbUnanswered]) -> np.ndarray:
        """The rows' vectors, encoding (once, and stored) those not made yet."""
        embedder = self.embedder
        found = [_vector(row, embedder.dimension) for row in rows]
        missing = [i for i, v in enumerate(found) if v is None]
        if missing:
            made = embed([rows[i].question for i in missing], embedder)
            for i, vector in zip(missing, made, strict=True):
                rows[i].vector = vector.astype(np.float32).tobytes()
                found[i] = vector
        if not found:
            return np.zeros((0, embedder.dimension), dtype=np.float32)
        return np.vstack(found).astype(np.float32)

    def departments(self) -> list[str]:
        """Where a cluster may be routed: the departments named by the documents and by the
        catalogue's 一件事, and the service centre."""
        names = set(self.bench.departments()) | {HALL_DEPARTMENT}
        for item in load_catalogue().values():
            names.update(d for d in (item.lead_department, *item.cooperating_departments) if d)
        return sorted(names)

    # ----------------------------------------------------------------- actions

    def _claim(self, session: Session, row_ids: Iterable[int], states: tuple[str, ...]) -> list[KbUnanswered]:
        ids = sorted({int(i) for i in row_ids})
        if not ids:
            raise RevisionError("no_rows", "请先选择要处理的问题。")
        if len(ids) > MAX_ACTION_ROWS:
            raise RevisionError("too_many", f"一次最多处理 {MAX_ACTION_ROWS} 条问题。")
        rows = list(session.scalars(select(KbUnanswered).where(KbUnanswered.id.in_(ids))))
        if len(rows) != len(ids):
            raise RevisionError("not_found", "部分问题已不存在，请刷新后重试。")
        if any(row.state not in states for row in rows):
            raise RevisionError("moved", "部分问题已由其他同事处理过了，请刷新后重试。")
        return rows

    def _handle(self, user: StaffUser, row_ids: Iterable[int], states: tuple[str, ...], **values: object) -> dict:
        _require(user, EDITOR, REVIEWER)
        now = datetime.now(timezone.utc)
        with self._session() as session:
            rows = self._claim(session, row_ids, states)
            for row in rows:
                for name, value in values.items():
                    setattr(row, name, value)
                if values.get("state") != OPEN:
                    row.handled_by, row.handled_at = user.username, now
            return {"rows": [row.id for row in rows], "state": values["state"]}

    def route(self, user: StaffUser, row_ids: Iterable[int], department: str, due_date: str, note: str = "") -> dict:
        """Sends the questions to the department that owns the answer, to be answered by `due_date`."""
        department = (department or "").strip()
        if department not in self.departments():
            raise RevisionError("bad_department", "请从列表中选择承办部门。")
        try:
            due = date.fromisoformat(str(due_date or "").strip())
        except ValueError as error:
            raise RevisionError("bad_date", "办理期限应为 2027-01-01 这样的日期。") from error
        if due < china_today():
            raise RevisionError("bad_date", "办理期限不能早于今天。")
        text = mask_text((note or "").strip())[:MAX_NOTE] or None
        return self._handle(
            user, row_ids, (OPEN,), state=ROUTED, department=department, due_date=due.isoformat(), note=text
        )

    def dismiss(self, user: StaffUser, row_ids: Iterable[int], reason: str) -> dict:
        """Sets the questions aside; the reason is required, so the next editor knows why."""
        text = mask_text((reason or "").strip())[:MAX_NOTE]
        if not text:
            raise RevisionError("reason", "请写明不予处理的原因。")
        return self._handle(user, row_ids, (OPEN,), state=DISMISSED, note=text)

    def reopen(self, user: StaffUser, row_ids: Iterable[int]) -> dict:
        """Back to the open queue (a routing that came to nothing, a dismissal by mistake)."""
        return self._handle(
            user,
            row_ids,
            (FAQ, ROUTED, DISMISSED),
            state=OPEN,
            handled_by=None,
            handled_at=None,
            note=None,
            department=None,
            due_date=None,
            revision_id=None,
        )

    def to_faq(
        self, user: StaffUser, row_ids: Iterable[int], source: str | None = None, title: str | None = None
    ) -> dict:
        """A draft FAQ for the questions, for review: in `source`, or a new document called
        `title`, or else the document of the unit nearest to the questions (a new document when
        none is near). The nearest unit's text is the proposed answer, for the editor to correct."""
        _require(user, EDITOR)
        with self._session() as session:
            rows = self._claim(session, row_ids, (OPEN,))
            questions = [r.question for r in rows]
            vectors = self._vectors(session, rows)
        representative, others = _faq_questions(questions, vectors)
        hits = self.retriever.search(representative, k=5).hits
        answer = hits[0].text if hits else ANSWER_PLACEHOLDER
        title = (title or "").strip()[:80]
        if not source and not title and hits:
            source = hits[0].source
        if source:
            body, phrasings = self._current_text(user, source)
        else:
            source, phrasings = None, {}
            body = _new_document(title or f"{FAQ_SECTION}：{representative[:40]}", china_today())
        heading = FAQ_PREFIX + representative
        if f"### {heading}" not in body.splitlines():
            body = add_faq(body, representative, answer)
        phrasings = merge_phrasings(phrasings, heading, others)
        note = f"由未答问题转为常见问题（{len(rows)} 条群众提问）"
        revision = self.bench.save(user, source, body, phrasings, note)
        self._handle(user, [r.id for r in rows], (OPEN,), state=FAQ, revision_id=revision["id"])
        return {
            "revision": revision,
            "source": revision["target"],
            "question": representative,
            "phrasings": phrasings.get(heading, []),
            "nearest": [_nearest_json(h) for h in hits],
            "rows": len(rows),
        }

    def _current_text(self, user: StaffUser, source: str) -> tuple[str, dict[str, list[str]]]:
        """The text a FAQ is added to: the editor's own open draft of the document if there is
        one (their work is kept), else the published text."""
        found = self.bench.document(source)
        if found is None:
            raise RevisionError("not_found", "没有找到这份文档。")
        revision = found.get("revision")
        if revision and revision["author"] == user.username and not revision.get("retire"):
            return revision["body"], dict((revision.get("data") or {}).get("phrasings") or {})
        if found.get("text") is None:
            raise RevisionError("not_found", "这份文档还没有发布过的内容。")
        return found["text"]["body"], dict(found["text"]["phrasings"] or {})


def _require(user: StaffUser, *roles: str) -> None:
    if not user.has(*roles):
        raise RevisionError("forbidden", "处理未答问题需要内容编辑或内容审核权限。")


def _batch_key(row: KbUnanswered) -> tuple:
    handled = as_utc(row.handled_at).isoformat() if row.handled_at else ""
    return (row.handled_by, handled, row.department, row.due_date, row.note, row.revision_id)


def _summary(rows: list[KbUnanswered], vectors: np.ndarray, today: date) -> dict:
    """One cluster (or handled batch) as the page shows it."""
    days = [china_day(r.created_at) for r in rows]
    first_day = today - timedelta(days=TREND_DAYS - 1)
    trend = [0] * TREND_DAYS
    for day in days:
        if first_day <= day <= today:
            trend[(day - first_day).days] += 1
    week_ago, two_weeks_ago = today - timedelta(days=7), today - timedelta(days=14)
    texts = [normalize(r.question) for r in rows]
    asked = Counter(texts)
    centre = rows[medoid(texts, vectors)]
    citations = Counter(r.best_citation for r in rows if r.best_citation)
    seen = sorted(as_utc(r.created_at) for r in rows)
    head = rows[0]
    due = head.due_date
    return {
        "id": min(r.id for r in rows),
        "rows": sorted(r.id for r in rows),
        "count": len(rows),
        "representative": normalize(centre.question),
        "questions": [{"text": t, "count": n} for t, n in asked.most_common(EXAMPLES)],
        "distinct": len(asked),
        "outcomes": dict(Counter(r.outcome for r in rows).most_common()),
        "channels": dict(Counter(r.channel or "unknown" for r in rows).most_common()),
        "service_items": dict(Counter(r.service_item for r in rows if r.service_item).most_common()),
        "best_citation": citations.most_common(1)[0][0] if citations else None,
        "first_seen": seen[0].isoformat(),
        "last_seen": seen[-1].isoformat(),
        "trend": trend,
        "this_week": sum(1 for d in days if d > week_ago),
        "last_week": sum(1 for d in days if two_weeks_ago < d <= week_ago),
        "state": head.state,
        "handled_by": head.handled_by,
        "handled_at": as_utc(head.handled_at).isoformat() if head.handled_at else None,
        "note": head.note,
        "department": head.department,
        "due_date": due,
        "overdue": bool(head.state == ROUTED and due and due < today.isoformat()),
        "revision_id": head.revision_id,
        "related": [],
    }


def _faq_questions(questions: list[str], vectors: np.ndarray) -> tuple[str, list[str]]:
    """The FAQ's question (the cluster's medoid) and its linked questions (the others, once
    each, without masked bits, most asked first)."""
    texts = [normalize(q).strip() for q in questions]
    representative = texts[medoid(texts, vectors)]
    others = [t for t, _n in Counter(texts).most_common() if t != representative and "*" not in t]
    return representative, others[:MAX_PHRASINGS]


def _new_document(title: str, today: date) -> str:
    return f"---\ntitle: {title}\nupdated: {today.isoformat()}\n---\n\n# {title}\n\n## {FAQ_SECTION}\n"


def add_faq(body: str, question: str, answer: str) -> str:
    """`body` with a `### 问：question` entry at the end of its 常见问题 section (a section
    whose level-2 heading names 常见问题), or in a new such section at the end."""
    lines = body.rstrip("\n").split("\n")
    entry = ["", f"### {FAQ_PREFIX}{question}", "", *answer.strip().split("\n")]
    start = next((i for i, line in enumerate(lines) if _SECTION_HEADING.match(line)), None)
    if start is None:
        return "\n".join([*lines, "", f"## {FAQ_SECTION}", *entry]) + "\n"
    end = next((i for i in range(start + 1, len(lines)) if _TOP_HEADING.match(lines[i])), len(lines))
    cut = end
    while cut > start + 1 and not lines[cut - 1].strip():
        cut -= 1
    after = ["", *lines[end:]] if end < len(lines) else []
    return "\n".join([*lines[:cut], *entry, *after]) + "\n"


def merge_phrasings(phrasings: dict[str, list[str]], heading: str, questions: list[str]) -> dict[str, list[str]]:
    """The document's linked questions with `questions` added under `heading` (each once)."""
    merged = {k: list(v) for k, v in phrasings.items()}
    current = merged.setdefault(heading, [])
    current += [q for q in questions if q not in current and q != heading.removeprefix(FAQ_PREFIX)]
    if not current:
        del merged[heading]
    return merged


def _nearest_json(hit: Hit) -> dict:
    return {
        "unit_id": hit.unit_id,
        "source": hit.source,
        "title": hit.title,
        "section": hit.section,
        "citation": hit.citation,
        "score": round(hit.score, 4),
        "text": hit.text,
    }


# --------------------------------------------------------------------------- 差评 of answers


def rated_question(events: list[dict]) -> tuple[str, str | None] | None:
    """The question behind the last answer from the guides in the conversation's session, and
    that answer's citation: what a 差评 of "the bot's answers in this session" is about. A
    suggestion button's payload (/ask_question{…}) is passed over for the words typed before it."""
    citation: str | None = None
    answered = False
    for event in reversed(events):
        kind = event.get("event")
        if kind == "session_started":
            return None
        text = event.get("text") or ""
        if not answered and kind == "bot" and (source := _SOURCE_LINE.search(text)):
            answered, citation = True, source.group(1).strip()
        elif answered and kind == "user" and text.strip() and not text.startswith("/"):
            return text.strip(), citation
    return None


def record_bad_rating(
    events: list[dict], service_item: str | None, channel: str | None, db_url: str | None = None
) -> bool:
    """A 不满意/非常不满意 of the bot's answers puts the question that was answered (masked) in
    the queue, as outcome "bad_rating"; never lets a failure reach the citizen."""
    try:
        found = rated_question(events)
        if found is None:
            return False
        question, citation = found
        row = KbUnanswered(
            question=mask_text(question)[:1000],
            outcome=BAD_RATING,
            confidence=0.0,
            service_item=service_item,
            best_citation=(citation or "")[:500] or None,
            channel=(channel or "")[:32] or None,
        )
        with session_factory(db_url or KnowledgeSettings.from_env().db_url)() as session, session.begin():
            session.add(row)
        return True
    except Exception:  # the citizen's rating is stored already; this record is for the editors
        log.exception("could not record a badly rated answer")
        return False

"""Hit testing (命中测试): what the assistant would answer, before and after a change.

One question shows the ranked units with their scores, the decision (answer, suggest,
abstain) and the reply the citizen would read. A question list (CSV, or the YAML of
`eval/kb_questions.yml`) gives Recall@1/@5, MRR and abstentions against the published index —
the same figures as `kb eval` — and, for a draft, against a staged copy of the knowledge base
with the draft applied, with the questions it would break or fix. The staged copy is a
temporary SQLite database and index: the published one is never touched.
"""

from __future__ import annotations

import csv
import io
import math
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import yaml
from sqlalchemy import insert, select

from bot.db import get_engine, session_factory
from bot.editing import documents
from bot.editing.revisions import ContentRevision, RevisionError
from bot.knowledge.answering import reply_to
from bot.knowledge.config import KnowledgeSettings
from bot.knowledge.evaluation import EvalSet, Question, evaluate
from bot.knowledge.importer import (
    Authorship,
    ImportReport,
    apply_document,
    embed_missing,
    publish_index,
    retire_document,
)
from bot.knowledge.retriever import Retriever
from bot.knowledge.store import PUBLISHED, SEARCHABLE, WORKBENCH, KbDocument, KbEntry, KbMeta, KbUnit

TOP_K = 10
MAX_QUESTIONS = 2000


def single(retriever: Retriever, question: str, service_code: str | None = None) -> dict:
    result = retriever.search(question, k=TOP_K, service_code=service_code)
    reply = reply_to(result, question)
    return {
        "question": question,
        "decision": reply.decision,
        "confidence": round(result.confidence, 4),
        "answer_threshold": round(retriever.answer_threshold, 4),
        "suggest_threshold": round(retriever.suggest_threshold, 4),
        "reply": [{"text": r.text, "buttons": [b.title for b in r.buttons]} for r in reply.replies],
        "hits": [hit.as_dict() for hit in result.hits],
        "generation": result.generation,
    }


# --------------------------------------------------------------------------- question lists


def read_questions(filename: str, data: bytes) -> EvalSet:
    """A CSV (question, doc, section; a row without doc is a question the knowledge base
    should not answer) or the YAML of `eval/kb_questions.yml`. Chinese headers are read too."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("gb18030")
        except UnicodeDecodeError as error:
            raise RevisionError("encoding", "问题清单应为 UTF-8 或 GB18030 编码的 CSV 或 YAML 文件。") from error
    if filename.lower().endswith((".yml", ".yaml")):
        return _yaml_questions(text)
    return _csv_questions(text)


def _yaml_questions(text: str) -> EvalSet:
    try:
        data = yaml.safe_load(text) or {}
        questions = [
            Question(
                str(item["q"]),
                str(item["doc"]),
                tuple(item["section"] if isinstance(item["section"], list) else [item["section"]]),
            )
            for item in data.get("questions") or []
        ]
        outside = [str(q) for q in data.get("out_of_kb") or []]
    except (yaml.YAMLError, KeyError, TypeError, AttributeError) as error:
        raise RevisionError("format", "YAML 问题清单应有 questions（q、doc、section）和可选的 out_of_kb。") from error
    return _bounded(EvalSet(questions, outside))


HEADERS = {
    "question": ("question", "问题", "q"),
    "doc": ("doc", "文档", "指南"),
    "section": ("section", "章节", "标题"),
}


def _csv_questions(text: str) -> EvalSet:
    rows = list(csv.reader(io.StringIO(text)))
    if not rows:
        raise RevisionError("empty", "问题清单是空的。")
    header = [cell.strip().lower() for cell in rows[0]]
    columns = {key: next((header.index(n) for n in names if n in header), None) for key, names in HEADERS.items()}
    if columns["question"] is None:
        raise RevisionError("format", "CSV 第一行应为列名：question（或 问题）、doc（文档）、section（章节）。")

    def cell(row: list[str], key: str) -> str:
        index = columns[key]
        return row[index].strip() if index is not None and index < len(row) else ""

    questions, outside = [], []
    for row in rows[1:]:
        question = cell(row, "question")
        if not question:
            continue
        doc = Path(cell(row, "doc").split("#", 1)[0]).stem
        section = cell(row, "section")
        if doc and section:
            questions.append(Question(question, doc, tuple(s.strip() for s in section.split("|"))))
        else:
            outside.append(question)
    return _bounded(EvalSet(questions, outside))


def _bounded(eval_set: EvalSet) -> EvalSet:
    total = len(eval_set.questions) + len(eval_set.out_of_kb)
    if not total:
        raise RevisionError("empty", "问题清单里没有问题。")
    if total > MAX_QUESTIONS:
        raise RevisionError("too_many", f"一次最多测试 {MAX_QUESTIONS} 个问题（本清单 {total} 个）。")
    return eval_set


# --------------------------------------------------------------------------- bulk


def _figures(retriever: Retriever, eval_set: EvalSet) -> tuple[list[dict], dict[str, int | None]]:
    """The three modes' figures, and each question's hybrid rank of its right unit."""
    scores = evaluate(retriever, eval_set)
    ranks = {q.text: rank for q, rank in zip(eval_set.questions, scores[-1].ranks)}
    return [_no_nan(s.as_dict()) | {"misses": len(s.misses)} for s in scores], ranks


def _no_nan(figures: dict) -> dict:
    """A figure with nothing to count (`kb eval` prints nan) as null: NaN is not JSON."""
    return {k: None if isinstance(v, float) and math.isnan(v) else v for k, v in figures.items()}


def bulk(retriever: Retriever, eval_set: EvalSet, draft: ContentRevision | None = None) -> dict:
    """Figures on the published index, and with `draft` applied when given."""
    published, before = _figures(retriever, eval_set)
    out = {
        "questions": len(eval_set.questions),
        "out_of_kb": len(eval_set.out_of_kb),
        "published": published,
        "missed": sorted(q for q, rank in before.items() if rank != 1),
    }
    if draft is None:
        return out
    with staged(retriever.kb, draft) as staged_retriever:
        staged_retriever.model = retriever.model
        with_draft, after = _figures(staged_retriever, eval_set)
    return out | {
        "draft": draft.id,
        "with_draft": with_draft,
        "broken": [q for q in before if _worse(before[q], after[q])],
        "fixed": [q for q in before if _worse(after[q], before[q])],
    }


def _worse(old: int | None, new: int | None) -> bool:
    """The right unit fell in the ranking (or out of the top five)."""
    return old is not None and (new is None or new > old)


@contextmanager
def staged(kb: KnowledgeSettings, draft: ContentRevision) -> Iterator[Retriever]:
    """A retriever over a copy of the published knowledge base with `draft` applied."""
    with tempfile.TemporaryDirectory(prefix="banshi-staged-") as folder:
        url = f"sqlite:///{Path(folder) / 'staged.db'}"
        staged_kb = replace(kb, db_url=url, index_dir=Path(folder) / "index", warm_up=False)
        _copy_published(kb.db_url, url)
        with session_factory(url)() as session, session.begin():
            report = ImportReport()
            document = documents.find(session, draft.target)
            if draft.data.get("retire"):
                if document is not None:
                    retire_document(document)
            else:
                source = documents.parse(draft.target, draft.body, draft.data.get("phrasings") or {})
                apply_document(session, source, PUBLISHED, report, Authorship(WORKBENCH, draft.author, draft.id))
            session.flush()
            embed_missing(session, staged_kb)
            session.flush()
            publish_index(session, staged_kb, force_rebuild=True)
        try:
            yield Retriever(staged_kb)
        finally:
            get_engine(url).dispose()


def _copy_published(source_url: str, target_url: str) -> None:
    """The published documents, their searchable units and entries (with vectors) and the
    model's signature, so only the draft's new units are encoded."""
    source, target = get_engine(source_url), get_engine(target_url)
    with source.connect() as read, target.begin() as write:
        published = select(KbDocument.id).where(KbDocument.status == PUBLISHED)
        queries = {
            KbDocument: select(KbDocument.__table__).where(KbDocument.status == PUBLISHED),
            KbUnit: select(KbUnit.__table__).where(KbUnit.status.in_(SEARCHABLE), KbUnit.document_id.in_(published)),
            KbEntry: select(KbEntry.__table__).where(
                KbEntry.unit_id.in_(
                    select(KbUnit.id).where(KbUnit.status.in_(SEARCHABLE), KbUnit.document_id.in_(published))
                )
            ),
            KbMeta: select(KbMeta.__table__),
        }
        for model, query in queries.items():
            rows = [dict(row) for row in read.execute(query).mappings()]
            if rows:
                write.execute(insert(model.__table__), rows)

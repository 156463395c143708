"""Importing sources into the store and publishing the index: idempotent, one writer.

An unchanged file changes nothing. A changed file becomes a new version of its document: units
whose place and words are unchanged keep their ids and vectors, new ones are added, vanished
ones retired. A file that disappeared from an imported folder retires its document. Retired
units leave the index in the same publish, so no search ever returns a stale answer.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from bot.db import session_factory
from bot.knowledge import index as index_files
from bot.knowledge.config import KnowledgeSettings
from bot.knowledge.embedder import PASSAGE, QUERY, get_embedder, limit_threads
from bot.knowledge.sources import (
    FAQ_PREFIX,
    GUIDE_SUFFIXES,
    SECTION_HINTS,
    SKIPPED_FILES,
    TABLE_SUFFIXES,
    SourceDocument,
    SourceError,
    SourceUnit,
    load_phrasings,
    read_guide,
    read_table,
    sentences,
)
from bot.knowledge.store import (
    ACTIVE,
    DRAFT,
    FAQ,
    FILE,
    HEADING,
    PASSAGE_KINDS,
    PHRASING,
    PUBLISHED,
    QUESTION,
    RETIRED,
    SEARCHABLE,
    SENTENCE,
    WHOLE,
    WORKBENCH,
    KbDocument,
    KbDocumentVersion,
    KbEntry,
    KbMeta,
    KbUnit,
)
from bot.knowledge.tokens import tokenize
from bot.settings import settings

MODEL_KEY = "embedding_model"
ENCODE_BATCH = 64


@dataclass
class ImportReport:
    documents_added: int = 0
    documents_changed: int = 0
    documents_unchanged: int = 0
    documents_retired: int = 0
    documents_kept: int = 0
    """Documents the editors' workbench owns, which a folder import leaves as they are."""
    units_added: int = 0
    units_retired: int = 0
    entries_embedded: int = 0
    generation: str | None = None
    seconds: float = 0.0
    errors: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.documents_added or self.documents_changed or self.documents_retired)


# --------------------------------------------------------------------------- reading sources


def source_name(path: Path) -> str:
    """Stable name of a file: relative to the project when inside it, else absolute."""
    resolved = path.resolve()
    try:
        return resolved.relative_to(settings.project_root.resolve()).as_posix()
    except ValueError:
        return resolved.as_posix()


def _read_file(path: Path, phrasings: dict) -> list[SourceDocument]:
    suffix = path.suffix.lower()
    if suffix in GUIDE_SUFFIXES:
        return [read_guide(path, source_name(path), phrasings.get(path.stem))]
    if suffix in TABLE_SUFFIXES:
        return read_table(path, source_name(path))
    raise SourceError(f"不支持的文件类型 {suffix}（支持 Markdown 指南和 CSV/XLSX 问答表）")


def collect(paths: Iterable[Path]) -> tuple[list[SourceDocument], list[str], list[str]]:
    """Documents read from files and folders, the scopes in which absent documents retire
    (a folder, or a table's documents), and errors as readable lines."""
    documents: list[SourceDocument] = []
    scopes: list[str] = []
    errors: list[str] = []
    for path in paths:
        if path.is_dir():
            files = sorted(
                p
                for p in path.rglob("*")
                if p.is_file()
                and p.suffix.lower() in GUIDE_SUFFIXES + TABLE_SUFFIXES
                and p.name.lower() not in SKIPPED_FILES
            )
            scopes.append(source_name(path) + "/")
        elif path.is_file():
            files = [path]
            if path.suffix.lower() in TABLE_SUFFIXES:
                scopes.append(source_name(path) + "#")
        else:
            errors.append(f"{path}: 文件或目录不存在")
            continue
        for file in files:
            try:
                phrasings = load_phrasings(file.parent)
                documents.extend(_read_file(file, phrasings))
            except SourceError as error:
                errors.append(f"{file}: {error}")
    return documents, scopes, errors


# --------------------------------------------------------------------------- store


def entry_texts(title: str, unit: SourceUnit, question: str | None, phrasings: list[str]) -> list[tuple[str, str]]:
    """What a unit is found by: its sentences (passages, each with the title and heading as
    context), the whole unit, and short query-like texts (the FAQ's question and phrasings, or
    the heading path), all prefixed with the document title so that 「需要什么材料」 of one
    一件事 is told apart from another's."""
    headings = " · ".join(h for h in unit.heading_path)
    context = _context(title, question, unit.heading_path)
    entries = [(SENTENCE, f"{context}\n{sentence}") for sentence in sentences(unit.text)]
    entries.append((WHOLE, _whole_text(context, unit.text)))
    if question:
        entries.append((QUESTION, f"{title} {question}"))
    else:
        hint = SECTION_HINTS.get(unit.heading_path[0], "") if unit.heading_path else ""
        entries.append((HEADING, f"{title} {headings}：{hint}" if hint else f"{title} {headings}"))
    entries.extend((PHRASING, f"{title} {p}") for p in phrasings)
    return entries


def _context(title: str, question: str | None, heading_path: list[str]) -> str:
    """What a passage entry is prefixed with: the guide and the question it answers, or its headings."""
    return f"{title}｜{question or ' · '.join(heading_path)}"


def _whole_text(context: str, text: str) -> str:
    """The whole unit as one passage, prefixed like its sentences: one definition for the
    import and for the knowledge bases that get their whole entries later."""
    return f"{context}\n{text}"


def _add_whole_entries(session: Session) -> None:
    """Units stored before whole-unit entries existed get theirs (then encoded like any new entry)."""
    without = (
        select(KbUnit, KbDocument.title)
        .join(KbDocument, KbUnit.document_id == KbDocument.id)
        .where(KbUnit.status.in_(SEARCHABLE), ~KbUnit.entries.any(KbEntry.kind == WHOLE))
    )
    for unit, title in session.execute(without).all():
        question = FAQ_PREFIX.sub("", unit.section) if unit.kind == FAQ else None
        context = _context(title, question, list(unit.heading_path))
        session.add(KbEntry(unit=unit, kind=WHOLE, text=_whole_text(context, unit.text)))
    session.flush()


def _unit_tokens(title: str, unit: SourceUnit) -> str:
    parts = [title, *unit.heading_path, *(unit.phrasings or []), unit.text]
    return " ".join(tokenize("\n".join(parts)))


def _add_unit(session: Session, document: KbDocument, unit: SourceUnit, position: int) -> None:
    row = KbUnit(
        document=document,
        key=unit.key,
        position=position,
        heading_path=unit.heading_path,
        section=unit.section,
        kind=unit.kind,
        text=unit.text,
        tokens=_unit_tokens(document.title, unit),
        status=ACTIVE,
        since_version=document.version,
        effective=unit.effective,
        expires=unit.expires,
    )
    row.entries = [
        KbEntry(kind=kind, text=text) for kind, text in entry_texts(document.title, unit, unit.question, unit.phrasings)
    ]
    session.add(row)


def _retire_units(units: Iterable[KbUnit], version: int) -> int:
    count = 0
    for unit in units:
        unit.status = RETIRED
        unit.retired_version = version
        count += 1
    return count


@dataclass(frozen=True)
class Authorship:
    """Who makes a version: a file import (no author), or the workbench (an editor's revision,
    or the scheduler as "system")."""

    origin: str = FILE
    author: str | None = None
    revision_id: int | None = None


def apply_document(
    session: Session, source: SourceDocument, status: str, report: ImportReport, by: Authorship = Authorship()
) -> KbDocument | None:
    """Makes the store hold `source` as its document's next version (nothing when unchanged).
    A folder import never overwrites a document the workbench owns."""
    document = session.scalar(select(KbDocument).where(KbDocument.source == source.source))
    if document is not None and by.origin == FILE and document.origin == WORKBENCH:
        report.documents_kept += 1
        return None
    if document is not None and document.content_hash == source.content_hash and document.status == status:
        report.documents_unchanged += 1
        return None
    if document is None:
        document = KbDocument(source=source.source, version=1, title=source.title, content_hash=source.content_hash)
        session.add(document)
        report.documents_added += 1
        current: dict[str, KbUnit] = {}
    else:
        document.version += 1
        report.documents_changed += 1
        current = {unit.key: unit for unit in document.units if unit.status in SEARCHABLE}
    document.title = source.title
    document.service_code = source.service_code
    document.departments = source.departments
    document.updated = source.updated
    document.effective = source.effective
    document.expires = source.expires
    document.content_hash = source.content_hash
    document.status = status
    document.origin = by.origin
    document.changed_at = datetime.now(timezone.utc)

    wanted = {unit.key for unit in source.units}
    retired = _retire_units((u for key, u in current.items() if key not in wanted), document.version)
    added = 0
    for position, unit in enumerate(source.units):
        existing = current.get(unit.key)
        if existing is not None:
            existing.position = position
        else:
            _add_unit(session, document, unit, position)
            added += 1
    report.units_added += added
    report.units_retired += retired
    add_version(session, document, source.body, source.phrasings, by, added, retired)
    return document


def add_version(
    session: Session,
    document: KbDocument,
    body: str | None,
    phrasings: dict | None,
    by: Authorship,
    added: int = 0,
    retired: int = 0,
) -> None:
    """The history row of the document's current version, with the text it was made from."""
    session.add(
        KbDocumentVersion(
            document=document,
            version=document.version,
            status=document.status,
            content_hash=document.content_hash,
            units_added=added,
            units_retired=retired,
            body=body,
            phrasings=phrasings or None,
            author=by.author,
            revision_id=by.revision_id,
        )
    )


def retire_absent(session: Session, scopes: list[str], seen: set[str], report: ImportReport) -> None:
    for scope in scopes:
        documents = session.scalars(
            select(KbDocument).where(
                KbDocument.source.startswith(scope), KbDocument.status != RETIRED, KbDocument.origin == FILE
            )
        )
        for document in documents:
            if document.source not in seen:
                retire_document(document)
                report.documents_retired += 1
                report.units_retired += sum(1 for u in document.units if u.status in SEARCHABLE)


def retire_document(document: KbDocument) -> None:
    document.version += 1
    document.status = RETIRED
    _retire_units((u for u in document.units if u.status in SEARCHABLE), document.version)


# --------------------------------------------------------------------------- vectors


def _model_signature(kb: KnowledgeSettings, dimension: int) -> str:
    return f"{Path(kb.embedding_model).resolve()}|{dimension}"


def embed_missing(session: Session, kb: KnowledgeSettings, progress: bool = False) -> tuple[int, bool]:
    """Encodes entries that have no vector yet; all of them when the model changed.

    Returns how many were encoded and whether the model changed (the index must be rebuilt)."""
    _add_whole_entries(session)
    embedder = get_embedder(kb.embedding_model)
    limit_threads(kb.import_threads)
    signature = _model_signature(kb, embedder.dimension)
    meta = session.get(KbMeta, MODEL_KEY)
    model_changed = meta is None or meta.value != signature
    if model_changed:
        session.execute(update(KbEntry).values(vector=None))
        session.merge(KbMeta(key=MODEL_KEY, value=signature))
    pending = session.scalars(
        select(KbEntry).join(KbUnit).where(KbUnit.status.in_(SEARCHABLE), KbEntry.vector.is_(None)).order_by(KbEntry.id)
    ).all()
    for kind in (PASSAGE, QUERY):
        batch = [entry for entry in pending if (kind == PASSAGE) == (entry.kind in PASSAGE_KINDS)]
        vectors = embedder.encode([e.text for e in batch], kind, batch_size=ENCODE_BATCH, progress=progress)
        for entry, vector in zip(batch, vectors):
            entry.vector = vector.tobytes()
    return len(pending), model_changed


def _vectors_loader(session: Session, dimension: int) -> Callable[[np.ndarray], np.ndarray]:
    def vectors_for(ids: np.ndarray) -> np.ndarray:
        found: dict[int, bytes] = {}
        id_list = [int(i) for i in ids]
        for start in range(0, len(id_list), 5000):
            chunk = id_list[start : start + 5000]
            rows = session.execute(select(KbEntry.id, KbEntry.vector).where(KbEntry.id.in_(chunk)))
            found.update((entry_id, vector) for entry_id, vector in rows)
        matrix = np.zeros((len(id_list), dimension), dtype=np.float32)
        for row, entry_id in enumerate(id_list):
            matrix[row] = np.frombuffer(found[entry_id], dtype=np.float32)
        return matrix

    return vectors_for


def publish_index(session: Session, kb: KnowledgeSettings, force_rebuild: bool = False) -> str:
    """Makes the index match the store's published, active units; returns the generation."""
    searchable = (
        select(KbEntry.id, KbEntry.unit_id)
        .join(KbUnit, KbEntry.unit_id == KbUnit.id)
        .join(KbDocument, KbUnit.document_id == KbDocument.id)
        .where(KbUnit.status.in_(SEARCHABLE), KbDocument.status == PUBLISHED, KbEntry.kind != WHOLE)
        .order_by(KbEntry.id)
    )
    rows = session.execute(searchable).all()
    entry_ids = np.array([r[0] for r in rows], dtype=np.int64)
    entry_units = np.array([r[1] for r in rows], dtype=np.int64)
    units = session.execute(
        select(KbUnit.id, KbUnit.tokens)
        .join(KbDocument, KbUnit.document_id == KbDocument.id)
        .where(KbUnit.status.in_(SEARCHABLE), KbDocument.status == PUBLISHED)
        .order_by(KbUnit.id)
    ).all()

    dimension = get_embedder(kb.embedding_model).dimension
    previous, previous_ids, trained = None, np.zeros(0, dtype=np.int64), 0
    generation = index_files.current_generation(kb.index_dir)
    if generation and not force_rebuild:
        snapshot = index_files.load(kb.index_dir, generation)
        if snapshot.manifest.get("model") == kb.embedding_model:
            previous, previous_ids = snapshot.dense, snapshot.entry_ids
            trained = int(snapshot.manifest.get("trained_size", 0))
    update_ = index_files.update_dense(
        previous, previous_ids, entry_ids, _vectors_loader(session, dimension), dimension, kb.exact_index_limit, trained
    )
    manifest = {
        "model": kb.embedding_model,
        "dimension": dimension,
        "trained_size": len(entry_ids) if update_.rebuilt else trained,
        "added": update_.added,
        "removed": update_.removed,
        "rebuilt": update_.rebuilt,
    }
    unit_ids = np.array([u[0] for u in units], dtype=np.int64)
    return index_files.publish(
        kb.index_dir,
        update_.index,
        entry_ids,
        entry_units,
        [tokens.split() for _id, tokens in units],
        unit_ids,
        manifest,
        _whole_vectors(session, unit_ids, dimension),
    )


def _whole_vectors(session: Session, unit_ids: np.ndarray, dimension: int) -> np.ndarray:
    """One row per unit of `unit_ids`, its whole-unit vector (rebuilt at each publish: a matrix
    product over all units is cheaper at query time than a second FAISS search)."""
    matrix = np.zeros((len(unit_ids), dimension), dtype=np.float32)
    position = {int(unit): row for row, unit in enumerate(unit_ids)}
    rows = session.execute(
        select(KbEntry.unit_id, KbEntry.vector)
        .join(KbUnit, KbEntry.unit_id == KbUnit.id)
        .where(KbEntry.kind == WHOLE, KbEntry.vector.is_not(None), KbUnit.status.in_(SEARCHABLE))
    )
    for unit, vector in rows:
        if unit in position:
            matrix[position[unit]] = np.frombuffer(vector, dtype=np.float32)
    return matrix


# --------------------------------------------------------------------------- entry points


def import_paths(
    paths: Iterable[Path], kb: KnowledgeSettings | None = None, draft: bool = False, progress: bool = False
) -> ImportReport:
    """Imports guides/tables (files or folders) and publishes the index if anything changed."""
    kb = kb or KnowledgeSettings.from_env()
    started = time.perf_counter()
    report = ImportReport()
    documents, scopes, report.errors = collect(list(paths))
    with index_files.writer_lock(kb.index_dir), session_factory(kb.db_url)() as session, session.begin():
        for document in documents:
            apply_document(session, document, DRAFT if draft else PUBLISHED, report)
        retire_absent(session, scopes, {d.source for d in documents}, report)
        session.flush()
        report.entries_embedded, model_changed = embed_missing(session, kb, progress)
        session.flush()
        generation = index_files.current_generation(kb.index_dir)
        stale_index = generation is None or not (kb.index_dir / generation / index_files.WHOLE_FILE).exists()
        if report.changed or report.entries_embedded or model_changed or stale_index:
            report.generation = publish_index(session, kb, force_rebuild=model_changed)
        else:
            report.generation = generation
    report.seconds = time.perf_counter() - started
    return report


def set_status(sources: list[str], status: str, kb: KnowledgeSettings | None = None) -> list[str]:
    """Publishes drafts or retires documents by source name; returns the names changed."""
    kb = kb or KnowledgeSettings.from_env()
    changed = []
    with index_files.writer_lock(kb.index_dir), session_factory(kb.db_url)() as session, session.begin():
        for name in sources:
            named = or_(
                KbDocument.source == name,
                KbDocument.source.startswith(name.rstrip("/") + "/"),
                KbDocument.source.startswith(name + "#"),
            )
            for document in session.scalars(select(KbDocument).where(named)):
                if document.status == status:
                    continue
                if status == RETIRED:
                    retire_document(document)
                else:
                    document.status = status
                    document.version += 1
                session.add(
                    KbDocumentVersion(
                        document=document,
                        version=document.version,
                        status=status,
                        content_hash=document.content_hash,
                    )
                )
                changed.append(document.source)
        if changed:
            session.flush()
            embed_missing(session, kb)
            publish_index(session, kb)
    return changed

"""Documents of the knowledge base in the editors' workbench: their text, their history, and
what publishing a revision of one does to the store and the index.

A document's text is the Markdown its last version was made from (kept with each version
since the workbench came); for a store from before, the guide file or, for a FAQ table's group,
the Markdown rendering of its rows. Publishing goes through the same `apply_document` and index
publish as `kb import`, under the index's one-writer lock: the index swaps atomically, so a
citizen's question sees the old version or the new one, never half of each.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from bot.editing import revisions
from bot.editing.revisions import ContentRevision, Published, RevisionError
from bot.knowledge import consistency
from bot.knowledge.config import KnowledgeSettings
from bot.knowledge.importer import (
    Authorship,
    ImportReport,
    add_version,
    apply_document,
    embed_missing,
    publish_index,
    retire_document,
)
from bot.knowledge.sources import (
    SourceDocument,
    SourceError,
    faq_markdown,
    load_phrasings,
    parse_guide,
    preview_units,
)
from bot.knowledge.store import (
    ACTIVE,
    EXPIRED,
    PUBLISHED,
    WORKBENCH,
    KbDocument,
    KbDocumentVersion,
    KbUnit,
)
from bot.settings import settings

NEW_PREFIX = "workbench/"
"""Source names of documents created in the workbench (imported files, new FAQ sets)."""
SYSTEM = "system"


@dataclass(frozen=True)
class DocumentText:
    body: str
    phrasings: dict[str, list[str]]
    version: int


def find(session: Session, source: str) -> KbDocument | None:
    return session.scalar(select(KbDocument).where(KbDocument.source == source))


def text_of(session: Session, document: KbDocument) -> DocumentText:
    """The text an editor opens: the last version's, else the file's, else the rows'."""
    last = session.scalar(
        select(KbDocumentVersion)
        .where(KbDocumentVersion.document_id == document.id, KbDocumentVersion.body.is_not(None))
        .order_by(KbDocumentVersion.version.desc())
        .limit(1)
    )
    if last is not None:
        return DocumentText(last.body or "", dict(last.phrasings or {}), document.version)
    path = settings.project_root / document.source
    if "#" not in document.source and path.is_file():
        phrasings = load_phrasings(path.parent).get(path.stem, {})
        return DocumentText(path.read_text(encoding="utf-8"), phrasings, document.version)
    return DocumentText(_rows_markdown(session, document), {}, document.version)


def _rows_markdown(session: Session, document: KbDocument) -> str:
    from bot.knowledge.sources import SourceUnit

    units = session.scalars(
        select(KbUnit)
        .where(KbUnit.document_id == document.id, KbUnit.status.in_((ACTIVE, EXPIRED)))
        .order_by(KbUnit.position)
    )
    source = SourceDocument(
        source=document.source,
        title=document.title,
        units=[SourceUnit(list(u.heading_path), u.kind, u.text) for u in units],
        content_hash="",
        departments=list(document.departments or []),
    )
    return faq_markdown(source)


def parse(target: str, body: str, phrasings: dict[str, list[str]] | None) -> SourceDocument:
    """The document a revision's text makes; a text the knowledge base cannot read is refused
    with the reason."""
    try:
        document = parse_guide(body, target, phrasings or {}, default_title=Path(target).stem)
    except SourceError as error:
        raise RevisionError("unreadable", f"文档无法解析：{error}") from error
    if not document.units:
        raise RevisionError("no_units", "文档里没有可供回答的内容：请至少写一个带正文的二级标题（## 标题）。")
    return document


def preview(body: str, phrasings: dict[str, list[str]] | None = None) -> list[dict]:
    """The units citizens' questions will find, as the chat will quote them."""
    try:
        return preview_units(body, phrasings)
    except SourceError as error:
        raise RevisionError("unreadable", f"文档无法解析：{error}") from error


def orphan_questions(body: str, phrasings: dict[str, list[str]]) -> dict[str, list[str]]:
    """Linked questions whose heading no longer has text: kept and shown, never dropped."""
    return consistency.orphan_questions(consistency.CheckedDocument("draft", body, phrasings))


def new_source(title: str) -> str:
    slug = re.sub(r"[^\w\u4e00-\u9fff-]+", "-", title).strip("-")[:80] or "document"
    return f"{NEW_PREFIX}{slug}.md"


# --------------------------------------------------------------------------- checks


def _published_texts(session: Session, except_source: str) -> list[consistency.CheckedDocument]:
    documents = session.scalars(select(KbDocument).where(KbDocument.status == PUBLISHED))
    return [
        consistency.CheckedDocument(d.source, text.body, text.phrasings)
        for d in documents
        if d.source != except_source and (text := text_of(session, d)).body
    ]


def check(session: Session, revision: ContentRevision) -> list[dict]:
    """What the reviewer sees beside the diff: contradictions with the published documents
    that involve this one, and linked questions left without their heading (which block
    submission: the editor moves or deletes them, nothing is dropped silently)."""
    if revision.data.get("retire"):
        return []
    phrasings = revision.data.get("phrasings") or {}
    parse(revision.target, revision.body, phrasings)
    mine = consistency.CheckedDocument(revision.target, revision.body, phrasings)
    others = _published_texts(session, revision.target)
    return [
        finding.as_dict() | {"blocking": finding.kind == consistency.ORPHAN}
        for finding in consistency.check([mine, *others], changed={revision.target})
    ]


# --------------------------------------------------------------------------- publishing


def publisher(kb: KnowledgeSettings) -> revisions.Publisher:
    """The document publisher for one knowledge base (the caller holds its writer lock)."""

    def publish(session: Session, revision: ContentRevision, actor: str) -> Published:
        document = find(session, revision.target)
        if document is not None and revision.base_version is not None and document.version != revision.base_version:
            raise RevisionError(
                "conflict",
                f"这份文档在您修改之后已更新到第{document.version}版，请打开最新版本重新修改后再提交。",
            )
        report = ImportReport()
        by = Authorship(WORKBENCH, actor, revision.id)
        if revision.data.get("retire"):
            if document is None:
                raise RevisionError("not_found", "要下线的文档不存在。")
            retire(session, document, by)
            report.documents_retired = 1
        else:
            source = parse(revision.target, revision.body, revision.data.get("phrasings") or {})
            document = apply_document(session, source, PUBLISHED, report, by) or find(session, revision.target)
        session.flush()
        embed_missing(session, kb)
        if report.changed:
            session.flush()
            publish_index(session, kb)
        return Published(document.version if document else 0, report.changed)

    return publish


def retire(session: Session, document: KbDocument, by: Authorship) -> None:
    last = text_of(session, document)
    retire_document(document)
    document.origin = WORKBENCH
    add_version(session, document, last.body, last.phrasings, by)


def register(kb: KnowledgeSettings) -> None:
    revisions.register(revisions.DOCUMENT, publisher(kb), check)


# --------------------------------------------------------------------------- history


def versions(session: Session, document: KbDocument) -> list[KbDocumentVersion]:
    return list(
        session.scalars(
            select(KbDocumentVersion)
            .where(KbDocumentVersion.document_id == document.id)
            .order_by(KbDocumentVersion.version.desc())
        )
    )


def version_text(session: Session, document: KbDocument, version: int) -> DocumentText | None:
    row = session.scalar(
        select(KbDocumentVersion).where(
            KbDocumentVersion.document_id == document.id,
            KbDocumentVersion.version == version,
            KbDocumentVersion.body.is_not(None),
        )
    )
    return DocumentText(row.body or "", dict(row.phrasings or {}), row.version) if row else None


# --------------------------------------------------------------------------- dates


def expire_due(session: Session, today: date) -> list[tuple[KbDocument, int]]:
    """Marks units past their 有效期 as expired (the retriever already stops quoting them at
    midnight; the mark is the editors' record). Returns (document, units) per document."""
    day = today.isoformat()
    rows = session.execute(
        select(KbUnit, KbDocument)
        .join(KbDocument)
        .where(
            KbUnit.status == ACTIVE,
            KbDocument.status == PUBLISHED,
            or_(KbUnit.expires < day, KbDocument.expires < day),
        )
    ).all()
    touched: dict[int, tuple[KbDocument, int]] = {}
    for unit, document in rows:
        if (unit.expires or document.expires or "9999") >= day:
            continue
        unit.status = EXPIRED
        touched[document.id] = (document, touched.get(document.id, (document, 0))[1] + 1)
    return list(touched.values())


def upcoming_expiries(session: Session, today: date, days: int = 60) -> list[dict]:
    """Documents and sections whose 有效期 ends within `days`, for their owning department."""
    first, last = today.isoformat(), (today + timedelta(days=days)).isoformat()
    rows = session.execute(
        select(KbUnit, KbDocument)
        .join(KbDocument)
        .where(KbUnit.status == ACTIVE, KbDocument.status == PUBLISHED)
        .where(
            or_(
                KbUnit.expires.between(first, last),
                KbUnit.expires.is_(None) & KbDocument.expires.between(first, last),
            )
        )
        .order_by(KbUnit.expires, KbDocument.expires)
    ).all()
    seen: dict[tuple[int, str, str], dict] = {}
    for unit, document in rows:
        expires = unit.expires or document.expires or ""
        section = " · ".join(unit.heading_path)
        key = (document.id, section, expires)
        if key not in seen:
            seen[key] = {
                "source": document.source,
                "title": document.title,
                "department": (document.departments or ["（未指定部门）"])[0],
                "section": section,
                "expires": expires,
                "days_left": (date.fromisoformat(expires) - today).days,
            }
    return list(seen.values())

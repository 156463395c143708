"""SQL tables of the knowledge base (SQLAlchemy 2; SQLite by default, PostgreSQL by URL).

A document is one source (a guide, or one titled group of rows of a FAQ table) with a version
counter and a history. Its units are the pieces an answer quotes. A unit keeps its id as long
as its heading path and text are unchanged, so a new version of a guide touches only the units
that changed, and their vectors. Each unit is searched through entries: its body, and for a FAQ
its question and the editors' alternative phrasings (相似问法).
"""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bot.db import Base

DRAFT, PUBLISHED, RETIRED = "draft", "published", "retired"
ACTIVE, EXPIRED = "active", "expired"
"""A unit is active, expired (past its 有效期: still found, never quoted — the bot says the rule
changed) or retired (gone from the index)."""
SEARCHABLE = (ACTIVE, EXPIRED)
FILE, WORKBENCH = "file", "workbench"
"""Where a document's current text comes from: a file of an imported folder, or the editors'
workbench (then a folder import leaves it alone instead of overwriting an editor's work)."""
FAQ, SECTION, MATERIALS = "faq", "section", "materials"
SENTENCE, QUESTION, PHRASING, HEADING = "sentence", "question", "phrasing", "heading"
WHOLE = "whole"
"""The whole unit as one passage: a question answered by the unit as a whole (a list, an
answer that begins 「需要。」) resembles no single sentence of it. Not in the FAISS index of
entries: the index keeps one such vector per unit beside it (`index.Snapshot.whole`)."""
PASSAGE_KINDS = frozenset({SENTENCE, WHOLE})
"""Entry kinds encoded as passages; the others are question-like and encoded as queries."""


def _now() -> datetime:
    return datetime.now(timezone.utc)


class KbDocument(Base):
    __tablename__ = "kb_documents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(String(512), unique=True)
    title: Mapped[str] = mapped_column(String(256))
    service_code: Mapped[str | None] = mapped_column(String(32), nullable=True, index=True)
    departments: Mapped[list] = mapped_column(JSON, default=list)
    updated: Mapped[str] = mapped_column(String(32), default="")
    effective: Mapped[str | None] = mapped_column(String(32), nullable=True)
    expires: Mapped[str | None] = mapped_column(String(32), nullable=True)
    """The last day the document is valid (有效期至), a China date; none for open-ended."""
    origin: Mapped[str] = mapped_column(String(16), default=FILE, server_default=FILE)
    version: Mapped[int] = mapped_column(Integer, default=1)
    status: Mapped[str] = mapped_column(String(16), default=PUBLISHED, index=True)
    content_hash: Mapped[str] = mapped_column(String(64))
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)

    units: Mapped[list[KbUnit]] = relationship(back_populates="document")


class KbDocumentVersion(Base):
    """One row per import that changed a document: the editors' history."""

    __tablename__ = "kb_document_versions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("kb_documents.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))
    content_hash: Mapped[str] = mapped_column(String(64))
    units_added: Mapped[int] = mapped_column(Integer, default=0)
    units_retired: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)
    body: Mapped[str | None] = mapped_column(Text, nullable=True)
    """The whole text of this version (front matter and Markdown), for diffs and rollback."""
    phrasings: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    """The linked questions of this version: {heading: [question, …]}."""
    author: Mapped[str | None] = mapped_column(String(32), nullable=True)
    """Who made the version: a staff username, "system" for the scheduler, none for a file import."""
    revision_id: Mapped[int | None] = mapped_column(Integer, nullable=True)

    document: Mapped[KbDocument] = relationship()


class KbUnit(Base):
    __tablename__ = "kb_units"
    __table_args__ = (UniqueConstraint("document_id", "key", "since_version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("kb_documents.id"), index=True)
    key: Mapped[str] = mapped_column(String(64))
    position: Mapped[int] = mapped_column(Integer)
    heading_path: Mapped[list] = mapped_column(JSON)
    section: Mapped[str] = mapped_column(String(256))
    kind: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)
    tokens: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default=ACTIVE, index=True)
    since_version: Mapped[int] = mapped_column(Integer)
    retired_version: Mapped[int | None] = mapped_column(Integer, nullable=True)
    effective: Mapped[str | None] = mapped_column(String(32), nullable=True)
    """The first day the unit may be quoted (a China date); before it the unit is not searched."""
    expires: Mapped[str | None] = mapped_column(String(32), nullable=True)

    document: Mapped[KbDocument] = relationship(back_populates="units")
    entries: Mapped[list[KbEntry]] = relationship(back_populates="unit", cascade="all, delete-orphan")


class KbEntry(Base):
    """A searchable text of a unit and its vector; FAISS ids are entry ids.

    A unit is found by each of its sentences (a citizen asks for one fact, and a whole
    section's vector blurs it), by its FAQ question and phrasings, or by its heading path; the
    whole unit's vector (WHOLE) weighs in on the sentences' evidence."""

    __tablename__ = "kb_entries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("kb_units.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)
    vector: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)

    unit: Mapped[KbUnit] = relationship(back_populates="entries")


class KbMeta(Base):
    """Facts about the stored vectors (which embedding model made them), as key/value pairs."""

    __tablename__ = "kb_meta"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class KbUnanswered(Base):
    """Questions the knowledge base could not answer with confidence, for the editors."""

    __tablename__ = "kb_unanswered"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now, index=True)
    question: Mapped[str] = mapped_column(Text)
    outcome: Mapped[str] = mapped_column(String(16))
    confidence: Mapped[float] = mapped_column()
    service_item: Mapped[str | None] = mapped_column(String(32), nullable=True)
    best_unit_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    best_citation: Mapped[str | None] = mapped_column(String(512), nullable=True)
    channel: Mapped[str | None] = mapped_column(String(32), nullable=True)
    state: Mapped[str] = mapped_column(String(16), default="open", server_default="open", index=True)
    """open, or what the editors did with it: faq (a FAQ was drafted), routed (to a department),
    dismissed (with a reason)."""
    vector: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    """The question's embedding, made once for clustering."""
    handled_by: Mapped[str | None] = mapped_column(String(32), nullable=True)
    handled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    """The reason for a dismissal, or the request sent with a routing."""
    department: Mapped[str | None] = mapped_column(String(128), nullable=True)
    due_date: Mapped[str | None] = mapped_column(String(32), nullable=True)
    revision_id: Mapped[int | None] = mapped_column(Integer, nullable=True)

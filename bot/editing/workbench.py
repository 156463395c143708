"""The workbench's operations, each in one transaction: what the staff app's routes call.

Reads take a session; a publish (an editor's, a rollback, the scheduler's) also takes the
index's one-writer lock, waiting for a running import instead of failing.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.db import as_utc, session_factory
from bot.editing import documents, revisions
from bot.editing.diff import line_diff, phrasings_diff, summary
from bot.editing.revisions import DOCUMENT, ContentRevision, RevisionError
from bot.knowledge import index as index_files
from bot.knowledge.config import KnowledgeSettings
from bot.knowledge.retriever import china_today
from bot.knowledge.store import PUBLISHED, SEARCHABLE, KbDocument, KbUnit
from bot.staff.accounts import StaffUser

PUBLISH_WAIT_SECONDS = 60.0


@dataclass(frozen=True)
class DocumentFilter:
    query: str = ""
    service_code: str | None = None
    department: str | None = None
    status: str | None = None
    """published, draft, retired, or "editing" (has an open revision)."""
    since: datetime | None = None
    until: datetime | None = None


class Workbench:
    def __init__(self, kb: KnowledgeSettings | None = None) -> None:
        self.kb = kb or KnowledgeSettings.from_env()
        self.sessions = session_factory(self.kb.db_url)
        documents.register(self.kb)

    @contextmanager
    def _session(self) -> Iterator[Session]:
        with self.sessions() as session, session.begin():
            yield session

    @contextmanager
    def _publishing(self) -> Iterator[Session]:
        with index_files.writer_lock(self.kb.index_dir, wait=PUBLISH_WAIT_SECONDS), self._session() as session:
            yield session

    # ----------------------------------------------------------------- documents

    def documents(self, wanted: DocumentFilter) -> list[dict]:
        with self._session() as session:
            query = select(KbDocument).order_by(KbDocument.service_code.is_(None), KbDocument.source)
            if wanted.service_code:
                query = query.where(KbDocument.service_code == wanted.service_code)
            if wanted.status in (PUBLISHED, "draft", "retired"):
                query = query.where(KbDocument.status == wanted.status)
            if wanted.since:
                query = query.where(KbDocument.changed_at >= wanted.since)
            if wanted.until:
                query = query.where(KbDocument.changed_at < wanted.until)
            if wanted.query:
                like = f"%{wanted.query}%"
                matching_units = select(KbUnit.document_id).where(KbUnit.status.in_(SEARCHABLE), KbUnit.text.like(like))
                query = query.where(
                    KbDocument.title.like(like) | KbDocument.source.like(like) | KbDocument.id.in_(matching_units)
                )
            rows = list(session.scalars(query))
            counts = dict(
                session.execute(
                    select(KbUnit.document_id, func.count())
                    .where(KbUnit.status.in_(SEARCHABLE))
                    .group_by(KbUnit.document_id)
                ).all()
            )
            open_ones = {
                r.target: r
                for r in session.scalars(
                    select(ContentRevision).where(
                        ContentRevision.kind == DOCUMENT, ContentRevision.status.in_(revisions.OPEN)
                    )
                )
            }
            out = []
            for document in rows:
                if wanted.department and wanted.department not in (document.departments or []):
                    continue
                revision = open_ones.get(document.source)
                if wanted.status == "editing" and revision is None:
                    continue
                out.append(_document_summary(document, counts.get(document.id, 0), revision))
            if wanted.status in (None, "", "editing"):
                known = {d.source for d in rows}
                out += [
                    _new_document_summary(r)
                    for source, r in open_ones.items()
                    if source not in known and not wanted.service_code and _matches(r, wanted.query)
                ]
            return out

    def departments(self) -> list[str]:
        with self._session() as session:
            names = {name for (departments,) in session.execute(select(KbDocument.departments)) for name in departments}
        return sorted(names)

    def document(self, source: str) -> dict | None:
        """A document to open: its current text, versions, and the open revision if any."""
        with self._session() as session:
            document = documents.find(session, source)
            revision = revisions.open_revision(session, DOCUMENT, source)
            if document is None and revision is None:
                return None
            out: dict = {"source": source, "revision": revision.as_json(with_body=True) if revision else None}
            if document is None:
                return out | {"document": None, "text": None, "versions": []}
            text = documents.text_of(session, document)
            units = session.scalar(
                select(func.count())
                .select_from(KbUnit)
                .where(KbUnit.document_id == document.id, KbUnit.status.in_(SEARCHABLE))
            )
            return out | {
                "document": _document_summary(document, units or 0, revision),
                "text": {"body": text.body, "phrasings": text.phrasings, "version": text.version},
                "versions": [_version_json(v) for v in documents.versions(session, document)],
            }

    def preview(self, body: str, phrasings: dict | None = None) -> dict:
        units = documents.preview(body, phrasings)
        orphans = documents.orphan_questions(body, phrasings or {})
        return {"units": units, "orphans": orphans}

    def version_diff(self, source: str, old: int, new: int | None = None) -> dict:
        with self._session() as session:
            document = documents.find(session, source)
            if document is None:
                raise RevisionError("not_found", "文档不存在。")
            before = documents.version_text(session, document, old)
            after = documents.version_text(session, document, new) if new else documents.text_of(session, document)
            if before is None or after is None:
                raise RevisionError("no_text", "这个版本没有保存全文（工作台启用之前的版本），无法比较。")
            return _diff(before.body, after.body, before.phrasings, after.phrasings)

    # ----------------------------------------------------------------- revisions

    def save(
        self,
        user: StaffUser,
        source: str | None,
        body: str,
        phrasings: dict | None = None,
        note: str | None = None,
        effective: str | None = None,
        retire: bool = False,
    ) -> dict:
        """An editor's draft of `source` (None: a new document, named from its title)."""
        with self._session() as session:
            if source is None:
                parsed = documents.parse("new.md", body, phrasings)
                source = documents.new_source(parsed.title)
                if documents.find(session, source) is not None:
                    raise RevisionError("exists", f"已有同名文档“{parsed.title}”，请打开它修改，或换一个标题。")
            document = documents.find(session, source)
            if retire and document is None:
                raise RevisionError("not_found", "要下线的文档不存在。")
            if retire:
                body = documents.text_of(session, document).body
            title = documents.parse(source, body, phrasings).title if not retire else document.title
            revision = revisions.save_draft(
                session,
                user,
                DOCUMENT,
                source,
                title,
                body,
                {"phrasings": phrasings or {}, **({"retire": True} if retire else {})},
                base_version=document.version if document else None,
                note=note,
                effective=effective,
            )
            return revision.as_json()

    def revision(self, revision_id: int) -> dict | None:
        """A revision with its text and its difference from what citizens read now."""
        with self._session() as session:
            revision = session.get(ContentRevision, revision_id)
            if revision is None:
                return None
            out = revision.as_json(with_body=True)
            if revision.kind == DOCUMENT:
                document = documents.find(session, revision.target)
                current = documents.text_of(session, document) if document else None
                out["diff"] = _diff(
                    current.body if current else "",
                    revision.body,
                    current.phrasings if current else {},
                    revision.data.get("phrasings") or {},
                )
                out["current_version"] = document.version if document else None
            return out

    def revisions(self, kind: str | None = None, status: str | None = None, target: str | None = None) -> list[dict]:
        with self._session() as session:
            return [r.as_json() for r in revisions.listing(session, kind, status, target)]

    def _step(self, revision_id: int, step) -> dict:  # noqa: ANN001 - a callable of (session, revision)
        with self._session() as session:
            revision = _get(session, revision_id)
            step(session, revision)
            return revision.as_json()

    def submit(self, user: StaffUser, revision_id: int) -> dict:
        return self._step(revision_id, lambda s, r: revisions.submit(s, user, r))

    def withdraw(self, user: StaffUser, revision_id: int) -> dict:
        return self._step(revision_id, lambda s, r: revisions.withdraw(s, user, r))

    def review(self, user: StaffUser, revision_id: int, approve: bool, comment: str | None) -> dict:
        return self._step(revision_id, lambda s, r: revisions.review(s, user, r, approve, comment))

    def publish(self, user: StaffUser, revision_id: int) -> dict:
        with self._publishing() as session:
            revision = _get(session, revision_id)
            result = revisions.publish(session, user.username, revision, china_today(), user)
            return revision.as_json() | {"changed": result.changed}

    def rollback(self, user: StaffUser, source: str, version: int, note: str | None = None) -> dict:
        """The text of `version` published again at once, as a new version."""
        with self._publishing() as session:
            document = documents.find(session, source)
            old = documents.version_text(session, document, version) if document else None
            if document is None or old is None:
                raise RevisionError("no_text", "找不到这个版本的全文，无法回滚。")
            if revisions.open_revision(session, DOCUMENT, source) is not None:
                raise RevisionError("taken", "这份文档有未完成的修改，请先撤回或发布它再回滚。")
            revision = ContentRevision(
                kind=DOCUMENT,
                target=source,
                title=document.title,
                body=old.body,
                data={"phrasings": old.phrasings},
                base_version=document.version,
                note=note or f"回滚到第{version}版",
                author=user.username,
                findings=[],
            )
            session.add(revision)
            session.flush()
            result = revisions.publish_directly(session, user, revision)
            return revision.as_json() | {"changed": result.changed}

    # ----------------------------------------------------------------- time

    def expiries(self, days: int = 60, department: str | None = None, today: date | None = None) -> list[dict]:
        with self._session() as session:
            rows = documents.upcoming_expiries(session, today or china_today(), days)
        return [r for r in rows if not department or r["department"] == department]

    def run_schedule(self, today: date | None = None) -> dict:
        """Publishes approved revisions whose 生效日期 has come and marks expired units.
        Returns what it did, for the audit log."""
        today = today or china_today()
        done: dict[str, list] = {"published": [], "expired": []}
        with self._publishing() as session:
            for revision in revisions.due(session, today):
                try:
                    revisions.publish(session, documents.SYSTEM, revision, today)
                    done["published"].append({"id": revision.id, "target": revision.target})
                except RevisionError as error:
                    revision.review_comment = f"定时发布未成功：{error}"
                    revision.status = revisions.REJECTED
                    done["published"].append({"id": revision.id, "target": revision.target, "error": str(error)})
            for document, units in documents.expire_due(session, today):
                done["expired"].append({"source": document.source, "title": document.title, "units": units})
        return done


def _get(session: Session, revision_id: int) -> ContentRevision:
    revision = session.get(ContentRevision, revision_id)
    if revision is None:
        raise RevisionError("not_found", "这份修改不存在。")
    return revision


def _matches(revision: ContentRevision, query: str) -> bool:
    return not query or query in revision.title or query in revision.body


def _diff(old: str, new: str, old_phrasings: dict, new_phrasings: dict) -> dict:
    rows = line_diff(old, new)
    return {"lines": rows, "summary": summary(rows), "phrasings": phrasings_diff(old_phrasings, new_phrasings)}


def _document_summary(document: KbDocument, units: int, revision: ContentRevision | None) -> dict:
    return {
        "source": document.source,
        "title": document.title,
        "service_code": document.service_code,
        "departments": list(document.departments or []),
        "status": document.status,
        "origin": document.origin,
        "version": document.version,
        "updated": document.updated,
        "effective": document.effective,
        "expires": document.expires,
        "changed_at": as_utc(document.changed_at).isoformat(),
        "units": units,
        "revision": revision.as_json() if revision else None,
    }


def _new_document_summary(revision: ContentRevision) -> dict:
    return {
        "source": revision.target,
        "title": revision.title,
        "service_code": None,
        "departments": [],
        "status": "new",
        "origin": "workbench",
        "version": 0,
        "updated": "",
        "effective": None,
        "expires": None,
        "changed_at": as_utc(revision.updated_at).isoformat(),
        "units": 0,
        "revision": revision.as_json(),
    }


def _version_json(version) -> dict:  # noqa: ANN001 - a KbDocumentVersion
    return {
        "version": version.version,
        "status": version.status,
        "created_at": as_utc(version.created_at).isoformat(),
        "author": version.author,
        "revision_id": version.revision_id,
        "units_added": version.units_added,
        "units_retired": version.units_retired,
        "has_text": version.body is not None,
    }

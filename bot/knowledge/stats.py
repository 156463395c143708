"""`kb stats`: what the knowledge base holds, for editors and for the health of the index."""

from __future__ import annotations

from sqlalchemy import func, select

from bot.db import session_factory
from bot.knowledge import index as index_files
from bot.knowledge.config import KnowledgeSettings
from bot.knowledge.store import ACTIVE, KbDocument, KbEntry, KbUnanswered, KbUnit


def collect(kb: KnowledgeSettings) -> dict:
    with session_factory(kb.db_url)() as session:
        documents = dict(session.execute(select(KbDocument.status, func.count()).group_by(KbDocument.status)).all())
        units = dict(
            session.execute(
                select(KbUnit.kind, func.count()).where(KbUnit.status == ACTIVE).group_by(KbUnit.kind)
            ).all()
        )
        retired_units = session.scalar(select(func.count()).select_from(KbUnit).where(KbUnit.status != ACTIVE))
        entries = dict(
            session.execute(
                select(KbEntry.kind, func.count()).join(KbUnit).where(KbUnit.status == ACTIVE).group_by(KbEntry.kind)
            ).all()
        )
        unanswered = dict(
            session.execute(select(KbUnanswered.outcome, func.count()).group_by(KbUnanswered.outcome)).all()
        )
    generation = index_files.current_generation(kb.index_dir)
    manifest = index_files.load(kb.index_dir, generation).manifest if generation else {}
    return {
        "database": kb.db_url,
        "index_dir": str(kb.index_dir),
        "documents": documents,
        "units_active": units,
        "units_retired": retired_units,
        "entries": entries,
        "index_generation": generation,
        "index_vectors": manifest.get("entries"),
        "index_kind": manifest.get("dense_kind"),
        "embedding_model": manifest.get("model"),
        "unanswered": unanswered,
    }

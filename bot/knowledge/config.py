"""Settings of the knowledge base, read once from the environment (documented in the README).

They sit apart from `bot.settings` because only the action server and the `kb` command need
them, and because the thresholds are calibrated with `python -m bot kb eval`.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from bot.settings import env_value, settings

DEFAULT_EMBEDDING_MODEL = settings.models_dir / "embedding" / "multilingual-e5-small"


def default_index_dir(db_url: str) -> Path:
    """Beside the database: `<db>.kb/` for a SQLite file, else a folder named by the URL's hash.

    A second knowledge base (another BANSHI_DB_URL) thereby gets its own index automatically.
    """
    if db_url.startswith("sqlite:///"):
        db_file = Path(db_url.removeprefix("sqlite:///"))
        return db_file.with_name(db_file.name + ".kb")
    digest = hashlib.sha256(db_url.encode()).hexdigest()[:12]
    return settings.project_root / "data" / "kb" / digest


def _optional_float(name: str) -> float | None:
    """An override; unset means the calibrated value in `ranking.json`."""
    value = env_value(name, "")
    return float(value) if value else None


@dataclass(frozen=True)
class KnowledgeSettings:
    db_url: str
    index_dir: Path
    embedding_model: str
    exact_index_limit: int
    answer_threshold: float | None
    suggest_threshold: float | None
    query_threads: int
    """Threads one query's encoding may use (the action server answers many at once: 1)."""
    import_threads: int
    """Threads an import's encoding may use (an import runs alone: every core)."""
    warm_up: bool
    """Whether the action server loads the model and index before the first question."""

    @classmethod
    def from_env(cls, db_url: str | None = None) -> KnowledgeSettings:
        """`db_url`, else BANSHI_KB_DB_URL, else the services database (BANSHI_DB_URL)."""
        url = db_url or env_value("BANSHI_KB_DB_URL", settings.db_url)
        return cls(
            db_url=url,
            index_dir=Path(env_value("BANSHI_KB_INDEX_DIR", str(default_index_dir(url)))),
            embedding_model=env_value("BANSHI_EMBEDDING_MODEL", str(DEFAULT_EMBEDDING_MODEL)),
            exact_index_limit=int(env_value("BANSHI_KB_EXACT_LIMIT", "50000")),
            answer_threshold=_optional_float("BANSHI_KB_ANSWER_THRESHOLD"),
            suggest_threshold=_optional_float("BANSHI_KB_SUGGEST_THRESHOLD"),
            query_threads=int(env_value("BANSHI_KB_THREADS", "1")),
            import_threads=int(env_value("BANSHI_KB_IMPORT_THREADS", str(os.cpu_count() or 1))),
            warm_up=env_value("BANSHI_KB_WARM_UP", "1") != "0",
        )

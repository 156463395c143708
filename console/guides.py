"""The guides as web pages, so citations in the chat can link to their source: the version
published in the knowledge base (an editor's change shows at once), else the file in
`knowledge/`."""

from __future__ import annotations

import html
from datetime import datetime
from functools import lru_cache
from pathlib import Path

from markdown_it import MarkdownIt

from bot.catalogue import read_front_matter
from bot.knowledge.sources import without_expired
from bot.settings import settings
from bot.working_days import CHINA

_PAGE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
body {{ margin: 0 auto; max-width: 820px; padding: 16px; line-height: 1.7; color: #1f2329;
       font-family: -apple-system, "PingFang SC", "Noto Sans CJK SC", "Microsoft YaHei", sans-serif; }}
h1 {{ color: #c7000b; font-size: 1.5em; }} table {{ border-collapse: collapse; }}
td, th {{ border: 1px solid #ddd; padding: 4px 8px; }} .meta {{ color: #646a73; font-size: .9em; }}
</style></head>
<body><p class="meta">来源：示例市政务服务知识库 · 更新日期 {updated}</p>{body}</body></html>"""

# Editors' Markdown is rendered without raw HTML: a guide can never inject script into the console.
_markdown = MarkdownIt("commonmark", {"html": False}).enable("table")


def _strip_front_matter(text: str) -> str:
    return text.split("---", 2)[2] if text.startswith("---") else text


def render_markdown(text: str) -> str:
    """A guide's text as the citizen's page shows it (front matter left out, raw HTML escaped)."""
    return _markdown.render(_strip_front_matter(text))


def _published(code: str | None = None, title: str | None = None) -> tuple[str, str, str] | None:
    """(title, updated, text) of the document published for a 一件事 `code` or under `title`
    (one made in the editors' workbench has no code), if the knowledge base has it."""
    from sqlalchemy import select

    from bot.db import session_factory
    from bot.editing.documents import text_of
    from bot.knowledge.config import KnowledgeSettings
    from bot.knowledge.store import PUBLISHED, KbDocument

    wanted = KbDocument.service_code == code if code else KbDocument.title == title
    try:
        with session_factory(KnowledgeSettings.from_env().db_url)() as session:
            document = session.scalar(select(KbDocument).where(wanted, KbDocument.status == PUBLISHED).limit(1))
            if document is None:
                return None
            return document.title, document.updated, text_of(session, document).body
    except Exception:  # the page falls back to the file; the chat never depends on it
        return None


def _page(title: str, updated: str, text: str) -> str:
    """The citizen's page: sections past their 有效期 say so instead of stating the old rule."""
    current = without_expired(_strip_front_matter(text), datetime.now(CHINA).date().isoformat())
    return _PAGE.format(title=html.escape(title), updated=html.escape(updated), body=render_markdown(current))


def render_document_titled(title: str) -> str | None:
    """A published document without a guide file (made in the workbench) as a page, by title."""
    published = _published(title=title.strip().strip("《》"))
    return _page(*published) if published else None


@lru_cache(maxsize=1)
def _titles(folder: Path) -> dict[str, str]:
    return {str(read_front_matter(p).get("title", "")): p.stem for p in sorted(folder.glob("*.md"))}


def guide_code_for_title(title: str, folder: Path | None = None) -> str | None:
    """《新生儿出生一件事》 → newborn; also accepts a title without its 一件事 suffix."""
    titles = _titles(Path(folder or settings.knowledge_dir))
    title = title.strip().strip("《》")
    return titles.get(title) or titles.get(f"{title}一件事")


def render_guide(code: str, folder: Path | None = None) -> str | None:
    """The guide as an HTML page, or None if there is no such guide."""
    if not code.replace("_", "").isalnum():
        return None
    published = _published(code) if folder is None else None
    if published is None:
        path = Path(folder or settings.knowledge_dir) / f"{code}.md"
        if not path.is_file():
            return None
        meta = read_front_matter(path)
        published = (str(meta.get("title", code)), str(meta.get("updated", "")), path.read_text(encoding="utf-8"))
    return _page(*published)

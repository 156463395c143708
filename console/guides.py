"""The guides of `knowledge/` as web pages, so citations in the chat can link to their source."""

from __future__ import annotations

import html
from functools import lru_cache
from pathlib import Path

from markdown_it import MarkdownIt

from bot.catalogue import read_front_matter
from bot.settings import settings

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
    folder = Path(folder or settings.knowledge_dir)
    if not code.replace("_", "").isalnum():
        return None
    path = folder / f"{code}.md"
    if not path.is_file():
        return None
    meta = read_front_matter(path)
    text = path.read_text(encoding="utf-8")
    return _PAGE.format(
        title=html.escape(str(meta.get("title", code))),
        updated=html.escape(str(meta.get("updated", ""))),
        body=_markdown.render(_strip_front_matter(text)),
    )

"""The domain dictionary that teaches jieba the words of government services.

Without it jieba cuts 出生医学证明 or 食品经营许可证 into pieces and the featurizers (and later
BM25) lose the one token that names the thing. Two files in `bot/language/jieba_dict/`, both in
jieba's user-dictionary format (`word freq`):
- `curated.txt`, written by hand: colloquial and abbreviated names (社保卡, 卫健委, 营运证…);
- `catalogue.txt`, generated from the guides' front matter and document names by
  `python -m bot lexicon`, so a new 一件事 brings its words along. A test keeps it current.
"""

from __future__ import annotations

import re
from pathlib import Path

from bot.catalogue import load_catalogue

DICT_DIR = Path(__file__).resolve().parent / "jieba_dict"
CATALOGUE_DICT = DICT_DIR / "catalogue.txt"
FREQUENCY = 2000
"""High enough that jieba keeps the term whole, low enough not to swallow its neighbours."""

_PARENS = re.compile(r"[（(][^）)]*[）)]")
_HAN_ONLY = re.compile(r"^[\u4e00-\u9fff]{2,16}$")
_QUOTES = re.compile("[“”‘’\"']")
_DOCUMENT = re.compile(r"《([^《》〈〉]{2,16})》")
_DOCUMENT_SUFFIXES = ("表", "书", "证明", "单", "证", "报告", "凭证", "执照", "许可证")


def _names(value: str) -> list[str]:
    """「示例市中级人民法院、示例市政务服务管理局」→ each name, with and without 示例市."""
    names = []
    for part in re.split(r"[、，,]|，或|或", _PARENS.sub("", value)):
        part = part.strip()
        names.append(part)
        names.append(part.removeprefix("示例市"))
    return names


def catalogue_terms(knowledge_dir: Path | None = None) -> list[str]:
    """Every name the guides use for a 一件事, a department, a bundled service or a document."""
    folder = Path(knowledge_dir) if knowledge_dir else None
    terms: set[str] = set()
    for item in load_catalogue(folder).values():
        terms.update({item.title, item.short_name})
        terms.update(_names(item.lead_department))
        for value in item.cooperating_departments + item.integrated_services:
            terms.update(_names(value))
        guide = (folder or _default_knowledge()) / item.source
        for doc in _DOCUMENT.findall(guide.read_text(encoding="utf-8")):
            if doc.endswith(_DOCUMENT_SUFFIXES):
                terms.add(doc)
    cleaned = {clean_term(t) for t in terms}
    return sorted(t for t in cleaned if _HAN_ONLY.match(t))


def clean_term(term: str) -> str:
    """Quotes are not part of a name: 社会保障卡居民服务“一卡通” → 社会保障卡居民服务一卡通."""
    return _QUOTES.sub("", term).strip()


def _default_knowledge() -> Path:
    from bot.settings import settings

    return settings.knowledge_dir


def render(terms: list[str]) -> str:
    return "".join(f"{term} {FREQUENCY}\n" for term in terms)


def write_catalogue_dict(knowledge_dir: Path | None = None) -> Path:
    CATALOGUE_DICT.write_text(render(catalogue_terms(knowledge_dir)), encoding="utf-8")
    return CATALOGUE_DICT

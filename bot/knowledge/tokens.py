"""Tokens for BM25: the same normalisation as the NLU, jieba with the domain dictionary, plus
character bigrams.

`cut_for_search` also yields the shorter words inside long ones (出生医学证明 → 出生, 医学,
证明, 出生医学证明), so a citizen who writes only 出生证明 still matches. Character bigrams
catch what segmentation splits differently in question and guide, and typos that break a word
(社宝卡 still shares 卡 bigrams… and 社宝 misses only one). Function words are dropped: in a
question they are everywhere and carry no topic.
"""

from __future__ import annotations

import re
from functools import lru_cache

from bot.language.lexicon import DICT_DIR
from bot.language.text import normalize

MAX_TEXT_CHARS = 20_000
STOPWORDS = frozenset(
    [
        "的",
        "了",
        "吗",
        "呢",
        "吧",
        "啊",
        "呀",
        "嘛",
        "哦",
        "是",
        "我",
        "我们",
        "你",
        "您",
        "他",
        "她",
        "它",
        "这",
        "那",
        "这个",
        "那个",
        "就",
        "都",
        "也",
        "还",
        "又",
        "和",
        "与",
        "及",
        "或",
        "在",
        "有",
        "没",
        "没有",
        "要",
        "想",
        "能",
        "能不能",
        "可以",
        "可不可以",
        "会",
        "怎么",
        "怎么办",
        "怎样",
        "如何",
        "什么",
        "啥",
        "哪些",
        "哪个",
        "哪里",
        "吗",
        "请问",
        "一下",
        "一个",
        "些",
        "个",
        "多少",
        "几",
        "为什么",
        "需要",
        "得",
        "地",
        "着",
        "过",
        "被",
        "把",
        "对",
        "给",
        "让",
        "从",
        "到",
        "如果",
        "那么",
        "然后",
        "现在",
        "请",
        "谢谢",
        "你好",
        "您好",
    ]
)
_WORD = re.compile(r"[\w\u4e00-\u9fff]")


@lru_cache(maxsize=1)
def _jieba():
    import jieba

    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    for path in sorted(DICT_DIR.glob("*.txt")):
        tokenizer.load_userdict(str(path))
    return tokenizer


_NON_WORD = re.compile(r"[^\w\u4e00-\u9fff]+")


def words(cleaned: str) -> list[str]:
    return [
        token
        for token in (t.strip() for t in _jieba().cut_for_search(cleaned))
        if token and token not in STOPWORDS and _WORD.search(token)
    ]


def bigrams(cleaned: str) -> list[str]:
    grams: list[str] = []
    for run in _NON_WORD.split(cleaned):
        if len(run) == 1:
            grams.append(run)
        grams.extend(run[i : i + 2] for i in range(len(run) - 1))
    return grams


def tokenize(text: str) -> list[str]:
    """Search tokens of a query or a passage: jieba words, then `#`-marked character bigrams
    (marked so that a two-character word and the same bigram count as different terms)."""
    cleaned = normalize(text, max_chars=MAX_TEXT_CHARS).lower()
    return words(cleaned) + ["#" + gram for gram in bigrams(cleaned)]

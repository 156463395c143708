"""Normalisation of Chinese user input, shared by the NLU pipeline and the services.

Citizens type traditional characters, full-width digits from Chinese IMEs, emoji and stray
control characters; the models are trained on clean simplified text. One function cleans
every message the same way in both runtimes, so training and serving never disagree.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

MAX_MESSAGE_CHARS = 500
"""Longer messages are cut: nothing useful for intent lies past the first few sentences,
and a 5,000-character paste must not slow the transformer down for everyone."""

_SPACES = re.compile(r"\s+")
_CONTROL_CATEGORIES = {"Cc", "Cf", "Co", "Cs"}
_SYMBOL_CATEGORIES = {"So", "Sk"}
_EMOJI_RANGES = (
    (0x1F000, 0x1FAFF),
    (0x2600, 0x27BF),
    (0x2B00, 0x2BFF),
    (0xFE00, 0xFE0F),
    (0x1F1E6, 0x1F1FF),
)


@lru_cache(maxsize=1)
def _t2s():
    import opencc

    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    """Traditional → simplified Chinese (OpenCC's t2s phrase and character tables)."""
    return _t2s().convert(text) if text else text


def to_half_width(text: str) -> str:
    """Full-width ASCII forms (Ｂ，１２３) → their half-width equivalents.

    Chinese punctuation (，。？) is left alone: it carries meaning for the tokenizer.
    """
    out = []
    for ch in text:
        code = ord(ch)
        if code == 0x3000:
            out.append(" ")
        elif 0xFF01 <= code <= 0xFF5E and not _is_chinese_punctuation(ch):
            out.append(chr(code - 0xFEE0))
        else:
            out.append(ch)
    return "".join(out)


def _is_chinese_punctuation(ch: str) -> bool:
    return ch in "，！？：；（）"


def _is_noise(ch: str) -> bool:
    code = ord(ch)
    if any(lo <= code <= hi for lo, hi in _EMOJI_RANGES):
        return True
    category = unicodedata.category(ch)
    if category in _CONTROL_CATEGORIES and ch not in "\n\t":
        return True
    return category in _SYMBOL_CATEGORIES


def strip_noise(text: str) -> str:
    """Drops emoji, pictographs and control characters; collapses runs of whitespace."""
    cleaned = "".join(ch for ch in text if not _is_noise(ch))
    return _SPACES.sub(" ", cleaned).strip()


def normalize(text: str | None, max_chars: int = MAX_MESSAGE_CHARS) -> str:
    """The one normalisation every user message goes through before NLU or search."""
    if not text:
        return ""
    text = unicodedata.normalize("NFC", text)
    text = strip_noise(to_half_width(text))
    return to_simplified(text[:max_chars])

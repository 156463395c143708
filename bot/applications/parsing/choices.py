"""Yes / no ("要的", "暂不需要"), one choice ("随爸爸") and several ("水电气都要", "除了宽带都要")."""

from __future__ import annotations

import re
from collections.abc import Sequence

from bot.applications.parsing.common import (
    Field,
    Parsed,
    arabic_numerals,
    chinese_number,
    listing,
    problem,
    squeeze,
    trim,
)

_QUESTION = re.compile(r"[吗?？]|要不要|是不是|有没有|需不需要|可不可以|能不能|行不行|啥意思|什么意思")
_LEAD_FILLERS = re.compile(
    r"^(?:嗯+|恩|呃|额|哦|噢|啊|那个|这个|那就|就|我们|我|本人|咱们|咱|公司|我司|单位|"
    r"目前|现在|暂时|还|也|都)+"
)
_UNSURE = re.compile(r"^(?:不知道|不清楚|不确定|不一定|不好说|说不好|没想好|不晓得|不太清楚|无所谓|随便|看情况)")
_YES_DESPITE_NEGATION = re.compile(r"^(?:没问题|没错|不错|没毛病)")
_NO_START = re.compile(r"^(?:暂不|暂无|不|没|无|未|否|别|甭|非|no|n$|false$|0$)")
_YES_START = re.compile(
    r"^(?:是|对|要|需要|有|同意|好|可以|行|成|设置|办|参保|已|清了|确认|确定|嗯|恩|必须|"
    r"当然|肯定|yes|y$|ok|okay|true$|1$)"
)
_NO_ANYWHERE = re.compile(r"不需要|不要|不用|不是|没有|不设|暂不|无需|不办|不想|不同意|不参保|未")
_YES_ANYWHERE = re.compile(r"需要|要|是|有|同意|可以|好|已经")


def parse_bool(text: str, field: Field) -> Parsed:
    """Yes or no; a leading 不/没/无/未 makes it no, and "不知道" is neither."""
    said = squeeze(text).lower()
    about = f"关于“{field.label}”，" if field.label else ""
    unclear = problem(f"没太明白您的意思。{about}请回答“是”或“否”。")
    if not said or _QUESTION.search(said):
        return unclear
    core = _LEAD_FILLERS.sub("", said) or said
    if _UNSURE.match(core):
        return unclear
    if _YES_DESPITE_NEGATION.match(core):
        return Parsed(True)
    if _NO_START.match(core):
        return Parsed(False)
    if _YES_START.match(core):
        return Parsed(True)
    if _NO_ANYWHERE.search(core):
        return Parsed(False)
    if _YES_ANYWHERE.search(core):
        return Parsed(True)
    return unclear


_ORDINAL = re.compile(r"^(?:我)?(?:选择|选|要)?第?([0-9]+|[一二两三四五六七八九十]+)(?:个|项|种|条|号|类)?$")
_CHOICE_LEAD = re.compile(r"^(?:我们|我|那就|就)?(?:选择|选|要|是|属于|按|用)?")
_CHOICE_TAIL = re.compile(r"(?:这个|那个|这项|那项|这一项|吧|啊|呀|的|了)+$")
_NEGATION_BEFORE = ("不要", "不是", "不用", "不", "别", "非")
_NEGATION_AFTER = re.compile(r"^(?:就|也)?(?:不要|不需要|不用|不办|除外)")
_REFUSED = re.compile(r"(?:不要|不是|不用|不|别|非)[^，,、;；。\s]*|[^，,、;；。\s]*?(?:不要|不需要|不用|不办|除外)")
"""A refused part of the answer ("不随父", "宽带不要"), up to the next separator."""


def _mentions(choice: str, text: str) -> bool:
    """`choice` occurs in `text` and is not refused there ("不随父", "宽带不要")."""
    start = text.find(choice)
    while start >= 0:
        before, after = text[:start], text[start + len(choice) :]
        if not before.endswith(_NEGATION_BEFORE) and not _NEGATION_AFTER.match(after):
            return True
        start = text.find(choice, start + 1)
    return False


def _distinctive(choices: tuple[str, ...]) -> dict[str, set[str]]:
    """Per choice, the characters no other choice has: 水 for 用水 among 用水/用电/用气."""
    return {c: {ch for ch in c if sum(ch in other for other in choices) == 1} for c in choices}


def _common_run(a: str, b: str) -> int:
    """Length of the longest stretch of characters `a` and `b` share."""
    best = 0
    for i in range(len(a)):
        for j in range(i + best + 1, len(a) + 1):
            if a[i:j] not in b:
                break
            best = j - i
    return best


def _ordinal(text: str, choices: tuple[str, ...]) -> list[str] | None:
    """["随母"] for "2" or "第二个"; [] when the number is out of range; None if no number."""
    match = _ORDINAL.match(text)
    if not match:
        return None
    index = int(match[1]) if match[1].isdigit() else chinese_number(match[1])
    return [choices[index - 1]] if 1 <= index <= len(choices) else []


def _abbreviates(short: str, choice: str) -> bool:
    """Chinese abbreviations keep characters in order: 社保 ← 社会保险, 个体户 ← 个体工商户."""
    rest = iter(choice)
    return all(ch in rest for ch in short)


def _candidates(text: str, choices: tuple[str, ...]) -> list[str]:
    """The choices `text` may mean: one is an answer, several are ambiguous.

    "4级" finds "四级": when nothing matches as written, both sides are compared with
    their numerals in Arabic figures.
    """
    found = _candidates_as_written(text, choices)
    arabic = {arabic_numerals(c): c for c in choices}
    if found or len(arabic) < len(choices) or (tuple(arabic) == choices and arabic_numerals(text) == text):
        return found
    return [arabic[c] for c in _candidates_as_written(arabic_numerals(text), tuple(arabic))]


def _candidates_as_written(text: str, choices: tuple[str, ...]) -> list[str]:
    said = squeeze(text)
    core = _CHOICE_TAIL.sub("", _CHOICE_LEAD.sub("", said, count=1)) or said
    folded = {c.casefold(): c for c in choices}
    for form in (said, core):
        if form.casefold() in folded:
            return [folded[form.casefold()]]
    numbered = _ordinal(core, choices)
    if numbered is not None:
        return numbered
    named = [c for c in choices if _mentions(c, said)]
    named = [c for c in named if not any(c != other and c in other for other in named)]
    if named:
        return named
    positive = _CHOICE_TAIL.sub("", _CHOICE_LEAD.sub("", _REFUSED.sub("", said), count=1))
    if not positive:
        return []
    inside = [c for c in choices if positive in c]
    if inside:
        return inside
    abbreviated = [c for c in choices if _abbreviates(positive, c)]
    if len(abbreviated) == 1:
        return abbreviated
    distinctive = _distinctive(choices)
    scores = {
        c: (run if (run := _common_run(positive, c)) >= 2 else 0, len(distinctive[c] & set(positive))) for c in choices
    }
    best = max(scores.values())
    return [c for c in choices if scores[c] == best] if best > (0, 0) else []


def _choice_problem(field: Field, maybe: Sequence[str] = ()) -> Parsed:
    lead = f"您说的可能是{'或'.join(f'“{c}”' for c in maybe)}。" if len(maybe) > 1 else "没能确定您选的是哪一项。"
    return problem(f"{lead}请从以下选项中选一个：{listing(field.choices)}（回复名称或序号都可以）。")


_NUMERAL_RANGE = re.compile(
    r"[一二三四五六七八九1-9][一二三四五六七八九1-9、或到至-]*[一二三四五六七八九1-9](?=级|类|档|等)"
)
"""“三四级”, “3或4级”: two grades at once, not the one the question asks for."""


def parse_choice(text: str, field: Field) -> Parsed:
    grades = _NUMERAL_RANGE.search(arabic_numerals(text))
    if grades:
        return _choice_problem(field, [c for c in field.choices if any(ch in c for ch in grades.group(0))])
    found = _candidates(text, field.choices)
    return Parsed(found[0]) if len(found) == 1 else _choice_problem(field, found)


_ALL = re.compile(r"^(?:我们|我)?(?:全部|所有|全都|都|全)(?:都)?(?:要|需要|办|选|开通|申请)?(?:的)?(?:吧|啊)?$")
_ALL_BUT = re.compile(r"^除(?:了)?(.+?)(?:以外|之外|外)?(?:其他|其余|别的)?(?:的)?(?:都|全)")
_SEPARATORS = re.compile(r"[、,，;；/+\s]|以及|还有|和|及|跟|与|加")
_SEGMENT_LEAD = re.compile(r"^(?:我们|我|就|也|还|都|要|需要|选|办|开通|申请|主要|平时|另外|卖|做|有|经营|搞)+")
_SEGMENT_TAIL = re.compile(r"(?:全都要|都要|都需要|都办|也要|都|要|需要|吧|啊|的|这几个|这几项|这些)+$")
_MAX_SPLIT_CHARS = 30
"""Splitting tries every cut of a segment; beyond this length it is a sentence, not a list."""


def _split_into_choices(segment: str, choices: tuple[str, ...]) -> list[str]:
    """A list said without separators, cut into as few pieces as possible, each an abbreviation
    of exactly one choice: 水电气 → 用水/用电/用气, 社保医保公积金 → three; [] when it cannot be."""
    if len(segment) > _MAX_SPLIT_CHARS:
        return []
    fewest: list[list[str] | None] = [[]] + [None] * len(segment)
    for end in range(1, len(segment) + 1):
        for start in range(end):
            before = fewest[start]
            if before is None:
                continue
            owners = [c for c in choices if _abbreviates(segment[start:end], c)]
            current = fewest[end]
            if len(owners) == 1 and (current is None or len(before) + 1 < len(current)):
                fewest[end] = [*before, owners[0]]
    return fewest[-1] or []


def _several(text: str, choices: tuple[str, ...]) -> tuple[set[str], list[str]]:
    """The choices named in `text`, and the pieces of it that named none (or several)."""
    said = text.strip()
    chosen = {c for c in sorted(choices, key=len, reverse=True) if _mentions(c, said)}
    rest = said
    for c in sorted(chosen, key=len, reverse=True):
        rest = rest.replace(c, "、")
    unclear = []
    for piece in _SEPARATORS.split(_REFUSED.sub("、", rest)):
        segment = _SEGMENT_TAIL.sub("", _SEGMENT_LEAD.sub("", trim(piece)))
        if not segment:
            continue
        found = _split_into_choices(segment, choices)
        if not found and len(candidates := _candidates(segment, choices)) == 1:
            found = candidates
        if found:
            chosen.update(found)
        else:
            unclear.append(segment)
    return chosen, unclear


def parse_choices(text: str, field: Field) -> Parsed:
    """Several choices, in the form's order: "水电气都要", "用水、用电和宽带", "除了宽带都要"."""
    said = squeeze(text)
    options = f"可选的有：{listing(field.choices)}（可以多选，用顿号隔开，或者说“都要”）。"
    if _ALL.match(said):
        return Parsed(list(field.choices))
    all_but = _ALL_BUT.match(said)
    if all_but:
        excluded, unclear = _several(all_but[1], field.choices)
        chosen = set(field.choices) - excluded
    else:
        chosen, unclear = _several(text, field.choices)
    if unclear:
        return problem(f"没能确定“{'、'.join(unclear)}”指的是哪一项。{options}")
    if not chosen:
        return problem(f"请至少选择一项。{options}")
    return Parsed([c for c in field.choices if c in chosen])

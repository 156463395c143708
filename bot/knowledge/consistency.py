"""Consistency checks for the knowledge base, run before a draft is published (issue 16, part 6).

The same fact is written in several places: a guide's front matter and its body, the guide and
`general.md`, two guides that both name the 政务服务中心. When one copy is edited and another
is not, the citizen gets whichever answer the retriever happens to quote. `check` reads the
guides as `bot.knowledge.sources` does and reports each fact stated differently, with every
place shown, so the editor fixes the copy that is wrong instead of guessing.

It also reports linked questions (关联问题) whose heading is gone: `guide_units` attaches them by
heading text, so after a rename they would silently stop helping anyone find the section.

Precision comes before recall, because editors stop reading a checker that cries wolf. A rule
compares only statements that are clearly about the same subject: an item's whole 办结 promise
(not every "N个工作日" — a 补交期限 is another fact), a fee by its name, a phone number by the
office it is given for (the same number for two offices is fine), a material by its exact
name, with conditional exceptions ("系统无法核验的，需提交…") left alone. The limits are said
in each rule's docstring.

Use: `check([CheckedDocument(source, markdown, phrasings), …], changed={"knowledge/x.md"})`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from bot.knowledge.sources import FAQ_PREFIX, guide_units, sentences, split_front_matter

TIME_LIMIT, FEE, MATERIALS, ADDRESS, PHONE, ORPHAN = (
    "time_limit",
    "fee",
    "materials",
    "address",
    "phone",
    "orphan_question",
)
KIND_ORDER = (TIME_LIMIT, FEE, MATERIALS, ADDRESS, PHONE, ORPHAN)
FRONT_MATTER = "头信息"
EXCERPT_CHARS = 120


@dataclass(frozen=True)
class CheckedDocument:
    """One guide as a draft would publish it: its source name, full text and linked questions."""

    source: str
    markdown: str
    phrasings: dict[str, list[str]] = field(default_factory=dict)


@dataclass(frozen=True)
class Place:
    """Where a statement stands, with the sentence itself so the editor need not search for it."""

    source: str
    title: str
    heading_path: tuple[str, ...]
    excerpt: str
    value: str

    def as_dict(self) -> dict:
        return {
            "source": self.source,
            "title": self.title,
            "heading_path": list(self.heading_path),
            "excerpt": self.excerpt,
            "value": self.value,
        }


@dataclass(frozen=True)
class Finding:
    """One thing for the editor to look at: a fact stated differently, or an orphaned question."""

    kind: str
    subject: str
    message: str
    places: tuple[Place, ...]

    def as_dict(self) -> dict:
        return {
            "kind": self.kind,
            "subject": self.subject,
            "message": self.message,
            "places": [place.as_dict() for place in self.places],
        }


# --------------------------------------------------------------------------- reading


_FULL_WIDTH = str.maketrans(
    {
        **{chr(0xFF10 + i): str(i) for i in range(10)},
        **{chr(0xFF21 + i): chr(0x41 + i) for i in range(26)},
        **{chr(0xFF41 + i): chr(0x61 + i) for i in range(26)},
        "－": "-",
        "　": " ",
    }
)
_DIGITS = {"零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CN_NUMBER = re.compile(r"[零一二两三四五六七八九十]+(?=个?工作日|楼|层)")


def _cn_to_int(numeral: str) -> int:
    """一…九十九, enough for working days and floors."""
    if "十" not in numeral:
        return int("".join(str(_DIGITS[c]) for c in numeral))
    tens, _, units = numeral.partition("十")
    return (_DIGITS.get(tens, 1) if tens else 1) * 10 + (_DIGITS.get(units, 0) if units else 0)


def normalise(text: str) -> str:
    """Full-width digits and letters made ASCII, Chinese numerals before 工作日/楼 made digits:
    「三个工作日」 and 「3个工作日」, 「０５７１」 and 「0571」 are the same statement."""
    text = text.translate(_FULL_WIDTH)
    return _CN_NUMBER.sub(lambda m: str(_cn_to_int(m.group(0))), text)


@dataclass(frozen=True)
class _Sentence:
    text: str
    norm: str


@dataclass(frozen=True)
class _Line:
    heading_path: tuple[str, ...]
    norm: str
    sentences: tuple[_Sentence, ...]
    in_materials: bool

    def sentence_at(self, position: int) -> _Sentence:
        """The sentence of the line that holds the character at `position` of `norm`."""
        offset = 0
        for sentence in self.sentences:
            found = self.norm.find(sentence.norm, offset)
            if found < 0:
                continue
            if position < found + len(sentence.norm):
                return sentence
            offset = found + len(sentence.norm)
        return self.sentences[-1]


@dataclass
class _Doc:
    source: str
    title: str
    meta: dict
    item: str | None
    lines: list[_Line]
    headings: set[str]
    parent_headings: set[str]
    phrasings: dict[str, list[str]]
    aliases: set[str]


_ALIAS = re.compile(r"（以下简称[“\"]?([^）”\"]{2,12})[”\"]?）")


def _read(document: CheckedDocument) -> _Doc:
    meta, body = split_front_matter(document.markdown)
    heading_title, units = guide_units(body)
    title = str(meta.get("title") or heading_title or document.source.rsplit("/", 1)[-1].rsplit(".", 1)[0])
    is_item = any(key in meta for key in ("legal_time_limit_days", "fee", "integrated_services"))
    channels = [((FRONT_MATTER, "channels"), str(raw)) for raw in meta.get("channels") or []]
    texts = channels + [(tuple(unit.heading_path), raw) for unit in units for raw in unit.text.splitlines()]
    lines = [_line(heading_path, raw) for heading_path, raw in texts if raw.strip()]
    return _Doc(
        source=document.source,
        title=title,
        meta=meta,
        item=title if is_item else None,
        lines=lines,
        headings={unit.heading_path[-1] for unit in units},
        parent_headings={heading for unit in units for heading in unit.heading_path[:-1]},
        phrasings=document.phrasings,
        aliases=set(_ALIAS.findall(body)) if is_item else set(),
    )


def _line(heading_path: tuple[str, ...], raw: str) -> _Line:
    """One line of a unit (a list item, a paragraph) or one of the front matter's channels, which
    name windows, addresses and hotlines like the body does."""
    parts = tuple(_Sentence(s, normalise(s)) for s in sentences(raw)) or (_Sentence(raw, normalise(raw)),)
    in_materials = heading_path[0] != FRONT_MATTER and any("材料" in heading for heading in heading_path)
    return _Line(heading_path, normalise(raw), parts, in_materials)


_QUOTES = str.maketrans("", "", "“”‘’\"'「」『』")


class _Items:
    """The 一件事 of the pack, found in a sentence by their full title (quotes ignored) and, for
    fees only, by the short name a guide declares (「（以下简称社保卡）」)."""

    def __init__(self, documents: list[_Doc]) -> None:
        self.titles = {d.item.translate(_QUOTES): d.item for d in documents if d.item}
        self.aliases = {alias: d.item for d in documents if d.item for alias in d.aliases}

    def of(self, sentence: _Sentence, doc: _Doc, with_aliases: bool = False) -> str | None:
        """The item a sentence is about: the one it names, else its own guide's item; None when
        it names several, since then no rule can tell which the fact belongs to."""
        bare = sentence.norm.translate(_QUOTES)
        found = {item for key, item in self.titles.items() if key in bare}
        if not found and with_aliases:
            found = {item for alias, item in self.aliases.items() if alias in bare}
        if not found:
            return doc.item
        return found.pop() if len(found) == 1 else None


# --------------------------------------------------------------------------- claims


@dataclass(frozen=True)
class _Claim:
    kind: str
    key: tuple[str, ...]
    subject: str
    topic: str
    """What differs, as the message says it: 「《开办餐饮店一件事》的承诺办结时限」."""
    value: str
    place: Place
    reference: bool = False
    """Front matter: the value the body is measured against, shown first."""


def _excerpt(text: str) -> str:
    text = re.sub(r"^[-*+]\s+", "", " ".join(text.split()))
    return text if len(text) <= EXCERPT_CHARS else text[: EXCERPT_CHARS - 1] + "…"


def _place(doc: _Doc, line: _Line, sentence: _Sentence, value: str) -> Place:
    return Place(doc.source, doc.title, line.heading_path, _excerpt(sentence.text), value)


def _front_place(doc: _Doc, key: str, value: str) -> Place:
    return Place(doc.source, doc.title, (FRONT_MATTER, key), _excerpt(f"{key}: {doc.meta.get(key)}"), value)


def _each_sentence(doc: _Doc) -> Iterable[tuple[_Line, _Sentence]]:
    for line in doc.lines:
        for sentence in line.sentences:
            yield line, sentence


# ---- time limits

_PROMISES = (
    re.compile(r"承诺办结时限[：:][^。；]*?(\d+)个?工作日"),
    re.compile(r"承诺在?(\d+)个?工作日内(?:全部)?办结"),
    re.compile(r"(\d+)个?工作日内全部办结"),
    re.compile(r"(\d+)个?工作日的承诺(?:办结)?时限"),
    re.compile(r"(?:承诺办结时限|承诺时限|办结时限)(?:为|是)(\d+)个?工作日"),
)


def _time_limit_claims(doc: _Doc, items: _Items) -> list[_Claim]:
    """The whole item's 办结 promise: `legal_time_limit_days` and sentences that promise the item
    as a whole (承诺办结时限：…, 承诺N个工作日内办结, N个工作日内全部办结). A step's limit or a
    补交期限 (须在10个工作日内补交) says nothing about the promise and is not read."""
    claims = []
    days = doc.meta.get("legal_time_limit_days")
    if doc.item and isinstance(days, int):
        value = f"{days}个工作日"
        claims.append(_promise(doc.item, value, _front_place(doc, "legal_time_limit_days", value), reference=True))
    for line, sentence in _each_sentence(doc):
        item = items.of(sentence, doc)
        values = {m.group(1) for pattern in _PROMISES for m in pattern.finditer(sentence.norm)}
        if item and len(values) == 1:
            value = f"{values.pop()}个工作日"
            claims.append(_promise(item, value, _place(doc, line, sentence, value)))
    return claims


def _promise(item: str, value: str, place: Place, reference: bool = False) -> _Claim:
    return _Claim(TIME_LIMIT, (item,), f"{item} · 办理时限", f"《{item}》的承诺办结时限", value, place, reference)


# ---- fees

_AMOUNT = re.compile(r"\d+(?:\.\d+)?元")
_FREE = re.compile(r"不收费|免费|不收取")
_FREE_FOR_ALL = re.compile(
    r"(?:全部事项|全部|全程|一律|所有事项)(?:均|都)?(?:不收费|免费|不收取任何费用)|不收取任何费用"
)
_FEE_LINE = re.compile(r"^[\s\-*]*收费[：:]")
_FEE_NAMES = "工本费|手续费|服务费|检测费|评定费|登记费|邮寄费|制卡费|报名费|考试费|鉴定费|体检费|押金"
_NAMED_FEE = re.compile(rf"({_FEE_NAMES})(?:标准)?(?:为|是)?(?:每[张本件次人户个])?(\d+(?:\.\d+)?)元")
CHARGED, FREE = "收费", "不收费"


def _fee_claims(doc: _Doc, items: _Items) -> list[_Claim]:
    """Whether the item charges (front matter `fee` against the body's 「收费：」 line and its
    「全部事项不收费」-like sentences), and each named fee's amount (工本费每张20元) wherever the
    item is meant. A sentence that lists cases (「…换领，均免费」) is not a claim that all is
    free, and a fee of someone else (检验检测费用由检测机构收取) is not the item's fee."""
    claims = _front_fee_claims(doc)
    for line in doc.lines:
        claims += _fee_line_claims(doc, line, items)
        for sentence in line.sentences:
            named_item = items.of(sentence, doc, with_aliases=True)
            for name, amount in _NAMED_FEE.findall(sentence.norm) if named_item else ():
                claims.append(_fee(named_item, name, f"{amount}元", _place(doc, line, sentence, f"{amount}元")))
            item = items.of(sentence, doc)
            if item and _FREE_FOR_ALL.search(sentence.norm) and not _AMOUNT.search(sentence.norm):
                claims.append(_charge(item, FREE, _place(doc, line, sentence, FREE)))
    return claims


def _front_fee_claims(doc: _Doc) -> list[_Claim]:
    fee = normalise(str(doc.meta.get("fee") or ""))
    if not doc.item or not fee:
        return []
    claims = []
    value = CHARGED if _AMOUNT.search(fee) else FREE if _FREE.search(fee) else None
    if value:
        claims.append(_charge(doc.item, value, _front_place(doc, "fee", value), reference=True))
    for name, amount in _NAMED_FEE.findall(fee):
        claims.append(_fee(doc.item, name, f"{amount}元", _front_place(doc, "fee", f"{amount}元"), reference=True))
    return claims


def _fee_line_claims(doc: _Doc, line: _Line, items: _Items) -> list[_Claim]:
    """The 「收费：…」 line of 办理时限与收费 says what the item charges; an amount in it means it
    charges something."""
    item = items.of(line.sentences[0], doc)
    amount = _AMOUNT.search(line.norm)
    if not item or not _FEE_LINE.match(line.norm) or not amount:
        return []
    return [_charge(item, CHARGED, _place(doc, line, line.sentence_at(amount.start()), CHARGED))]


def _charge(item: str, value: str, place: Place, reference: bool = False) -> _Claim:
    return _Claim(FEE, (item,), f"{item} · 收费", f"《{item}》是否收费", value, place, reference)


def _fee(item: str, name: str, value: str, place: Place, reference: bool = False) -> _Claim:
    return _Claim(FEE, (item, name), f"{item} · {name}", f"《{item}》的{name}金额", value, place, reference)


# ---- names of places and offices

_CUT_BEFORE = re.compile(r".*(?:拨打|致电|前往|携带|通过|请|到|在|去|向|往|于|即|设有)")
_ORG_END = re.compile(
    r"(?:中心|局|委员会|联合会|院|所|厅|馆|站|台|处|队|公司|银行|窗口|专窗|专线|热线|服务点|报名点|办公室)$"
)
_GENERIC_NAMES = re.compile(r"^(?:线下|线上|网上|掌上|咨询|办理|受理|服务|办事|各)?(?:窗口|专窗|热线|电话|服务点)$")


def _office_name(raw: str) -> str | None:
    """A named office or place as written, without the verb in front of it («拨打», «到»);
    None when what is left does not name one (「咨询」, 「线下窗口」)."""
    name = _CUT_BEFORE.sub("", raw.translate(_QUOTES)).strip()
    if len(name) < 4 or not _ORG_END.search(name) or _GENERIC_NAMES.match(name):
        return None
    return name


# ---- phones

_NUMBER = r"(?<![\d-])(?P<number>0\d{2,3}[-—–\s]?\d{7,8}|1[3-9]\d{9}|[19]\d{4})(?![\d-])"
_CJK_NAME = r"[“”\u4e00-\u9fff]"
_LABELS = "投诉|举报|监督|值班|传真"
_PHONE_PATTERNS = (
    re.compile(
        rf"(?P<name>{_CJK_NAME}{{2,24}}?)[（(]?(?P<label>{_LABELS}|咨询|服务|联系|办公)?(?:电话|热线)(?:号码)?(?:是|为|：|:)?\s*{_NUMBER}"
    ),
    re.compile(rf"{_NUMBER}(?P<name>{_CJK_NAME}{{2,14}}?(?:热线|专线))"),
    re.compile(rf"{_NUMBER}[（(](?P<name>{_CJK_NAME}{{2,24}})[）)]"),
)


def _digits(number: str) -> str:
    return re.sub(r"\D", "", number)


def _phone_claims(doc: _Doc, _items: _Items) -> list[_Claim]:
    """A named office's or hotline's number. Keyed by the office, so the same number given for
    two offices is no contradiction; 投诉/举报/值班/传真 lines are kept apart from the general one."""
    return [
        claim
        for line, sentence in _each_sentence(doc)
        for pattern in _PHONE_PATTERNS
        for match in pattern.finditer(sentence.norm)
        if (claim := _phone(doc, line, sentence, match))
    ]


def _phone(doc: _Doc, line: _Line, sentence: _Sentence, match: re.Match) -> _Claim | None:
    name = _office_name(match.group("name"))
    if not name:
        return None
    label = match.groupdict().get("label") or ""
    label = label if label in _LABELS.split("|") else ""
    number = _digits(match.group("number"))
    if name.endswith(("热线", "专线")):
        subject, topic = name, f"{name}的号码"
    else:
        subject, topic = f"{name} {label}电话", f"{name}的{label}电话号码"
    return _Claim(PHONE, (name, label), subject, topic, number, _place(doc, line, sentence, number))


# ---- addresses, windows, opening hours

_STREET = r"((?:[\u4e00-\u9fff]{2,8}[区县])?[\u4e00-\u9fff]{1,10}?(?:大道|大街|路|街|巷|弄)\d+(?:-\d+)?号)"
_NAMED_ADDRESS = re.compile(rf"({_CJK_NAME}{{2,24}}?)(?:[（(]|[：:]|位于|地址(?:为|是|：|:)?|坐落于|设在){_STREET}")
_FLOOR = r"(\d+[楼层])"
_WINDOW = re.compile(
    rf"(?:{_FLOOR}(?:[（(][A-Z]区[）)])?)?([A-Z]\d{{2,3}}(?:[—–~～至到-][A-Z]?\d{{2,3}})?)"
    rf"({_CJK_NAME}{{2,20}}?(?:窗口|专窗|服务台|通道|服务区|工作站))"
)
_LINE_FLOOR = re.compile(rf"^[\s\-*]*{_FLOOR}[（(：:]")
_PLACE_NAME = re.compile(
    rf"{_CJK_NAME}{{2,24}}?(?:政务服务中心|便民服务中心|服务中心|中心|大厅|营业厅|医院|派出所|服务点|报名点|法院)"
)
_DAYS = {
    "周一至周五": ("周一至周五",),
    "周一到周五": ("周一至周五",),
    "工作日": ("周一至周五",),
    "周六、周日": ("周六", "周日"),
    "周六日": ("周六", "周日"),
    "周末": ("周六", "周日"),
    "周六": ("周六",),
    "周日": ("周日",),
    "星期六": ("周六",),
    "星期日": ("周日",),
}
_DAY = "|".join(sorted(_DAYS, key=len, reverse=True))
_TIME = r"(\d{1,2})[:：](\d{2})"
_OPEN = re.compile(rf"({_DAY})(?:上午|下午|全天)?\s*{_TIME}\s*[—–~～至到-]\s*{_TIME}")
_CLOSED = re.compile(rf"({_DAY})(?:全天)?(?:均)?(?:不办公|休息|不开放|闭馆|不对外办公|不受理)")


def _address_claims(doc: _Doc, _items: _Items) -> list[_Claim]:
    """The street address of a named place; the code and floor of a named window (C12餐饮开办
    窗口); a named place's opening hours by day. General words («线下窗口», «专窗») name no
    place and are skipped; a street address is the same when one is the other with the district
    written out."""
    claims = []
    for line in doc.lines:
        claims += _street_claims(doc, line)
        claims += _window_claims(doc, line)
        claims += _hours_claims(doc, line)
    return claims


def _street_claims(doc: _Doc, line: _Line) -> list[_Claim]:
    claims = []
    for sentence in line.sentences:
        for raw, street in _NAMED_ADDRESS.findall(sentence.norm):
            name = _office_name(raw)
            if name:
                place = _place(doc, line, sentence, street)
                claims.append(_located(("street", name), f"{name} 地址", f"{name}的地址", street, place))
    return claims


def _window_claims(doc: _Doc, line: _Line) -> list[_Claim]:
    line_floor = _LINE_FLOOR.match(line.norm)
    claims = []
    for match in _WINDOW.finditer(line.norm):
        floor, code, raw = match.groups()
        name = raw.translate(_QUOTES)
        name = re.sub(r"^(?:设有|设|为|是)", "", name)
        if len(name) < 4:
            continue
        sentence = line.sentence_at(match.start())
        code = re.sub(r"[—–~～至到]", "-", code)
        place = _place(doc, line, sentence, code)
        claims.append(_located(("window", name), f"{name} 窗口编号", f"{name}的窗口编号", code, place))
        floor = (floor or (line_floor.group(1) if line_floor else "")).replace("层", "楼")
        if floor:
            place = _place(doc, line, sentence, floor)
            claims.append(_located(("floor", name), f"{name} 所在楼层", f"{name}所在的楼层", floor, place))
    return claims


def _hours_claims(doc: _Doc, line: _Line) -> list[_Claim]:
    """Hours belong to the nearest named place before them in the same line: a window's hours
    are the window's, the centre's are the centre's."""
    claims = []
    for match, value in _hours(line.norm):
        name = _place_before(line.norm[: match.start()])
        if not name:
            continue
        sentence = line.sentence_at(match.start())
        for day in _DAYS[match.group(1)]:
            place = _place(doc, line, sentence, value)
            claims.append(
                _located(("hours", name, day), f"{name} {day}办公时间", f"{name}{day}的办公时间", value, place)
            )
    return claims


def _located(key: tuple[str, ...], subject: str, topic: str, value: str, place: Place) -> _Claim:
    return _Claim(ADDRESS, key, subject, topic, value, place)


def _hours(text: str) -> Iterable[tuple[re.Match, str]]:
    for match in _OPEN.finditer(text):
        start_h, start_m, end_h, end_m = (int(g) for g in match.groups()[1:])
        yield match, f"{start_h}:{start_m:02d}—{end_h}:{end_m:02d}"
    for match in _CLOSED.finditer(text):
        yield match, "不办公"


def _place_before(text: str) -> str | None:
    candidates = [(m.end(), _office_name(m.group(0))) for m in _PLACE_NAME.finditer(text)]
    candidates += [(m.end(), m.group(3).translate(_QUOTES)) for m in _WINDOW.finditer(text)]
    candidates = [(end, name) for end, name in candidates if name]
    return max(candidates)[1] if candidates else None


# ---- materials

_LIST_ITEM = re.compile(r"^\s*\d+[.、．]\s*([^：:]{2,60})[：:]\s*(.*)$")
_LISTED_FREE = re.compile(r"^(?:用户|申请人)?(?:免提交|无需提交|不需要提交|无需提供|不需要提供)")
_LISTED_NEEDED = re.compile(r"^(?:需要|需|须|应当?)(?:提交|提供|上传|交回)")
_PROSE_NEEDED = re.compile(r"(?<![不无免毋])(?:需要|需|须|应当?)(提交|提供|上传|交回|携带|带上)([^。；！？]+)")
_PROSE_FREE = re.compile(r"(?:无需|不需要|不用|免于?)(?:再|另行|重复)?(?:提交|提供|上传)([^。；！？，]+)")
_EXCEPTION = re.compile(r"无法|不能|未能|暂时|遗失|丢失|确需|如需|如果|若|的，|的,")
_MATERIAL_SUFFIX = re.compile(
    r"(?:证|证明|证书|书|表|执照|簿|合同|信息|材料|报告|文书|决议|决定|凭证|记录|图|单|章程|照片|制度|名单|说明|协议)$"
)
_WRAPPING = re.compile(r"复印件|原件|扫描件|正、副本|正副本|双方|居民|有效|本人")
NEEDED, NOT_NEEDED = "需提交", "免提交"


def _material_name(raw: str) -> str | None:
    """A material by its exact name, without 原件/复印件 and words that do not change which
    document it is (「父母双方居民身份证」 is 「父母身份证」); None for what is not a material."""
    name = re.split(r"到|去|至|前往|办理", raw.translate(_QUOTES))[0]
    name = _WRAPPING.sub("", name).strip(" 。，、的")
    return name if len(name) >= 3 and _MATERIAL_SUFFIX.search(name) else None


def _parts(listing: str) -> list[str]:
    """The items of a listing (「A、B和C」), asides in brackets left out; 「A或B」 stays one item,
    since either will do."""
    return re.split(r"[、，,]|以及|及|和|与", re.sub(r"[（(][^）)]*[）)]", "", listing))


def _names(parts: Iterable[str]) -> list[str]:
    return [name for name in (_material_name(part) for part in parts) if name]


def _material_claims(doc: _Doc, items: _Items) -> list[_Claim]:
    """A material listed in 申请材料 as 免提交 (or as 需要提交) and said elsewhere, for the same
    item, to be needed (需提供/需提交/需携带…复印件) or not needed (无需提交…). The rest of a
    list item after its status, and any sentence with an exception in it («系统无法核验的，
    需…», «遗失的»), is a condition, not the rule, and is not read. Carrying an original to show
    at the window (携带身份证原件) is not submitting it."""
    claims = []
    for line in doc.lines:
        listed = _LIST_ITEM.match(line.norm) if line.in_materials else None
        if listed:
            claims += _listed_claims(doc, line, listed)
            continue
        for sentence in line.sentences:
            item = items.of(sentence, doc)
            if item and not _EXCEPTION.search(sentence.norm):
                claims += _prose_claims(doc, line, sentence, item)
    return claims


def _listed_claims(doc: _Doc, line: _Line, listed: re.Match) -> list[_Claim]:
    head, rest = listed.groups()
    status = NOT_NEEDED if _LISTED_FREE.match(rest) else NEEDED if _LISTED_NEEDED.match(rest) else None
    if not doc.item or not status or re.search(r"提交|提供", head):
        return []
    sentence = line.sentences[0]
    return [_material(doc, line, sentence, doc.item, name, status) for name in _names(_parts(head))]


def _prose_claims(doc: _Doc, line: _Line, sentence: _Sentence, item: str) -> list[_Claim]:
    claims = []
    for verb, listing in _PROSE_NEEDED.findall(sentence.norm):
        parts = [part for part in _parts(listing) if verb not in ("携带", "带上") or "复印件" in part]
        claims += [_material(doc, line, sentence, item, name, NEEDED) for name in _names(parts)]
    for listing in _PROSE_FREE.findall(sentence.norm):
        claims += [_material(doc, line, sentence, item, name, NOT_NEEDED) for name in _names(_parts(listing))]
    return claims


def _material(doc: _Doc, line: _Line, sentence: _Sentence, item: str, name: str, status: str) -> _Claim:
    return _Claim(
        MATERIALS,
        (item, name),
        f"{item} · {name}",
        f"《{item}》中{name}是否需要提交",
        status,
        _place(doc, line, sentence, status),
    )


# --------------------------------------------------------------------------- findings


def _same(kind: str, a: str, b: str) -> bool:
    """Equal values, or for a phone number and a street address one that is the other with the
    area code or district left out."""
    if a == b:
        return True
    if kind in (PHONE, ADDRESS):
        shorter, longer = sorted((a, b), key=len)
        return len(shorter) >= 5 and longer.endswith(shorter)
    return False


def _clusters(claims: list[_Claim]) -> list[list[_Claim]]:
    clusters: list[list[_Claim]] = []
    for claim in claims:
        home = next((c for c in clusters if _same(claim.kind, c[0].value, claim.value)), None)
        if home is None:
            clusters.append([claim])
        else:
            home.append(claim)
    return sorted(clusters, key=lambda c: (not any(x.reference for x in c), -len(c)))


def _label(place: Place) -> str:
    if place.heading_path and place.heading_path[0] == FRONT_MATTER:
        where = f"头信息 {place.heading_path[-1]} 字段"
    else:
        heading = FAQ_PREFIX.sub("问：", place.heading_path[-1]) if place.heading_path else "正文"
        where = f"“{heading if len(heading) <= 20 else heading[:19] + '…'}”"
    return f"《{place.title}》{where}"


def _contradiction(claims: list[_Claim], changed: set[str]) -> Finding | None:
    """Every place that departs from the reference value (the front matter's, else the most
    common), and one place that keeps it — a changed document's, when one does."""
    clusters = _clusters(claims)
    if len(clusters) < 2:
        return None
    places: list[Place] = []
    details = []
    for index, cluster in enumerate(clusters):
        shown = _unique([c.place for c in cluster])
        if index == 0:
            extra = f"等{len(shown)}处" if len(shown) > 1 else ""
            shown = [next((p for p in shown if p.source in changed), shown[0])]
        else:
            extra = ""
        places += shown
        labels = "、".join(dict.fromkeys(_label(p) for p in shown))
        details.append(f"{labels}{extra}写的是“{cluster[0].value}”")
    first = claims[0]
    message = f"{first.topic}前后说法不一致：{'；'.join(details)}，请核对后统一。"
    return Finding(first.kind, first.subject, message, tuple(places))


def _unique(places: list[Place]) -> list[Place]:
    seen: dict[tuple, Place] = {}
    for place in places:
        seen.setdefault((place.source, place.heading_path, place.excerpt), place)
    return list(seen.values())


def orphan_questions(document: CheckedDocument) -> dict[str, list[str]]:
    """{heading: questions} of the linked questions whose heading has no text under it any more
    (renamed, removed, or emptied): what the editor must move or delete."""
    doc = _read(document)
    return {heading: questions for heading, questions in doc.phrasings.items() if heading not in doc.headings}


def _orphans(doc: _Doc) -> list[Finding]:
    """Linked questions whose heading has no text under it any more: `guide_units` attaches
    them by heading, so without this they would vanish unnoticed."""
    findings = []
    for heading, questions in doc.phrasings.items():
        if heading in doc.headings:
            continue
        why = "下面已没有正文" if heading in doc.parent_headings else "已不存在"
        message = (
            f"《{doc.title}》中标题“{heading}”{why}，挂在它下面的{len(questions)}个关联问题"
            f"（{'；'.join(questions)}）目前不会被用到，请改挂到现有标题或删除。"
        )
        place = Place(doc.source, doc.title, (heading,), _excerpt("；".join(questions)), heading)
        findings.append(Finding(ORPHAN, f"{doc.title} · 关联问题", message, (place,)))
    return findings


_RULES: tuple[Callable[[_Doc, _Items], list[_Claim]], ...] = (
    _time_limit_claims,
    _fee_claims,
    _material_claims,
    _address_claims,
    _phone_claims,
)


def _involves(sources: set[str], changed: set[str] | None) -> bool:
    """A statement of a changed document takes part, even one that agrees with the majority: the
    draft's reviewer decides which copy is right."""
    return changed is None or bool(sources & changed)


def check(documents: list[CheckedDocument], changed: set[str] | None = None) -> list[Finding]:
    """All findings; with `changed` (sources of the documents a draft changes), only those that
    involve a changed document — what a reviewer must look at before publishing that draft."""
    docs = [_read(document) for document in documents]
    items = _Items(docs)
    grouped: dict[tuple, list[_Claim]] = {}
    for doc in docs:
        for rule in _RULES:
            for claim in rule(doc, items):
                grouped.setdefault((claim.kind, claim.key), []).append(claim)
    findings = [
        finding
        for claims in grouped.values()
        if _involves({claim.place.source for claim in claims}, changed)
        and (finding := _contradiction(claims, changed or set()))
    ]
    findings += [finding for doc in docs if _involves({doc.source}, changed) for finding in _orphans(doc)]
    return sorted(findings, key=lambda f: (KIND_ORDER.index(f.kind), f.subject))

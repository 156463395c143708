"""The one application form (一表申请) of each 一件事, read from `bot/applications/forms/<code>.yml`.

Each file is the single declarative place for an item's fields (kind, whether required,
where pre-fill takes them from, the question the bot asks and why) and its materials
(免提交 through data sharing, 容缺 on a commitment). The sandbox portal validates
applications against the same files, and the dialogue asks from them, so a field added
there is asked, checked and stored without touching code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path

import yaml

from bot.catalogue import SERVICE_CODES
from bot.settings import settings

FORMS_DIR = Path(__file__).parent / "forms"
KINDS = ("text", "name", "id_number", "uscc", "phone", "date", "int", "bool", "choice", "choices", "address")
SUBJECTS = ("citizen", "enterprise")
UPLOAD, SIGN, ORIGINAL = "upload", "sign", "original"
SUPPLY = (UPLOAD, SIGN, ORIGINAL)


_CITIZEN_FIELDS: dict[str, str] = {
    "name": "姓名",
    "id_number": "身份证号码",
    "gender": "性别",
    "birth_date": "出生日期",
    "phone": "手机号码",
    "district": "户籍所在区",
    "address": "户籍地址",
    "marital_status": "婚姻状况",
    "spouse": "配偶信息",
    "children": "子女信息",
    "employer": "工作单位",
    "social_insurance": "社会保险参保记录",
    "housing_fund": "住房公积金缴存信息",
    "disability_certificate": "残疾人证信息",
    "statutory_retirement_date": "法定退休日期",
}

_ENTERPRISE_FIELDS: dict[str, str] = {
    "name": "企业名称",
    "uscc": "统一社会信用代码",
    "legal_representative": "法定代表人信息",
    "enterprise_type": "企业类型",
    "address": "住所",
    "district": "所在区",
    "business_scope": "经营范围",
    "registered_capital": "注册资本（万元）",
    "established_on": "成立日期",
    "status": "登记状态",
    "penalties": "行政处罚记录",
    "bankruptcy": "破产案件信息",
    "tax_status": "纳税状态",
}


PROFILE_FIELDS: dict[str, dict[str, str]] = {"citizen": _CITIZEN_FIELDS, "enterprise": _ENTERPRISE_FIELDS}
"""What the portal may release for pre-fill, per subject type, with the words the consent uses.
PIPL asks for consent per purpose and per item of personal information: these are the items."""


@dataclass(frozen=True)
class FieldSpec:
    """One form field. `prefill` is a path into the consented profile ("spouse.name",
    "children[-1].birth_date"); alternatives separated by "|" serve enterprises and citizens."""

    name: str
    label: str
    kind: str = "text"
    required: bool = False
    prefill: str | None = None
    choices: tuple[str, ...] = ()
    minimum: int | None = None
    maximum: int | None = None
    question: str = ""
    why: str = ""
    example: str = ""
    aliases: tuple[str, ...] = ()
    when: tuple[str, tuple[str, ...]] | None = None
    """Asked (and required) only when another field holds one of these values."""
    takes_changes: bool = False
    """Its answers naturally say "X换成Y" (变更后内容): such wording answers it, never corrects X."""
    offer: str = ""
    """For an optional field most applicants leave empty (残疾儿童入学评估, 子公司): not asked one
    by one, the summary offers it in these words, and naming it there asks its question."""
    not_before: str | None = None
    """Another date field this one cannot precede (a fine is paid after it is decided)."""
    choice_words: tuple[tuple[str, str], ...] = ()
    """(word, choice): everyday words for a choice ("爸爸" → 随父, "凉菜" → 冷食类制售), longest first."""

    def in_choice_terms(self, text: str) -> str:
        """`text` with everyday words replaced by the choices they mean ("主要卖面条 也有凉菜" →
        "主要卖热食类制售 也有冷食类制售"), so that a choice is picked in the citizen's words."""
        for word, choice in self.choice_words:
            if choice not in text:
                text = text.replace(word, choice)
        return text

    def applies(self, values: dict) -> bool:
        return _holds(self.when, values)


def _holds(when: tuple[str, tuple[str, ...]] | None, values: dict) -> bool:
    """A `when:` condition: no condition, or the named field holds one of the values."""
    if when is None:
        return True
    other, allowed = when
    value = values.get(other)
    return (str(value) if isinstance(value, bool) else value) in allowed


@dataclass(frozen=True)
class Material:
    name: str
    deferrable: bool = False
    """可容缺: may be missing at submission on a signed commitment to supply it by a date."""
    shared: bool = False
    """免提交: the department obtains it through data sharing; the applicant supplies nothing."""
    note: str = ""
    when: tuple[str, tuple[str, ...]] | None = None
    """Needed only when a field holds one of these values (清算报告 only for 普通注销)."""
    supply: str = UPLOAD
    """How the applicant supplies it: uploaded (a photo or PDF), signed online (a 承诺书 whose
    text the guide gives), or an original handed in at the window or by post."""
    optional: bool = False
    """Needed only in a situation the form does not ask about (its note says which: a 国有
    企业's approval, a policy-care proof): uploaded if it applies, never demanded."""
    text: str = ""
    """The full text signed online (supply: sign), with {field} placeholders filled from the
    application (bot/applications/commitments.py)."""
    online: bool = True
    """False for what only an application at the window needs (the 授权委托书 of someone
    applying for another, a foreign passport): an online application is made by the verified
    applicant themself."""

    def applies(self, values: dict) -> bool:
        return self.online and _holds(self.when, values)

    @property
    def uploadable(self) -> bool:
        """Supplied as a file (a photo or PDF) through the chat."""
        return not self.shared and self.supply == UPLOAD

    @property
    def demanded(self) -> bool:
        """Submission waits for it (a file, or a 容缺 commitment) when it applies."""
        return self.uploadable and not self.optional


@dataclass(frozen=True)
class Block:
    """An answer that makes the application fail by the guide's own rules (隔油设施 not
    installed): said when it is given and before submission, with what to do instead."""

    when: tuple[str, tuple[str, ...]]
    says: str
    instead: str

    def applies(self, values: dict) -> bool:
        return _holds(self.when, values)

    @property
    def about(self) -> str:
        """What the block is about, as the portal's error details name it."""
        return f"fields.{self.when[0]}" if self.when[0] else "submitted_on"


@dataclass(frozen=True)
class Window:
    """The part of the year the guide takes applications in (入学报名: 5月至6月). Outside it an
    application is blocked before submission, with what to do instead; inside it the promised
    date is the one the guide gives for the result (录取结果: 7月31日前)."""

    opens: tuple[int, int]
    closes: tuple[int, int]
    says: str
    instead: str
    results_by: tuple[int, int] | None = None
    results_say: str = ""

    def is_open(self, day: date, announced: tuple[date, date] | None = None) -> bool:
        """`announced`: this year's round as the department announced it (以当年公告为准),
        which replaces the guide's months for the year it opens in."""
        if announced is not None and (announced[0].year == day.year or announced[0] <= day <= announced[1]):
            return announced[0] <= day <= announced[1]
        return self.opens <= (day.month, day.day) <= self.closes

    def block(self) -> Block:
        return Block(("", ()), self.says, self.instead)

    def results_on(self, day: date) -> date | None:
        """The guide's result date of the round an application made on `day` is in."""
        if self.results_by is None:
            return None
        due = date(day.year, *self.results_by)
        return due if due >= day else date(day.year + 1, *self.results_by)


@dataclass(frozen=True)
class CaseRule:
    """What the guide says for some answers only: a fee (补领 costs 20元), or a period before the
    time limit starts (简易注销's 20-day 公示期)."""

    when: tuple[str, tuple[str, ...]]
    says: str
    calendar_days: int = 0

    def applies(self, values: dict) -> bool:
        return _holds(self.when, values)


@dataclass(frozen=True)
class Form:
    code: str
    title_hint: str
    subjects: tuple[str, ...]
    """Who may apply: "citizen", "enterprise" or both (开办 services start from a person)."""
    fields: tuple[FieldSpec, ...]
    materials: tuple[Material, ...]
    same_case: tuple[str, ...] = ()
    """Fields that name the case itself (a baby's birth certificate): a second application with
    the same values, while the first is in hand or done, is refused with a pointer to the first."""
    same_case_label: str = ""
    """Who or what the case is about, in the refusal ("这个宝宝")."""
    blocks: tuple[Block, ...] = ()
    registry_blocks: tuple[tuple[tuple[str, ...], str, str], ...] = ()
    """(registration statuses, what is said, what to do instead): an enterprise whose register
    entry reads so (吊销，未注销) cannot apply at all; the portal refuses the draft."""
    fees: tuple[CaseRule, ...] = ()
    periods: tuple[CaseRule, ...] = ()
    window: Window | None = None

    def field(self, name: str) -> FieldSpec | None:
        return next((f for f in self.fields if f.name == name), None)

    def material(self, name: str | None) -> Material | None:
        return next((m for m in self.materials if m.name == name), None)

    def missing(self, values: dict) -> list[str]:
        """Required fields that apply to these values and are still empty."""
        return [
            f.name for f in self.fields if f.required and f.applies(values) and values.get(f.name) in (None, "", [])
        ]

    @property
    def deferrable(self) -> tuple[Material, ...]:
        return tuple(m for m in self.materials if m.deferrable)

    def materials_for(self, values: dict) -> tuple[Material, ...]:
        """The checklist of this case: the materials whose conditions the answers meet."""
        return tuple(m for m in self.materials if m.applies(values))

    def blockers(self, values: dict, day: date | None = None) -> list[Block]:
        """What makes this application fail by the guide's rules: answers, and, given the day
        of submission, a registration window that is closed."""
        found = [b for b in self.blocks if b.applies(values)]
        closed = self.closed_window(day) if day is not None else None
        return [*found, closed] if closed else found

    def closed_window(self, day: date) -> Block | None:
        """The window's block when `day` is outside it (this year's announced round, else the
        guide's months), else None."""
        if self.window is None or self.window.is_open(day, settings.registration_rounds.get(self.code)):
            return None
        return self.window.block()

    def fee(self, values: dict) -> str | None:
        """The fee the guide names for this case, if the form narrows the item's general one."""
        return next((rule.says for rule in self.fees if rule.applies(values)), None)

    def period(self, values: dict) -> CaseRule | None:
        """A statutory period before the time limit runs (公示期), if this case has one."""
        return next((rule for rule in self.periods if rule.applies(values)), None)

    def promise_basis(self, values: dict) -> str | None:
        """Why the promised date is what it is, when the guide's rule is not the item's time
        limit: a statutory period, or the window's result date."""
        period = self.period(values)
        if period is not None:
            return period.says
        return self.window.results_say if self.window and self.window.results_by else None


PLACEHOLDERS = {"applicant", "number", "title"}
"""What a signed text may name besides the form's fields: who signs, the application, the item."""


class FormSpecError(ValueError):
    """A form file that cannot be used; raised at load time, never mid-conversation."""


def _condition(code: str, raw: dict) -> tuple[str, tuple[str, ...]] | None:
    when = raw.get("when")
    if when is None:
        return None
    if not isinstance(when, dict) or len(when) != 1:
        raise FormSpecError(f"{code}.{raw.get('name')}: when must name one field and its value(s)")
    ((other, values),) = when.items()
    return str(other), tuple(str(v) for v in (values if isinstance(values, list) else [values]))


def _field(code: str, raw: dict) -> FieldSpec:
    kind = raw.get("kind", "text")
    if kind not in KINDS:
        raise FormSpecError(f"{code}.{raw.get('name')}: unknown kind {kind!r}")
    choices = tuple(str(c) for c in raw.get("choices") or ())
    if kind in ("choice", "choices") and not choices:
        raise FormSpecError(f"{code}.{raw['name']}: a {kind} field needs choices")
    return FieldSpec(
        name=str(raw["name"]),
        label=str(raw["label"]),
        kind=kind,
        required=bool(raw.get("required", False)),
        prefill=raw.get("prefill") or None,
        choices=choices,
        minimum=raw.get("min"),
        maximum=raw.get("max"),
        question=str(raw.get("question") or f"请提供{raw['label']}。"),
        why=str(raw.get("why") or ""),
        example=str(raw.get("example") or ""),
        aliases=tuple(str(a) for a in raw.get("aliases") or ()),
        when=_condition(code, raw),
        takes_changes=bool(raw.get("takes_changes", False)),
        offer=str(raw.get("offer_at_summary") or ""),
        choice_words=_choice_words(code, raw, choices),
        not_before=raw.get("not_before") or None,
    )


def _choice_words(code: str, raw: dict, choices: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    words = raw.get("choice_words") or {}
    unknown = set(words) - set(choices)
    if unknown:
        raise FormSpecError(f"{code}.{raw['name']}: choice_words for unknown choices {sorted(unknown)}")
    pairs = [(str(word), str(choice)) for choice, said in words.items() for word in said]
    return tuple(sorted(pairs, key=lambda pair: -len(pair[0])))


def parse_form(code: str, raw: dict) -> Form:
    fields = tuple(_field(code, f) for f in raw.get("fields") or ())
    names = [f.name for f in fields]
    if not fields or len(set(names)) != len(names):
        raise FormSpecError(f"{code}: fields missing or repeated")
    for spec in fields:
        if spec.offer and (spec.required or spec.prefill):
            raise FormSpecError(
                f"{code}.{spec.name}: only an optional field the portal cannot fill is offered at the summary"
            )
        if spec.not_before and (spec.not_before not in names or spec.kind != "date"):
            raise FormSpecError(f"{code}.{spec.name}: not_before must name another date field")
    for spec in fields:
        if spec.when and spec.when[0] not in names[: names.index(spec.name)]:
            raise FormSpecError(f"{code}.{spec.name}: when must refer to an earlier field")
    subjects = tuple(raw.get("subjects") or ())
    if not subjects or any(s not in SUBJECTS for s in subjects):
        raise FormSpecError(f"{code}: subjects must be citizen and/or enterprise")
    materials = tuple(
        Material(
            name=str(m["name"]),
            deferrable=bool(m.get("deferrable", False)),
            shared=bool(m.get("shared", False)),
            note=str(m.get("note") or ""),
            when=_condition(code, m),
            supply=str(m.get("supply") or UPLOAD),
            online=bool(m.get("online", True)),
            optional=bool(m.get("optional", False)),
            text=str(m.get("text") or "").strip(),
        )
        for m in raw.get("materials") or ()
    )
    for material in materials:
        if material.supply not in SUPPLY:
            raise FormSpecError(f"{code}.{material.name}: supply must be one of {', '.join(SUPPLY)}")
        if (material.supply == SIGN) != bool(material.text):
            raise FormSpecError(f"{code}.{material.name}: a text is given exactly for what is signed online")
        unknown = set(re.findall(r"\{(\w+)\}", material.text)) - set(names) - PLACEHOLDERS
        if unknown:
            raise FormSpecError(f"{code}.{material.name}: the text names unknown fields {sorted(unknown)}")
    for material in materials:
        if material.when and not _offers(fields, *material.when):
            raise FormSpecError(f"{code}.{material.name}: when must name a field and values it can hold")
    blocks = tuple(
        Block(_required_condition(code, b, fields), str(b["says"]), str(b["instead"])) for b in raw.get("blocks") or ()
    )
    registry_blocks = tuple(
        (tuple(str(v) for v in b["status"]), str(b["says"]), str(b["instead"]))
        for b in raw.get("registry_blocks") or ()
    )
    fees = tuple(CaseRule(_required_condition(code, r, fields), str(r["says"])) for r in raw.get("fees") or ())
    periods = tuple(
        CaseRule(_required_condition(code, r, fields), str(r["says"]), int(r["calendar_days"]))
        for r in raw.get("periods") or ()
    )
    same_case = raw.get("same_case") or {}
    case_fields = tuple(str(n) for n in same_case.get("fields") or ())
    if any(n not in names for n in case_fields) or (same_case and not case_fields):
        raise FormSpecError(f"{code}: same_case must name fields of the form")
    return Form(
        code=code,
        title_hint=str(raw.get("title_hint") or code),
        subjects=subjects,
        fields=fields,
        materials=materials,
        same_case=case_fields,
        same_case_label=str(same_case.get("label") or "同一事项"),
        blocks=blocks,
        registry_blocks=registry_blocks,
        fees=fees,
        periods=periods,
        window=_window(code, raw.get("window")),
    )


def _month_day(code: str, value: object) -> tuple[int, int]:
    """ "05-01" → (5, 1); a day that no year has fails loudly."""
    try:
        month, day = (int(part) for part in str(value).split("-"))
        date(2024, month, day)  # a leap year: 02-29 is a day some years have
    except ValueError as error:
        raise FormSpecError(f"{code}.window: {value!r} is not a month-day like 05-01") from error
    return month, day


def _window(code: str, raw: dict | None) -> Window | None:
    if not raw:
        return None
    opens, closes = _month_day(code, raw["opens"]), _month_day(code, raw["closes"])
    if closes < opens:
        raise FormSpecError(f"{code}.window: it must open before it closes in the same year")
    results_by = _month_day(code, raw["results_by"]) if raw.get("results_by") else None
    if results_by is not None and results_by < closes:
        raise FormSpecError(f"{code}.window: the results cannot be due before the window closes")
    return Window(opens, closes, str(raw["says"]), str(raw["instead"]), results_by, str(raw.get("results_say") or ""))


def _required_condition(code: str, raw: dict, fields: tuple[FieldSpec, ...]) -> tuple[str, tuple[str, ...]]:
    """The `when:` of a rule (block, fee, period): required, on a field and values it can hold."""
    when = _condition(code, raw)
    if when is None or not _offers(fields, *when):
        raise FormSpecError(f"{code}: a rule's when must name a choice field and values it can hold")
    return when


def _offers(fields: tuple[FieldSpec, ...], name: str, values: tuple[str, ...]) -> bool:
    """A single-choice field among whose choices the values are, or a yes/no field."""
    spec = next((f for f in fields if f.name == name), None)
    if spec is not None and spec.kind == "bool":
        return set(values) <= {"True", "False"}
    return spec is not None and spec.kind == "choice" and set(values) <= set(spec.choices)


def consent_fields(form: Form, subject_type: str) -> list[str]:
    """The profile fields pre-fill of `form` reads for this kind of applicant (what consent covers)."""
    known = PROFILE_FIELDS[subject_type]
    names: list[str] = []
    for spec in form.fields:
        for alternative in (spec.prefill or "").split("|"):
            top = alternative.split(".")[0].split("[")[0]
            if top in known and top not in names:
                names.append(top)
    return names


def consent_labels(form: Form, subject_type: str) -> list[str]:
    """The same fields in the words a consent question uses (姓名、身份证号码…)."""
    return [PROFILE_FIELDS[subject_type][name] for name in consent_fields(form, subject_type)]


@lru_cache(maxsize=4)
def load_forms(directory: Path = FORMS_DIR) -> dict[str, Form]:
    """Every item's form, keyed by service code; a missing or broken file fails loudly."""
    forms: dict[str, Form] = {}
    for code in SERVICE_CODES:
        path = directory / f"{code}.yml"
        if not path.exists():
            raise FormSpecError(f"no form file for {code}: {path}")
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        if raw.get("code", code) != code:
            raise FormSpecError(f"{path}: code {raw.get('code')!r} does not match the file name")
        forms[code] = parse_form(code, raw)
    return forms


def get_form(code: str) -> Form:
    return load_forms()[code]

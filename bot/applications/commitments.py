"""The texts an applicant signs online: the 承诺书 a form names (`supply: sign`, its `text`
filled from the application) and the 容缺受理承诺书 for materials promised for later.

The portal renders them, records the hash of exactly what was shown, and checks at submission
that what is signed is what the case needs now; the chat shows the portal's texts as they are.
The 容缺 wording follows knowledge/general.md (容缺事项承诺办).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import date

from bot.applications.form import SIGN, Form

DEFERRAL = "容缺受理承诺书"
_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_PLACEHOLDER = re.compile(r"\{(\w+)\}")


@dataclass(frozen=True)
class Document:
    name: str
    text: str

    @property
    def sha256(self) -> str:
        return text_hash(self.text)


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _shown(value: object) -> str:
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, list):
        return "、".join(_shown(v) for v in value)
    found = _ISO_DATE.match(str(value or ""))
    if found:
        year, month, day = found.groups()
        return f"{year}年{int(month)}月{int(day)}日"
    return str(value) if value not in (None, "") else "（未填写）"


def _fill(template: str, values: dict) -> str:
    return _PLACEHOLDER.sub(lambda m: _shown(values.get(m.group(1))), template)


def deferral_text(applicant: str, title: str, number: str, deferred: list[tuple[str, date]]) -> str:
    promised = "；".join(f"「{name}」于{_shown(due.isoformat())}前补交" for name, due in deferred)
    return (
        f"本人（单位）{applicant}申请办理「{title}」（申请编号{number}），以下材料暂缺，申请容缺受理，并郑重承诺：\n"
        f"一、{promised}；\n"
        "二、已提交的材料和所作承诺真实、有效；\n"
        "三、逾期未补齐的，同意终止办理或依法撤销已作出的决定；承诺不实的，同意依法撤销审批结果、"
        "承担相应责任，并记入信用记录，12个月内不再适用容缺受理和告知承诺。"
    )


def documents(
    form: Form, values: dict, applicant: str, title: str, number: str, deferred: list[tuple[str, date]] | None = None
) -> list[Document]:
    """What this case asks the applicant to sign: its 承诺书, then the 容缺 commitment if any
    material is promised for later."""
    context = {**values, "applicant": applicant, "title": title, "number": number}
    signed = [Document(m.name, _fill(m.text, context)) for m in form.materials_for(values) if m.supply == SIGN]
    if deferred:
        signed.append(Document(DEFERRAL, deferral_text(applicant, title, number, deferred)))
    return signed
